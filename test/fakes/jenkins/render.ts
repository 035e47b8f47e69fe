// JSON shapes of §2, §4 and §5. Each renderer returns the *deep* object; without `tree=` the router
// flattens nested items to `{_class,number,url}` as Jenkins does at depth 0.
import type { Build, Job, JenkinsModel, QueueItem } from './model.js';

export const FREESTYLE_PROJECT = 'hudson.model.FreeStyleProject';
export const FREESTYLE_BUILD = 'hudson.model.FreeStyleBuild';
const FOLDER = 'com.cloudbees.hudson.plugins.folder.Folder';

/** Absolute item URL from the configured root URL (which ends in '/'). Segments encoded like Util.rawEncode. */
export function jobUrl(root: string, segments: string[]): string {
  return root + segments.map((s) => `job/${encodeURIComponent(s)}/`).join('');
}

export function buildUrl(root: string, build: Build): string {
  return `${jobUrl(root, build.job.segments)}${build.number}/`;
}

function color(job: Job): string {
  if (job.opts.disabled) return 'disabled';
  const last = [...job.builds].reverse().find((b) => !b.building);
  const base = !last
    ? 'notbuilt'
    : last.result === 'SUCCESS'
      ? 'blue'
      : last.result === 'UNSTABLE'
        ? 'yellow'
        : last.result === 'FAILURE'
          ? 'red'
          : 'aborted';
  return job.builds.some((b) => b.building) ? `${base}_anime` : base;
}

function parametersAction(params: Record<string, string>) {
  return {
    _class: 'hudson.model.ParametersAction',
    parameters: Object.entries(params).map(([name, value]) => ({
      _class: 'hudson.model.StringParameterValue',
      name,
      value,
    })),
  };
}

function causeAction(user: string) {
  return {
    _class: 'hudson.model.CauseAction',
    causes: [
      {
        _class: 'hudson.model.Cause$UserIdCause',
        shortDescription: `Started by user ${user}`,
        userId: user,
        userName: user,
      },
    ],
  };
}

export function buildJson(root: string, user: string, build: Build) {
  const job = build.job;
  const prev = job.builds.filter((b) => b.number < build.number && !b.building).at(-1);
  const actions: object[] = [];
  if (job.opts.parameters) actions.push(parametersAction(build.params));
  actions.push(causeAction(user), {}, {});
  return {
    _class: FREESTYLE_BUILD,
    actions,
    artifacts: [],
    building: build.building,
    description: null,
    displayName: `#${build.number}`,
    duration: build.duration,
    estimatedDuration: prev ? prev.duration : -1,
    executor: build.building ? {} : null,
    fullDisplayName: `${job.segments.join(' » ')} #${build.number}`,
    id: String(build.number),
    inProgress: build.building,
    keepLog: false,
    number: build.number,
    queueId: build.queueId,
    result: build.result,
    timestamp: build.timestamp,
    url: buildUrl(root, build),
    builtOn: '',
    changeSet: { _class: 'hudson.scm.EmptyChangeLogSet', items: [], kind: null },
    culprits: [],
  };
}

export function queueItemJson(root: string, user: string, item: QueueItem) {
  const job = item.job;
  const base = {
    actions: [parametersAction(item.params), causeAction(user)],
    blocked: false,
    buildable: item.state === 'buildable',
    id: item.id,
    inQueueSince: item.inQueueSince,
    params: Object.entries(item.params)
      .map(([k, v]) => `\n${k}=${v}`)
      .join(''),
    stuck: false,
    task: { _class: FREESTYLE_PROJECT, name: job.segments.at(-1), url: jobUrl(root, job.segments), color: color(job) },
    url: `queue/item/${item.id}/`,
  };
  if (item.state === 'waiting') {
    const secs = Math.max(0, (item.dueAt - Date.now()) / 1000).toFixed(1);
    return {
      _class: 'hudson.model.Queue$WaitingItem',
      ...base,
      why: `In the quiet period. Expires in ${secs} sec`,
      timestamp: item.dueAt,
    };
  }
  if (item.state === 'buildable') {
    return {
      _class: 'hudson.model.Queue$BuildableItem',
      ...base,
      why: 'Waiting for next available executor',
      buildableStartMilliseconds: item.buildableSince,
      pending: false,
    };
  }
  const reveal = item.build !== null && item.hiddenPolls <= 0;
  return {
    _class: 'hudson.model.Queue$LeftItem',
    ...base,
    why: null,
    cancelled: item.cancelled,
    executable:
      reveal && item.build
        ? { _class: FREESTYLE_BUILD, number: item.build.number, url: buildUrl(root, item.build) }
        : null,
  };
}

export const PERMALINKS: Record<string, (b: Build) => boolean> = {
  lastBuild: () => true,
  lastCompletedBuild: (b) => !b.building,
  lastSuccessfulBuild: (b) => !b.building && (b.result === 'SUCCESS' || b.result === 'UNSTABLE'),
  lastStableBuild: (b) => !b.building && b.result === 'SUCCESS',
  lastFailedBuild: (b) => !b.building && b.result === 'FAILURE',
  lastUnsuccessfulBuild: (b) => !b.building && b.result !== 'SUCCESS',
};

export function jobJson(root: string, user: string, model: JenkinsModel, job: Job) {
  const newestFirst = [...job.builds].reverse();
  const full = (b: Build | undefined) => (b ? buildJson(root, user, b) : null);
  const queued = model.queued().find((i) => i.job === job);
  const permalinks = Object.fromEntries(
    Object.entries(PERMALINKS).map(([name, pred]) => [name, full(newestFirst.find(pred))]),
  );
  const name = job.segments.at(-1)!;
  return {
    _class: FREESTYLE_PROJECT,
    actions: [{}, {}],
    description: '',
    displayName: name,
    fullDisplayName: job.segments.join(' » '),
    fullName: job.segments.join('/'),
    name,
    url: jobUrl(root, job.segments),
    buildable: !job.opts.disabled,
    builds: newestFirst.slice(0, 100).map((b) => buildJson(root, user, b)),
    allBuilds: newestFirst.map((b) => buildJson(root, user, b)),
    color: color(job),
    firstBuild: full(job.builds[0]),
    healthReport: [],
    inQueue: queued !== undefined,
    keepDependencies: false,
    ...permalinks,
    nextBuildNumber: job.nextBuildNumber,
    property: job.opts.parameters
      ? [
          {
            _class: 'hudson.model.ParametersDefinitionProperty',
            parameterDefinitions: job.opts.parameters.map((p) => ({
              _class: 'hudson.model.StringParameterDefinition',
              defaultParameterValue: { _class: 'hudson.model.StringParameterValue', name: p, value: '' },
              description: null,
              name: p,
              type: 'StringParameterDefinition',
            })),
          },
        ]
      : [],
    queueItem: queued ? queueItemJson(root, user, queued) : null,
    concurrentBuild: true,
    disabled: job.opts.disabled ?? false,
    scm: { _class: 'hudson.scm.NullSCM' },
  };
}

export function folderJson(root: string, model: JenkinsModel, path: string) {
  const segments = path === '' ? [] : path.split('/');
  const jobs = model.folderChildren(path).map(({ name, job }) => ({
    _class: job ? FREESTYLE_PROJECT : FOLDER,
    name,
    url: jobUrl(root, [...segments, name]),
    ...(job ? { color: color(job) } : {}),
  }));
  if (segments.length === 0) {
    return {
      _class: 'hudson.model.Hudson',
      mode: 'NORMAL',
      nodeDescription: 'the Jenkins controller',
      nodeName: '',
      numExecutors: 2,
      jobs,
      quietingDown: false,
      url: root,
      useCrumbs: true,
      useSecurity: true,
      views: [],
    };
  }
  const name = segments.at(-1)!;
  return {
    _class: FOLDER,
    actions: [{}],
    description: null,
    displayName: name,
    fullName: path,
    name,
    url: jobUrl(root, segments),
    jobs,
    views: [],
  };
}

/** Depth 0: nested objects that are items or runs shrink to their identity, as Jenkins exports them. */
export function shallow(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ident = (v: unknown): unknown => {
    if (v && typeof v === 'object' && !Array.isArray(v) && 'number' in v && 'url' in v) {
      const r = v as { _class: unknown; number: unknown; url: unknown };
      return { _class: r._class, number: r.number, url: r.url };
    }
    return v;
  };
  for (const [k, v] of Object.entries(value)) {
    if (k === 'allBuilds') continue; // only reachable through tree=
    out[k] = Array.isArray(v) ? v.map(ident) : ident(v);
  }
  return out;
}
