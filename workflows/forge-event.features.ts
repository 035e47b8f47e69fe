import { featureKeys } from '../domain/feature-keys.js';
import type { ForgeEvent } from '../domain/forge-events.js';
import type { ForgeEventInput } from './forge-event.messages.js';
import { forge, links, records } from './forge-event.proxies.js';

// A delivery's events linked to the feature keys their branch, title or tag names.

/** `#42` means an issue of this repository: it becomes `owner/repo#42`, unique across repositories. */
export function keysOf(event: ForgeEvent): string[] {
  const text =
    event.kind === 'pull_request' ? `${event.branch} ${event.title}` : event.kind === 'push' ? event.branch : event.tag;
  return featureKeys(text).map((k) => (k.startsWith('#') ? `${event.repo.fullName}${k}` : k));
}

export async function linkToFeatures(event: ForgeEvent, input: ForgeEventInput): Promise<void> {
  const keys = keysOf(event);
  if (keys.length === 0) return;
  if (event.kind === 'pull_request') {
    await records().linkFeatures({
      keys,
      repo: event.repo.fullName,
      kind: 'pull_request',
      ref: String(event.number),
      detail: { title: event.title, action: event.action, branch: event.branch, commit: event.commit, url: event.url },
    });
  }
  if (event.kind === 'pull_request' || event.kind === 'push') {
    await records().linkFeatures({
      keys,
      repo: event.repo.fullName,
      kind: 'branch',
      ref: event.branch,
      detail: { commit: event.commit },
    });
  }
  // GitHub issues are the planning provider: an issue key gets its title and state.
  if (event.vendor === 'github' && input.statuses) {
    for (const key of keys.filter((k) => k.includes('#'))) {
      const issue = await forge.forgeIssue({
        server: input.forge,
        repo: event.repo.fullName,
        number: Number(key.split('#')[1]),
      });
      if (issue)
        await links.describeFeature({
          key,
          title: issue.title,
          state: issue.state,
          url: issue.url,
          provider: 'github-issues',
        });
    }
  }
}
