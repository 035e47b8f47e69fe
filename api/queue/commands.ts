import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { recordAudit } from '../../db/audit.js';
import { pauseSwitches, setPauseSwitch } from '../../db/environment-queues.js';
import {
  environmentLockWorkflowType,
  lockSignalWithStartOptions,
  setPausedSignal,
} from '../../workflows/environment-lock.messages.js';
import type { ApiDeps } from '../deps.js';

// Pausing: the switch is stored first (so reads and newly started lock workflows see it), then
// each affected environment lock is told. Paused means nothing new starts deploying or going live.

export function createQueueCommands(deps: ApiDeps) {
  const environments = () => Object.keys(deps.config.environments);

  async function effective(): Promise<Record<string, boolean>> {
    const rows = await pauseSwitches(deps.db, ['*', ...environments()]);
    const all = rows.some((r) => r.scope === '*' && r.paused);
    return Object.fromEntries(environments().map((env) => [env, all || rows.some((r) => r.scope === env && r.paused)]));
  }

  async function setPaused(paused: boolean, environment: string | undefined, actor: string) {
    const scopes = environment ? [environment] : paused ? ['*'] : ['*', ...environments()];
    for (const scope of scopes) await setPauseSwitch(deps.db, scope, paused, actor);
    await recordAudit(deps.db, { actor, action: paused ? 'queue.pause' : 'queue.resume', subject: environment ?? '*' });
    const now = await effective();
    for (const env of environment ? [environment] : environments()) {
      try {
        const lock = {
          taskQueue: deps.taskQueue,
          environment: env,
          concurrency: deps.config.environments[env]!.concurrency,
          paused: now[env]!,
          tuning: deps.lockTuning,
        };
        await deps.temporal.workflow.signalWithStart(
          environmentLockWorkflowType,
          lockSignalWithStartOptions(lock, setPausedSignal, { paused: now[env]! }),
        );
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    return now;
  }

  return {
    pause: (environment: string | undefined, actor: string) => setPaused(true, environment, actor),
    resume: (environment: string | undefined, actor: string) => setPaused(false, environment, actor),
    paused: effective,
    /** Octopush's single switch: paused when every environment is. */
    async allPaused(): Promise<boolean> {
      const now = await effective();
      return Object.values(now).every(Boolean);
    },
  };
}

export type QueueCommands = ReturnType<typeof createQueueCommands>;
