import { describe, expect, it } from 'vitest';
import { SlipwayConfig } from './config.js';
import type { CancelScopes } from './cancel-policy.js';
import {
  applyApproval,
  applyCancel,
  applyTestReport,
  checkApproval,
  checkCancel,
  checkTestReport,
  enterApprovalWait,
  type Check,
} from './deployment-rules.js';
import { envStatus, finish, initialState, transition, type DeploymentState } from './deployment-state.js';
import { servicePlan, type ServicePlan } from './service-plan.js';
import type { OctopushStatus, Phase } from './statuses.js';

const docker = { type: 'docker', image: 'slipway/step:busybox', command: 'true' };

const config = SlipwayConfig.parse({
  environments: {
    dev: { concurrency: 'groups' },
    preprod: { concurrency: 'groups' },
    live: { concurrency: 'exclusive' },
  },
  pipeline: ['preprod', 'live'],
  policies: { approval: { expiresAfter: '1h' } },
  'direct-to-live': ['banner'],
  services: {
    checkout: { group: 1, approvers: ['alice', 'bob'], deploy: { '*': docker } },
    payments: { group: 1, approvers: ['alice', 'bob', 'erin'], approvalsRequired: 2, deploy: { '*': docker } },
    search: { group: 2, deploy: { '*': docker } },
    banner: { group: 3, deploy: { live: docker } },
    catalog: { group: 1, pipeline: ['dev', 'preprod', 'live'], deploy: { '*': docker } },
  },
});

function plan(service: string, target?: string): ServicePlan {
  const p = servicePlan(config, service, target);
  if (!p) throw new Error(`no plan for ${service}`);
  return p;
}

const T0 = '2025-03-01T10:00:00.000Z';
const T1 = '2025-03-01T10:05:00.000Z';
const T2 = '2025-03-01T10:10:00.000Z';
const HOUR = 3_600_000;

function start(p: ServicePlan, opts: { startAtLast?: boolean; rollbackOf?: string } = {}): DeploymentState {
  return initialState(
    {
      id: 'dep-1',
      number: 1,
      version: '1.0.0',
      requestor: 'carol',
      plan: p,
      startAtLast: opts.startAtLast ?? false,
      rollbackOf: opts.rollbackOf ?? null,
    },
    T0,
  );
}

type Stage =
  | 'queued'
  | 'deploying'
  | 'deploy-failed'
  | 'awaiting-tests'
  | 'tests-failed'
  | 'tests-expired'
  | 'awaiting-approval'
  | 'queued-for-live'
  | 'going-live'
  | 'live';

/** A deployment of `p` driven the way the workflow drives it, up to `stage`. */
function at(stage: Stage, p: ServicePlan = plan('checkout')): DeploymentState {
  const state = start(p);
  const first = envStatus(state, state.environment);
  first.state = 'queued';
  state.waitingOn = { kind: 'lock', environment: first.environment, since: T0 };
  if (stage === 'queued') return state;
  first.state = 'deploying';
  state.waitingOn = { kind: 'deployer', environment: first.environment, detail: 'docker deployer running' };
  transition(state, 'DEPLOYING', 'deploying', 'slipway', `deploying to ${first.environment}`, T0);
  if (stage === 'deploying') return state;
  if (stage === 'deploy-failed') {
    first.state = 'failed';
    finish(state, 'DEPLOY_FAILED', { status: 'failed', message: 'exit 1' }, 'slipway', T0);
    return state;
  }
  first.state = 'deployed';
  state.waitingOn = { kind: 'tests', environment: first.environment, dueAt: T2, onExpiry: 'fail' };
  transition(state, 'PENDING_TESTS', 'awaiting-tests', 'slipway', `deployed to ${first.environment}`, T0);
  if (stage === 'awaiting-tests') return state;
  if (stage === 'tests-failed') {
    applyTestReport(state, p, { passed: false, actor: 'ci' }, T1);
    return state;
  }
  if (stage === 'tests-expired') {
    first.tests = { passed: false, at: T2, by: 'slipway', expired: true };
    finish(state, 'TESTS_FAILED', { status: 'expired', message: 'no test result' }, 'slipway', T2);
    return state;
  }
  applyTestReport(state, p, { passed: true, actor: 'ci' }, T1);
  if (stage === 'awaiting-approval') return state;
  const approvers = p.approvers.length > 0 ? p.approvers : ['anyone', 'someone'];
  for (const actor of approvers.slice(0, p.approvalsRequired)) applyApproval(state, p, { actor }, T1);
  if (stage === 'queued-for-live') return state;
  transition(state, 'GOING_LIVE', 'deploying', 'slipway', 'deploying to live', T2);
  if (stage === 'going-live') return state;
  finish(state, 'GO_LIVE_DONE', { status: 'succeeded', message: 'live' }, 'slipway', T2);
  return state;
}

const ok: Check = { ok: true, duplicate: false };
const dup: Check = { ok: true, duplicate: true };
const no = (reason: string): Check => ({ ok: false, reason });

describe('initialState', () => {
  it.each([
    {
      name: 'full pipeline',
      p: () => plan('checkout'),
      startAtLast: false,
      status: 'QUEUED',
      environment: 'preprod',
      envs: ['pending', 'pending'],
    },
    {
      name: 'startAtLast (rollback, direct request for live)',
      p: () => plan('checkout'),
      startAtLast: true,
      status: 'QUEUED_FOR_LIVE',
      environment: 'live',
      envs: ['skipped', 'pending'],
    },
    {
      name: 'direct-to-live service',
      p: () => plan('banner'),
      startAtLast: false,
      status: 'QUEUED_FOR_LIVE',
      environment: 'live',
      envs: ['pending'],
    },
    {
      name: 'target before the last environment (endsLive false)',
      p: () => plan('checkout', 'preprod'),
      startAtLast: false,
      status: 'QUEUED',
      environment: 'preprod',
      envs: ['pending'],
    },
    {
      name: 'target before the last, startAtLast',
      p: () => plan('checkout', 'preprod'),
      startAtLast: true,
      status: 'QUEUED',
      environment: 'preprod',
      envs: ['pending'],
    },
    {
      name: 'target in the middle of a 3-environment pipeline',
      p: () => plan('catalog', 'preprod'),
      startAtLast: false,
      status: 'QUEUED',
      environment: 'dev',
      envs: ['pending', 'pending'],
    },
    {
      name: '3-environment pipeline, startAtLast',
      p: () => plan('catalog'),
      startAtLast: true,
      status: 'QUEUED_FOR_LIVE',
      environment: 'live',
      envs: ['skipped', 'skipped', 'pending'],
    },
  ])('$name → $status', ({ p, startAtLast, status, environment, envs }) => {
    const state = start(p(), { startAtLast });
    expect(state.status).toBe(status);
    expect(state.phase).toBe('queued');
    expect(state.environment).toBe(environment);
    expect(state.environments.map((e) => e.state)).toEqual(envs);
    expect(state.outcome).toBeNull();
    expect(state.seq).toBe(1);
    expect(state.transitions).toEqual([
      { seq: 1, from: null, to: status, phase: 'queued', actor: 'carol', reason: 'requested', at: T0 },
    ]);
  });

  it('records a rollback as the reason', () => {
    const state = start(plan('checkout'), { startAtLast: true, rollbackOf: 'dep-0' });
    expect(state.rollbackOf).toBe('dep-0');
    expect(state.transitions[0]!.reason).toBe('rollback of dep-0');
  });
});

describe('transition', () => {
  it.each<{ from: Stage; to: OctopushStatus; phase: Phase; status: OctopushStatus }>([
    { from: 'awaiting-tests', to: 'QUEUED', phase: 'queued', status: 'PENDING_TESTS' },
    { from: 'awaiting-tests', to: 'DEPLOYING', phase: 'deploying', status: 'PENDING_TESTS' },
    { from: 'awaiting-approval', to: 'QUEUED', phase: 'queued', status: 'TESTS_PASSED' },
    { from: 'awaiting-approval', to: 'PENDING_TESTS', phase: 'awaiting-tests', status: 'TESTS_PASSED' },
    { from: 'queued-for-live', to: 'TESTS_PASSED', phase: 'queued', status: 'QUEUED_FOR_LIVE' },
    { from: 'live', to: 'GOING_LIVE', phase: 'deploying', status: 'GO_LIVE_DONE' },
    { from: 'queued', to: 'DEPLOYING', phase: 'deploying', status: 'DEPLOYING' },
    { from: 'awaiting-tests', to: 'TESTS_PASSED', phase: 'awaiting-tests', status: 'TESTS_PASSED' },
  ])('from $from to $to keeps $status', ({ from, to, phase, status }) => {
    const state = at(from);
    const before = state.status;
    const seq = state.seq;
    transition(state, to, phase, 'slipway', 'test', T2);
    expect(state.status).toBe(status);
    expect(state.phase).toBe(phase);
    expect(state.seq).toBe(seq + 1);
    if (status === before && phase === at(from).phase) return;
    expect(state.transitions.at(-1)).toEqual({
      seq: seq + 1,
      from: before,
      to: status,
      phase,
      actor: 'slipway',
      reason: 'test',
      at: T2,
    });
  });

  it('records nothing in the audit trail for the same status and phase, but bumps seq', () => {
    const state = at('queued');
    const trail = state.transitions.length;
    transition(state, 'QUEUED', 'queued', 'slipway', 'again', T1);
    expect(state.transitions).toHaveLength(trail);
    expect(state.seq).toBe(2);
  });
});

describe('checkTestReport', () => {
  it.each<{ stage: Stage; passed: boolean; version?: string; check: Check }>([
    { stage: 'queued', passed: true, check: no('not waiting for test results (status QUEUED)') },
    { stage: 'queued', passed: false, check: no('not waiting for test results (status QUEUED)') },
    { stage: 'deploying', passed: true, check: no('not waiting for test results (status DEPLOYING)') },
    { stage: 'deploy-failed', passed: true, check: no('not waiting for test results (status DEPLOY_FAILED)') },
    { stage: 'awaiting-tests', passed: true, check: ok },
    { stage: 'awaiting-tests', passed: false, check: ok },
    { stage: 'awaiting-tests', passed: true, version: '1.0.0', check: ok },
    {
      stage: 'awaiting-tests',
      passed: true,
      version: '1.0.1',
      check: no('this deployment is of checkout 1.0.0, not version 1.0.1'),
    },
    {
      stage: 'queued',
      passed: true,
      version: '2.0.0',
      check: no('this deployment is of checkout 1.0.0, not version 2.0.0'),
    },
    { stage: 'awaiting-approval', passed: true, check: dup },
    {
      stage: 'awaiting-approval',
      passed: false,
      check: no('tests were already reported as passed; a result cannot change'),
    },
    { stage: 'queued-for-live', passed: true, check: dup },
    { stage: 'live', passed: true, check: dup },
    { stage: 'live', passed: false, check: no('tests were already reported as passed; a result cannot change') },
    { stage: 'tests-failed', passed: false, check: dup },
    { stage: 'tests-failed', passed: true, check: no('tests were already reported as failed; a result cannot change') },
    { stage: 'tests-expired', passed: true, check: no('not waiting for test results (status TESTS_FAILED)') },
    { stage: 'tests-expired', passed: false, check: no('not waiting for test results (status TESTS_FAILED)') },
  ])('$stage, passed $passed, version $version', ({ stage, passed, version, check }) => {
    expect(checkTestReport(at(stage), version === undefined ? { passed } : { passed, version })).toEqual(check);
  });

  // With no Go Live to wait for (a target before live, or a pipeline with more than one
  // environment before live) the deployment stays in phase awaiting-tests after the result until
  // the workflow moves on; a second report in that window must not change the result.
  it.each([
    { name: 'target preprod (endsLive false)', p: () => plan('checkout', 'preprod') },
    { name: 'first of three environments', p: () => plan('catalog') },
  ])(
    'after a pass with no approval to wait for ($name), the same report is a duplicate and a flip is refused',
    ({ p }) => {
      const state = at('awaiting-tests', p());
      applyTestReport(state, p(), { passed: true, actor: 'ci' }, T1);
      expect(checkTestReport(state, { passed: true })).toEqual(dup);
      expect(checkTestReport(state, { passed: false })).toEqual(
        no('tests were already reported as passed; a result cannot change'),
      );
    },
  );
});

describe('applyTestReport', () => {
  it('failed: TESTS_FAILED, finished, nothing to wait for', () => {
    const state = at('awaiting-tests');
    applyTestReport(state, plan('checkout'), { passed: false, actor: 'ci' }, T1);
    expect(state.status).toBe('TESTS_FAILED');
    expect(state.phase).toBe('finished');
    expect(state.outcome).toEqual({ status: 'failed', message: 'tests failed in preprod' });
    expect(state.waitingOn).toBeNull();
    expect(envStatus(state, 'preprod').tests).toEqual({ passed: false, at: T1, by: 'ci' });
    expect(state.transitions.at(-1)).toMatchObject({
      from: 'PENDING_TESTS',
      to: 'TESTS_FAILED',
      phase: 'finished',
      actor: 'ci',
      at: T1,
    });
  });

  it.each([
    { name: 'one approver required', service: 'checkout', needed: 1, approvers: ['alice', 'bob'] },
    { name: 'two approvals required', service: 'payments', needed: 2, approvers: ['alice', 'bob', 'erin'] },
    { name: 'anyone may approve', service: 'search', needed: 1, approvers: [] },
  ])('passed before live ($name): TESTS_PASSED and waiting for Go Live', ({ service, needed, approvers }) => {
    const p = plan(service);
    const state = at('awaiting-tests', p);
    applyTestReport(state, p, { passed: true, actor: 'ci' }, T1);
    expect(state.status).toBe('TESTS_PASSED');
    expect(state.phase).toBe('awaiting-approval');
    expect(state.outcome).toBeNull();
    expect(state.waitingOn).toEqual({
      kind: 'approval',
      environment: 'live',
      approvalsNeeded: needed,
      approvers,
      dueAt: new Date(Date.parse(T1) + HOUR).toISOString(),
    });
    expect(envStatus(state, 'preprod').tests).toEqual({ passed: true, at: T1, by: 'ci' });
    expect(state.transitions.at(-1)).toMatchObject({
      from: 'PENDING_TESTS',
      to: 'TESTS_PASSED',
      actor: 'ci',
      reason: 'tests passed in preprod',
    });
  });

  it.each([
    { name: 'target preprod (endsLive false)', p: () => plan('checkout', 'preprod') },
    { name: 'first of three environments', p: () => plan('catalog') },
  ])('passed with no Go Live next ($name): TESTS_PASSED, waiting on nothing', ({ p }) => {
    const state = at('awaiting-tests', p());
    applyTestReport(state, p(), { passed: true, actor: 'ci' }, T1);
    expect(state.status).toBe('TESTS_PASSED');
    expect(state.phase).not.toBe('awaiting-approval');
    expect(state.phase).not.toBe('finished');
    expect(state.waitingOn).toBeNull();
  });
});

describe('enterApprovalWait', () => {
  it.each([
    { name: 'none yet of one', service: 'checkout', given: 0, needed: 1 },
    { name: 'none yet of two', service: 'payments', given: 0, needed: 2 },
    { name: 'one of two already given', service: 'payments', given: 1, needed: 1 },
  ])('$name', ({ service, given, needed }) => {
    const p = plan(service);
    const state = at('awaiting-tests', p);
    state.approvals = [{ by: 'alice', at: T0 }].slice(0, given);
    const seq = state.seq;
    enterApprovalWait(state, p, T2);
    expect(state.phase).toBe('awaiting-approval');
    expect(state.waitingOn).toEqual({
      kind: 'approval',
      environment: 'live',
      approvalsNeeded: needed,
      approvers: p.approvers,
      dueAt: new Date(Date.parse(T2) + p.approvalExpireMs).toISOString(),
    });
    expect(state.seq).toBe(seq + 1);
  });

  it('dueAt is now + approvalExpireMs', () => {
    const p = { ...plan('checkout'), approvalExpireMs: 7 * 24 * HOUR };
    const state = at('awaiting-tests', p);
    enterApprovalWait(state, p, '2025-03-01T00:00:00.000Z');
    expect(state.waitingOn).toMatchObject({ kind: 'approval', dueAt: '2025-03-08T00:00:00.000Z' });
  });
});

describe('checkApproval', () => {
  it.each<{ name: string; stage: Stage; service?: string; actor: string; version?: string; check: Check }>([
    { name: 'an approver while waiting', stage: 'awaiting-approval', actor: 'alice', check: ok },
    {
      name: 'an approver with the right version',
      stage: 'awaiting-approval',
      actor: 'bob',
      version: '1.0.0',
      check: ok,
    },
    {
      name: 'a wrong version',
      stage: 'awaiting-approval',
      actor: 'alice',
      version: '0.9.0',
      check: no('this deployment is of checkout 1.0.0, not version 0.9.0'),
    },
    {
      name: 'a non-approver',
      stage: 'awaiting-approval',
      actor: 'mallory',
      check: no('mallory is not an approver of checkout (approvers: alice, bob)'),
    },
    {
      name: 'anyone when no approvers are named',
      stage: 'awaiting-approval',
      service: 'search',
      actor: 'mallory',
      check: ok,
    },
    {
      name: 'before the tests passed',
      stage: 'awaiting-tests',
      actor: 'alice',
      check: no('not waiting for Go Live (status PENDING_TESTS)'),
    },
    { name: 'while queued', stage: 'queued', actor: 'alice', check: no('not waiting for Go Live (status QUEUED)') },
    {
      name: 'after tests failed',
      stage: 'tests-failed',
      actor: 'alice',
      check: no('not waiting for Go Live (status TESTS_FAILED)'),
    },
    { name: 'the same approver again after Go Live', stage: 'queued-for-live', actor: 'alice', check: dup },
    {
      name: 'another approver after Go Live',
      stage: 'queued-for-live',
      actor: 'bob',
      check: no('not waiting for Go Live (status QUEUED_FOR_LIVE)'),
    },
  ])('$name', ({ stage, service, actor, version, check }) => {
    const p = plan(service ?? 'checkout');
    const approval = version === undefined ? { actor } : { actor, version };
    expect(checkApproval(at(stage, p), p, approval)).toEqual(check);
  });
});

describe('applyApproval', () => {
  it('one approval required: Go Live queues for live', () => {
    const p = plan('checkout');
    const state = at('awaiting-approval', p);
    expect(applyApproval(state, p, { actor: 'alice' }, T2)).toBe(true);
    expect(state.status).toBe('QUEUED_FOR_LIVE');
    expect(state.phase).toBe('queued');
    expect(state.environment).toBe('live');
    expect(state.waitingOn).toEqual({ kind: 'lock', environment: 'live', since: T2 });
    expect(state.approvals).toEqual([{ by: 'alice', at: T2 }]);
    expect(state.transitions.at(-1)).toMatchObject({
      from: 'TESTS_PASSED',
      to: 'QUEUED_FOR_LIVE',
      actor: 'alice',
      reason: 'Go Live',
    });
    expect(checkApproval(state, p, { actor: 'alice' })).toEqual(dup);
  });

  it('two approvals required: queues for live only on the second, a repeat by the first does not count', () => {
    const p = plan('payments');
    const state = at('awaiting-approval', p);

    expect(checkApproval(state, p, { actor: 'alice' })).toEqual(ok);
    expect(applyApproval(state, p, { actor: 'alice' }, T1)).toBe(false);
    expect(state.status).toBe('TESTS_PASSED');
    expect(state.phase).toBe('awaiting-approval');
    expect(state.waitingOn).toMatchObject({ kind: 'approval', approvalsNeeded: 1 });

    expect(checkApproval(state, p, { actor: 'alice' })).toEqual(dup);
    expect(checkApproval(state, p, { actor: 'mallory' })).toEqual(
      no('mallory is not an approver of payments (approvers: alice, bob, erin)'),
    );

    expect(checkApproval(state, p, { actor: 'erin' })).toEqual(ok);
    expect(applyApproval(state, p, { actor: 'erin' }, T2)).toBe(true);
    expect(state.status).toBe('QUEUED_FOR_LIVE');
    expect(state.phase).toBe('queued');
    expect(state.approvals.map((a) => a.by)).toEqual(['alice', 'erin']);
    expect(state.waitingOn).toEqual({ kind: 'lock', environment: 'live', since: T2 });
  });
});

describe('checkCancel / applyCancel', () => {
  const deployerRunning = (s: OctopushStatus) =>
    no(`Unable to cancel a job on status: ${s} (a deployer is running; wait for its result)`);
  const unable = (s: OctopushStatus) => no(`Unable to cancel a job on status: ${s}`);
  const needs = (scope: 'deploy:request' | 'deploy:approve', s: OctopushStatus): Check => ({
    ok: false,
    needs: scope,
    reason: `this token lacks the scope ${scope} (or ${scope}:checkout), which cancelling a deployment in status ${s} needs`,
  });

  it.each<{ stage: Stage; octopushRules: boolean; check: Check; status?: OctopushStatus }>([
    // Octopush's rules: only while queued for a lock.
    { stage: 'queued', octopushRules: true, check: ok, status: 'DEPLOY_FAILED' },
    { stage: 'queued-for-live', octopushRules: true, check: ok, status: 'GO_LIVE_FAILED' },
    { stage: 'awaiting-tests', octopushRules: true, check: unable('PENDING_TESTS') },
    { stage: 'awaiting-approval', octopushRules: true, check: unable('TESTS_PASSED') },
    // Native: also while waiting for tests or Go Live.
    { stage: 'queued', octopushRules: false, check: ok, status: 'DEPLOY_FAILED' },
    { stage: 'queued-for-live', octopushRules: false, check: ok, status: 'GO_LIVE_FAILED' },
    { stage: 'awaiting-tests', octopushRules: false, check: ok, status: 'TESTS_FAILED' },
    { stage: 'awaiting-approval', octopushRules: false, check: ok, status: 'TESTS_PASSED' },
    // Never while a deployer runs.
    { stage: 'deploying', octopushRules: true, check: deployerRunning('DEPLOYING') },
    { stage: 'deploying', octopushRules: false, check: deployerRunning('DEPLOYING') },
    { stage: 'going-live', octopushRules: true, check: deployerRunning('GOING_LIVE') },
    { stage: 'going-live', octopushRules: false, check: deployerRunning('GOING_LIVE') },
    // Never once finished.
    { stage: 'live', octopushRules: true, check: unable('GO_LIVE_DONE') },
    { stage: 'live', octopushRules: false, check: unable('GO_LIVE_DONE') },
    { stage: 'tests-failed', octopushRules: false, check: unable('TESTS_FAILED') },
    { stage: 'tests-expired', octopushRules: false, check: unable('TESTS_FAILED') },
    { stage: 'deploy-failed', octopushRules: true, check: unable('DEPLOY_FAILED') },
  ])('$stage, octopushRules $octopushRules', ({ stage, octopushRules, check, status }) => {
    const state = at(stage);
    expect(checkCancel(state, { octopushRules })).toEqual(check);
    if (!check.ok) return;
    const env = state.environment;
    const envStateBefore = envStatus(state, env).state;
    applyCancel(state, { actor: 'dave', reason: 'wrong build' }, T2);
    expect(state.status).toBe(status);
    expect(state.phase).toBe('finished');
    expect(state.outcome).toEqual({ status: 'cancelled', message: 'cancelled by dave: wrong build' });
    expect(state.waitingOn).toBeNull();
    expect(envStatus(state, env).state).toBe(
      envStateBefore === 'queued' || envStateBefore === 'pending' ? 'cancelled' : envStateBefore,
    );
    expect(state.transitions.at(-1)).toMatchObject({ to: status, phase: 'finished', actor: 'dave', at: T2 });
    // A second cancel, by either rules, is the same cancel.
    expect(checkCancel(state, { octopushRules: true })).toEqual(dup);
    expect(checkCancel(state, { octopushRules: false })).toEqual(dup);
  });

  it.each<{ stage: Stage; scopes: CancelScopes; check: Check }>([
    // The state the workflow holds decides which scope a cancel needs, whatever the caller last read.
    { stage: 'queued', scopes: ['deploy:request'], check: ok },
    { stage: 'awaiting-tests', scopes: ['deploy:request'], check: ok },
    {
      stage: 'awaiting-approval',
      scopes: ['deploy:request'],
      check: needs('deploy:approve', 'TESTS_PASSED'),
    },
    { stage: 'queued-for-live', scopes: ['deploy:request'], check: needs('deploy:approve', 'QUEUED_FOR_LIVE') },
    { stage: 'awaiting-approval', scopes: ['deploy:approve'], check: ok },
    { stage: 'queued', scopes: ['deploy:approve'], check: needs('deploy:request', 'QUEUED') },
    { stage: 'queued', scopes: ['deploy:request', 'deploy:approve'], check: ok },
    // The scope comes first: it decides which refusal a finished deployment gives.
    { stage: 'live', scopes: ['deploy:approve'], check: needs('deploy:request', 'GO_LIVE_DONE') },
    { stage: 'live', scopes: ['deploy:request'], check: unable('GO_LIVE_DONE') },
  ])('$stage with the caller holding $scopes', ({ stage, scopes, check }) => {
    expect(checkCancel(at(stage), { octopushRules: false, scopes })).toEqual(check);
  });

  it('allows a cancel that carries no scopes (sent before they were carried: the API had checked them)', () => {
    expect(checkCancel(at('awaiting-approval'), { octopushRules: false })).toEqual(ok);
  });

  it('cancels the queued environment and leaves the skipped ones alone', () => {
    const state = start(plan('checkout'), { startAtLast: true });
    envStatus(state, 'live').state = 'queued';
    applyCancel(state, { actor: 'dave' }, T1);
    expect(state.environments.map((e) => e.state)).toEqual(['skipped', 'cancelled']);
    expect(state.status).toBe('GO_LIVE_FAILED');
    expect(state.outcome).toEqual({ status: 'cancelled', message: 'cancelled by dave' });
  });

  it('a cancelled deployment takes no test report or approval', () => {
    const p = plan('checkout');
    const state = at('awaiting-approval', p);
    applyCancel(state, { actor: 'dave' }, T2);
    expect(checkApproval(state, p, { actor: 'alice' })).toEqual(no('not waiting for Go Live (status TESTS_PASSED)'));
    expect(checkTestReport(state, { passed: true })).toEqual(dup);
    expect(checkTestReport(state, { passed: false }).ok).toBe(false);
  });
});
