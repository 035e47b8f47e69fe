import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/activity';
import { unfinishedBuildIds } from '../db/builds.js';
import type { Db, PubSub } from '../db/client.js';
import { describeFeature, linkFeature } from '../db/features.js';
import { findActiveJob, retireJob, saveJob } from '../db/jobs.js';
import { recordDelivery } from '../db/webhook-inbox.js';
import { ErrorType } from '../domain/errors.js';
import type { JobDefinition } from '../domain/job.js';
import { logger } from '../infra/logger.js';
import { cancelBuildUpdate } from '../workflows/build.messages.js';

// Job copies for pull requests and branches, superseding, deliveries and feature links.
// All idempotent: an upsert, a retire that may already be done, a cancel that may find nothing.

export function createJobLinkActivities(deps: { db: Db; pubsub: PubSub; client: Client }) {
  const { db } = deps;
  return {
    /** The copy takes the parent's current definition, pinned to the event's commit. */
    async ensureJobCopy(input: { parent: string; copy: string; ref: string; label?: string }): Promise<void> {
      const parent = await findActiveJob(db, input.parent);
      if (!parent)
        throw ApplicationFailure.nonRetryable(`linked job ${input.parent} does not exist`, ErrorType.BadConfig);
      const def = parent.definition as unknown as JobDefinition;
      const definition = {
        ...def,
        ...(def.repository ? { repository: { ...def.repository, ref: input.ref } } : {}),
      } as unknown as Record<string, unknown>;
      await saveJob(db, input.copy, definition, input.parent, input.label);
    },

    async retireJobCopy(input: { copy: string }): Promise<void> {
      await retireJob(db, input.copy);
    },

    /** A new push to a PR makes its running builds pointless: they are cancelled (hooks still run). */
    async cancelRunningBuilds(input: { jobPath: string; actor: string }): Promise<string[]> {
      const running = await unfinishedBuildIds(db, input.jobPath);
      for (const id of running) {
        try {
          await deps.client.workflow.getHandle(id).executeUpdate(cancelBuildUpdate, { args: [{ actor: input.actor }] });
        } catch (err) {
          logger.info({ err, buildId: id }, 'superseded build was no longer cancellable');
        }
      }
      return running;
    },

    async recordDelivery(input: {
      id: string;
      forge: string;
      event: string;
      repo: string;
      summary: Record<string, unknown>;
      builds: string[];
    }): Promise<void> {
      await recordDelivery(db, input);
    },

    /**
     * Links what an event touched to the features its branch name and title mention, and tells
     * subscribers that a branch of interest was updated (NOTIFY branch_of_interest_updated).
     */
    async linkFeatures(input: {
      keys: string[];
      repo: string;
      kind: 'branch' | 'pull_request' | 'build';
      ref: string;
      detail: Record<string, unknown>;
    }): Promise<void> {
      for (const key of input.keys) {
        await linkFeature(db, {
          featureKey: key,
          kind: input.kind,
          repo: input.repo,
          ref: input.ref,
          detail: input.detail,
        });
        if (input.kind !== 'build')
          await deps.pubsub.notify(
            'branch_of_interest_updated',
            JSON.stringify({ feature: key, repo: input.repo, kind: input.kind, ref: input.ref }),
          );
      }
    },

    async describeFeature(input: {
      key: string;
      title: string | null;
      state: string | null;
      url: string | null;
      provider: string;
    }): Promise<void> {
      await describeFeature(db, input);
    },
  };
}

export type JobLinkActivities = ReturnType<typeof createJobLinkActivities>;
