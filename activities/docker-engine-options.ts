// What every container Slipway creates carries, whether a deployer's one-shot container
// (docker-options.ts) or a build's container and its execs (build-runner-options.ts). Pure; no I/O.
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors.js';

/** On every container Slipway creates, so that an operator (or a clean-up) can find them all. */
export const LABEL_MANAGED = 'slipway';
/** On a build's container, image and workspace volume: the build's id. */
export const LABEL_BUILD = 'slipway.build';

/** `K=V` entries, sorted by name, values verbatim; names Docker cannot carry are a terminal failure. */
export function envList(env: Record<string, string>): string[] {
  return Object.entries(env)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => {
      if (k === '' || k.includes('=') || k.includes('\0')) {
        throw ApplicationFailure.nonRetryable(
          `invalid environment variable name ${JSON.stringify(k)}`,
          ErrorType.BadConfig,
        );
      }
      return `${k}=${v}`;
    });
}
