// Addresses of the jobs, builds and features pages. A job page lives at /jobs/<path>, except where
// Octopush's own GET routes (/jobs/:id/status, …/golive, …/cancel, …/rollback, …/tests/:success),
// mounted first, would answer instead: those jobs are addressed as /jobs?job=<path>.

const octopushAction = /^[^/]+\/(?:status|golive|cancel|rollback|tests\/[^/]+)$/;

export function jobHref(path: string): string {
  if (octopushAction.test(path)) return `/jobs?job=${encodeURIComponent(path)}`;
  return `/jobs/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** Where a job's run form posts: the API's shape, unambiguous because no job path has a `builds` segment. */
export const runHref = (path: string) => `/jobs/${path.split('/').map(encodeURIComponent).join('/')}/builds`;

export const buildHref = (id: string) => `/builds/${encodeURIComponent(id)}`;

export const featureHref = (key: string) => `/features/${encodeURIComponent(key)}`;

/** The anchor of one command's log on a build page (keys are `stage/step` slugs). */
export const logAnchor = (commandKey: string) => `log-${commandKey.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** A link target from a forge or tracker: only http(s), so a stored `javascript:` URL is never a link. */
export const safeUrl = (url: unknown): string | null =>
  typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
