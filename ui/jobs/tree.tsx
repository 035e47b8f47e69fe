import type { BuildRow } from '../../db/builds.js';
import type { JobTree } from '../../domain/job-tree.js';
import { Status } from './format.js';
import { jobHref } from './links.js';

// The folder tree of jobs: folders as nested lists, each job with its title and newest build.

export interface TreeJob {
  title: string;
  latest: BuildRow | undefined;
}

export function JobTreeList(props: { nodes: JobTree[]; jobs: Map<string, TreeJob> }) {
  return (
    <ul class="job-tree">
      {props.nodes.map((node) =>
        node.type === 'folder' ? (
          <li class="job-folder">
            <a href={jobHref(node.path)}>{`${node.name}/`}</a>
            <JobTreeList nodes={node.children ?? []} jobs={props.jobs} />
          </li>
        ) : (
          <li class="job-leaf">
            <a href={jobHref(node.path)}>{node.name}</a> <span class="muted">{props.jobs.get(node.path)?.title}</span>{' '}
            {props.jobs.get(node.path)?.latest ? (
              <Status status={props.jobs.get(node.path)!.latest!.status} />
            ) : (
              <span class="muted">never built</span>
            )}
          </li>
        ),
      )}
    </ul>
  );
}

/** The part of the tree under `folder` ("" for all of it); null when no job is in it. */
export function subtree(nodes: JobTree[], folder: string): JobTree[] | null {
  if (folder === '') return nodes;
  let level = nodes;
  for (const name of folder.split('/')) {
    const next = level.find((n) => n.type === 'folder' && n.name === name);
    if (!next) return null;
    level = next.children ?? [];
  }
  return level;
}
