import { expect, it } from 'vitest';
import { initialState, type DeploymentInput } from './deployment-state.js';
import type { ServicePlan } from './service-plan.js';

const plan = {
  service: 'checkout',
  environments: [{ environment: 'preprod' }, { environment: 'live' }],
  endsLive: true,
} as unknown as ServicePlan;
const input = (more: Partial<DeploymentInput>): DeploymentInput => ({
  id: 'd',
  number: 1,
  version: '1.0.0',
  requestor: 'ann',
  plan,
  startAtLast: false,
  rollbackOf: null,
  ...more,
});

it("keeps the requester's reason in the first transition, after what the request is", () => {
  const first = (more: Partial<DeploymentInput>) =>
    initialState(input(more), '2026-01-01T00:00:00Z').transitions[0]!.reason;
  expect(first({})).toBe('requested');
  expect(first({ rollbackOf: 'd0', startAtLast: true })).toBe('rollback of d0');
  expect(first({ rollbackOf: 'd0', startAtLast: true, reason: 'errors in checkout' })).toBe(
    'rollback of d0: errors in checkout',
  );
});
