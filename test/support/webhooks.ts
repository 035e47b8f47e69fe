// Signed deliveries in each vendor's real wire format, for the gateway tests and benches.
// Payloads are untyped JSON documents edited in place, as a forge would build them.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

export type Vendor = 'github' | 'gitlab' | 'gitea' | 'bitbucket';

/** Headers as each vendor sends them, with a valid signature (or token) unless `secret` is wrong. */
export function vendorHeaders(
  vendor: Vendor,
  event: string,
  body: string,
  secret: string,
  delivery: string = randomUUID(),
): Record<string, string> {
  const json = { 'content-type': 'application/json' };
  switch (vendor) {
    case 'github':
      return {
        ...json,
        'x-github-event': event,
        'x-github-delivery': delivery,
        'x-hub-signature-256': `sha256=${hmac(secret, body)}`,
        'user-agent': 'GitHub-Hookshot/abc',
      };
    case 'gitlab':
      return { ...json, 'x-gitlab-event': event, 'x-gitlab-event-uuid': delivery, 'x-gitlab-token': secret };
    case 'gitea':
      return { ...json, 'x-gitea-event': event, 'x-gitea-delivery': delivery, 'x-gitea-signature': hmac(secret, body) };
    case 'bitbucket':
      return {
        ...json,
        'x-event-key': event,
        'x-request-uuid': delivery,
        'x-hub-signature': `sha256=${hmac(secret, body)}`,
      };
  }
}

export const fixture = (vendor: Exclude<Vendor, 'github'>, name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/forges/${vendor}/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    any
  >;

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: Array<Record<string, any>>;
}>;

/** A GitHub example payload of this event (and action), re-pointed at our repository. */
export function githubExample(event: string, action?: string): Record<string, any> {
  const found = examples
    .find((e) => e.name === event)!
    .examples.find((x) => action === undefined || x.action === action)!;
  return structuredClone(found);
}

export function githubPush(repo: string, branch: string, sha: string): Record<string, any> {
  const p = githubExample('push').valueOf() as Record<string, any>;
  const example = examples
    .find((e) => e.name === 'push')!
    .examples.find((x) => x.ref.startsWith('refs/heads/') && !x.deleted)!;
  Object.assign(p, structuredClone(example));
  p.ref = `refs/heads/${branch}`;
  p.after = sha;
  p.deleted = false;
  p.head_commit = { ...(p.head_commit ?? {}), id: sha, message: `change on ${branch}` };
  p.repository.full_name = repo;
  p.repository.name = repo.split('/')[1];
  return p;
}

export function githubPullRequest(
  repo: string,
  action: 'opened' | 'synchronize' | 'closed',
  number: number,
  sha: string,
  title: string,
  merged = false,
): Record<string, any> {
  const p = githubExample('pull_request', action === 'synchronize' ? 'synchronize' : action);
  p.number = number;
  p.pull_request.number = number;
  p.pull_request.title = title;
  p.pull_request.head.sha = sha;
  p.pull_request.merged = merged;
  p.repository.full_name = repo;
  p.repository.name = repo.split('/')[1];
  return p;
}
