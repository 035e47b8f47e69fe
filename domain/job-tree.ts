// Job paths (`team/service/job`) as a tree of folders and jobs, for the API's /v1/jobs and the
// dashboard's /jobs. A name may be both a job and a folder (a job and its PR copies).

export type JobTree = { name: string; path: string; type: 'folder' | 'job'; children?: JobTree[] };

export function jobTree(paths: string[]): JobTree[] {
  const root: JobTree = { name: '', path: '', type: 'folder', children: [] };
  for (const path of paths) {
    let node = root;
    path.split('/').forEach((name, i, all) => {
      const sub = all.slice(0, i + 1).join('/');
      const type = i === all.length - 1 ? 'job' : 'folder';
      let child = node.children!.find((c) => c.name === name && c.type === type);
      if (!child) {
        child = { name, path: sub, type, ...(type === 'folder' ? { children: [] } : {}) };
        node.children!.push(child);
      }
      node = child;
    });
  }
  return root.children!;
}
