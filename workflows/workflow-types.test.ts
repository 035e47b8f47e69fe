import { describe, expect, it } from 'vitest';
import { buildWorkflowType } from './build.messages.js';
import { deploymentWorkflowType } from './deployment.messages.js';
import { environmentLockWorkflowType } from './environment-lock.messages.js';
import { forgeEventWorkflowType } from './forge-event.messages.js';
import { gitPollWorkflowType } from './git-poll.messages.js';
import * as workflows from './index.js';

// Callers start workflows by the type names of the messages modules; the worker registers the
// functions of the bundle's entry under their own names. The two must agree, one for one.

describe('workflow type names', () => {
  it('name every workflow the worker registers', () => {
    const types = [
      deploymentWorkflowType,
      environmentLockWorkflowType,
      buildWorkflowType,
      forgeEventWorkflowType,
      gitPollWorkflowType,
    ];
    expect(
      Object.values(workflows)
        .map((w) => w.name)
        .sort(),
    ).toEqual(types.sort());
    expect(Object.keys(workflows).sort()).toEqual(types.sort());
  });
});
