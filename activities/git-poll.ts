import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { polledRefs } from '../db/schema.js';
import { ErrorType } from '../domain/errors.js';
import { git, maskCredentials } from './git.js';

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
        if (/not found|does not appear to be a git repository|Could not read/i.test(message)) throw ApplicationFailure.nonRetryable(`git ls-remote ${maskCredentials(input.url)}: ${message}`, ErrorType.BadConfig);
        throw new Error(`git ls-remote ${maskCredentials(input.url)}: ${message}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async storedBranchHeads(input: { repo: string }): Promise<Record<string, string> | null> {
      const rows = await deps.db.select().from(polledRefs).where(eq(polledRefs.repo, input.repo));
      return rows.length ? Object.fromEntries(rows.map((r) => [r.ref, r.sha])) : null;
    },

    async storeBranchHeads(input: { repo: string; heads: Record<string, string> }): Promise<void> {
      await deps.db.transaction(async (tx) => {
        await tx.delete(polledRefs).where(eq(polledRefs.repo, input.repo));
        const rows = Object.entries(input.heads).map(([ref, sha]) => ({ repo: input.repo, ref, sha }));
        if (rows.length) await tx.insert(polledRefs).values(rows);
      });
    },
  };
}

export type GitPollActivities = ReturnType<typeof createGitPollActivities>;
