import { shortTime } from '../../domain/waiting-words.js';

// Small pieces every deployment page shares: links, the status badge and times.

/** The page of a deployment, by its number (the detail route takes an id or a number). */
export const deploymentHref = (d: { number: number | null; id: string }) =>
  d.number !== null ? `/deployments/${d.number}` : `/deployments/${encodeURIComponent(d.id)}`;

/** The page of a Slipway build that ran a deploy job (ui/jobs' build page). */
export const buildHref = (b: { job: string; number: number }) =>
  `/jobs/${b.job.split('/').map(encodeURIComponent).join('/')}/builds/${b.number}`;

export function StatusBadge(props: { status: string }) {
  return <span class={`status status-${props.status.toLowerCase().replace(/_/g, '-')}`}>{props.status}</span>;
}

export function Time(props: { at: Date | string }) {
  const iso = typeof props.at === 'string' ? props.at : props.at.toISOString();
  return <time datetime={iso}>{shortTime(iso)}</time>;
}
