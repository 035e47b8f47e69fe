import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/client.js';
import { storeBranchHeads, storedBranchHeads } from '../db/polled-refs.js';
import { ErrorType } from '../domain/errors.js';
import { maskCredentials } from '../domain/credentials.js';
import { git } from './git.js';

// Plain git repositories have no webhooks: a schedule asks `git ls-remote` for their branch heads
// and compares them with what was seen last. Reading and storing are separate activities so that
// a change is stored only after the builds it causes were started (nothing is lost on a crash).

export function createGitPollActivities(deps: { db: Db }) {
  return {
    async gitBranchHeads(input: { url: string }): Promise<Record<string, string>> {
      const dir = await mkdtemp(join(tmpdir(), 'slipway-ls-remote-'));
      try {
        const { stdout } = await git(['ls-remote', '--heads', input.url], { cwd: dir, timeoutMs: 60_000 });
        const heads: Record<string, string> = {};
        for (const line of stdout.split('\n')) {
          const [sha, ref] = line.trim().split(/\s+/);
          if (sha && ref?.startsWith('refs/heads/')) heads[ref.slice('refs/heads/'.length)] = sha;
        }
        return heads;
      } catch (err) {
        const message = maskCredentials((err as Error).message);
        if (/not found|does not appear to be a git repository|Could not read/i.test(message))
          throw ApplicationFailure.nonRetryable(
            `git ls-remote ${maskCredentials(input.url)}: ${message}`,
            ErrorType.BadConfig,
          );
        throw new Error(`git ls-remote ${maskCredentials(input.url)}: ${message}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async storedBranchHeads(input: { repo: string }): Promise<Record<string, string> | null> {
      return storedBranchHeads(deps.db, input.repo);
    },

    async storeBranchHeads(input: { repo: string; heads: Record<string, string> }): Promise<void> {
      await storeBranchHeads(deps.db, input.repo, input.heads);
    },
  };
}

export type GitPollActivities = ReturnType<typeof createGitPollActivities>;
