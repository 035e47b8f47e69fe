import { allHandlersFinished, ApplicationFailure, CancellationScope, condition, getExternalWorkflowHandle, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LockActivities } from '../activities/locks.js';
import type { StoreActivities } from '../activities/store.js';
import { ErrorType } from '../domain/errors.js';
import {
  applyApproval, applyCancel, applyTestReport, checkApproval, checkCancel, checkTestReport, enterApprovalWait, type Check,
} from '../domain/deployment-rules.js';
import { envStatus, finish, initialState, statusFor, touch, transition, type DeploymentInput, type DeploymentState } from '../domain/deployment-state.js';
import type { EnvironmentStep } from '../domain/service-plan.js';
import { runDocker, runJenkins, runJob, type DeployResult } from './deployment.deployers.js';
import {
  approveUpdate, cancelUpdate, jenkinsNotifiedSignal, lockGrantedSignal, registerTestJobUrlUpdate, reportTestsUpdate, stateQuery,
} from './deployment.messages.js';
import { environmentLockWorkflowId, releaseSignal } from './environment-lock.messages.js';
import { settleInterceptorFlags } from './sdk-flags.js';

const store = proxyActivities<StoreActivities>({ startToCloseTimeout: '10s', retry: { maximumInterval: '10s' } });
const locks = proxyActivities<LockActivities>({ startToCloseTimeout: '30s', retry: { maximumInterval: '10s' } });

const now = () => new Date().toISOString();
/**
 * Validators refuse what is not allowed, and also what repeats a fact already applied: a rejected
 * Update adds no event to the history, so a script repeating its Go Live or test result every
 * second costs the workflow nothing. The API turns DuplicateMessage into its `duplicate` answer.
 */
const orThrow = (check: Check) => {
  if (!check.ok) throw new Error(check.reason);
  if (check.duplicate) throw ApplicationFailure.create({ type: ErrorType.DuplicateMessage, message: 'already applied', nonRetryable: true });
};

/**
 * One service version through its pipeline: per environment, wait for the lock, deploy, and (before
 * the last) wait for the test result; before the last, wait for Go Live. Every change is projected
 * to Postgres by the store activity; Update handlers project before they answer, so what a caller
 * was told is what the next read shows. Locks held are released on every way out.
 */
export async function deployment(input: DeploymentInput): Promise<DeploymentState> {
  const { plan } = input;
  const state = input.resume ?? initialState(input, now());
  const granted = new Set<string>();
  const held = new Set<string>();
  const notices = new Map<string, number>();
  const record = () => store.recordDeployment(state);
  settleInterceptorFlags();
  // Message handlers change the state while the main loop awaits its own steps (a projection, a
  // lock release), so the loop must decide from facts (approvals given, results in, finished), never
  // from the phase it set before the await. Runs started before this patch keep the old decisions
  // (a Go Live applied during the pre-prod release was waited for again until it expired).
  const fromFacts = patched('deployment-decides-from-facts');
  const goLiveGiven = () => state.approvals.length >= plan.approvalsRequired;

  setHandler(stateQuery, () => state);
  setHandler(lockGrantedSignal, ({ environment }) => { granted.add(environment); });
  setHandler(jenkinsNotifiedSignal, ({ environment }) => { notices.set(environment, (notices.get(environment) ?? 0) + 1); });
  setHandler(reportTestsUpdate, async (report) => {
    const check = checkTestReport(state, report);
    if (check.ok && check.duplicate) return { duplicate: true, state };
    applyTestReport(state, plan, report, now());
    await record();
    return { duplicate: false, state };
  }, { validator: (report) => orThrow(checkTestReport(state, report)) });
  setHandler(registerTestJobUrlUpdate, async ({ url }) => {
    if (state.testJobUrl === url) return { duplicate: true, state };
    state.testJobUrl = url;
    touch(state);
    await record();
    return { duplicate: false, state };
  }, { validator: ({ url }) => {
    if (!/^https?:\/\//.test(url)) throw new Error('test_job_url must be an http(s) URL');
    orThrow({ ok: true, duplicate: state.testJobUrl === url });
  } });
  setHandler(approveUpdate, async (approval) => {
    const check = checkApproval(state, plan, approval);
    if (check.ok && check.duplicate) return { duplicate: true, state };
    applyApproval(state, plan, approval, now());
    await record();
    return { duplicate: false, state };
  }, { validator: (approval) => orThrow(checkApproval(state, plan, approval)) });
  setHandler(cancelUpdate, async (req) => {
    const check = checkCancel(state, req);
    if (check.ok && check.duplicate) return { duplicate: true, state };
    applyCancel(state, req, now());
    await record();
    return { duplicate: false, state };
  }, { validator: (req) => orThrow(checkCancel(state, req)) });

  const finished = () => state.phase === 'finished';

  async function acquire(step: EnvironmentStep, isLast: boolean): Promise<boolean> {
    if (fromFacts && finished()) return false;
    const env = envStatus(state, step.environment);
    state.environment = step.environment;
    env.state = 'queued';
    env.queuedAt = now();
    state.waitingOn = { kind: 'lock', environment: step.environment, since: env.queuedAt };
    transition(state, statusFor(isLast, 'queued'), 'queued', 'slipway', `waiting for the ${step.environment} lock`, now());
    await record();
    if (fromFacts) {
      // Held from the moment it is asked for: a cancel during the request still releases it (the
      // lock remembers a release that came before the request and ignores the late request).
      if (finished()) return false;
      held.add(step.environment);
    }
    await locks.requestLock({
      environment: step.environment, concurrency: step.concurrency,
      request: { requestId: `${state.id}@${step.environment}`, workflowId: workflowInfo().workflowId, service: plan.service, group: plan.group, order: state.number },
    });
    held.add(step.environment);
    await condition(() => granted.has(step.environment) || finished());
    return !finished();
  }

  async function release(environment: string): Promise<void> {
    if (!held.delete(environment)) return;
    const lock = getExternalWorkflowHandle(environmentLockWorkflowId(workflowInfo().taskQueue, environment));
    const sent = lock.signal(releaseSignal, { requestId: `${state.id}@${environment}` });
    // With fromFacts a lock is held from its request on: a request cut short (the workflow
    // cancelled while requestLock ran) may never have created the lock workflow, and then there
    // is nothing to release.
    await (fromFacts ? sent.catch(() => undefined) : sent);
  }

  async function deploy(step: EnvironmentStep, isLast: boolean): Promise<DeployResult> {
    const env = envStatus(state, step.environment);
    env.state = 'deploying';
    env.startedAt = now();
    state.waitingOn = { kind: 'deployer', environment: step.environment, detail: `${step.deployer.type} deployer running` };
    transition(state, statusFor(isLast, 'deploying'), 'deploying', 'slipway', `deploying to ${step.environment}`, now());
    await record();
    const ctx = {
      values: { service: plan.service, version: state.version, environment: step.environment, deploymentId: state.id, requestor: state.requestor },
      heartbeatMs: input.heartbeatMs ?? 30_000,
      notices: () => notices.get(step.environment) ?? 0,
      onJenkinsBuild: async (build: { buildNumber: number; buildUrl: string; consoleUrl: string }) => {
        env.jenkins = { buildNumber: build.buildNumber, buildUrl: build.buildUrl, consoleUrl: build.consoleUrl, result: null };
        state.waitingOn = { kind: 'deployer', environment: step.environment, detail: `Jenkins build #${build.buildNumber} running`, url: build.buildUrl };
        touch(state);
        await record();
      },
      onBuild: async (build: { id: string; job: string; number: number }) => {
        env.build = build;
        state.waitingOn = { kind: 'deployer', environment: step.environment, detail: `build #${build.number} of ${build.job} running`, url: `/v1/builds/${build.id}` };
        touch(state);
        await record();
      },
    };
    const deployer = step.deployer;
    const result = deployer.type === 'jenkins' ? await runJenkins(deployer, ctx) : deployer.type === 'job' ? await runJob(deployer, ctx) : await runDocker(deployer, ctx);
    env.finishedAt = now();
    env.state = result.status;
    env.message = result.message;
    if (result.output !== undefined) env.output = result.output;
    if (env.jenkins && result.jenkinsResult !== undefined) env.jenkins.result = result.jenkinsResult;
    if (env.build && result.buildStatus) env.build.status = result.buildStatus;
    return result;
  }

  async function awaitTests(step: EnvironmentStep): Promise<void> {
    const env = envStatus(state, step.environment);
    const dueAt = new Date(Date.now() + plan.testsExpireMs).toISOString();
    state.waitingOn = { kind: 'tests', environment: step.environment, dueAt, onExpiry: plan.testsOnExpiry };
    transition(state, 'PENDING_TESTS', 'awaiting-tests', 'slipway', `deployed to ${step.environment}: ${env.message}`, now());
    await record();
    if (plan.lockPolicy === 'release-after-deploy') await release(step.environment);
    const reported = () => env.tests !== undefined || finished();
    if (await condition(reported, plan.testsExpireMs)) return;
    if (plan.testsOnExpiry === 'fail') {
      env.tests = { passed: false, at: now(), by: 'slipway', expired: true };
      finish(state, 'TESTS_FAILED', { status: 'expired', message: `no test result within ${plan.testsExpireMs / 1000}s` }, 'slipway', now());
      await record();
      return;
    }
    await release(step.environment);
    // A result (or a cancel) that came during the release stands; the wait is over.
    if (fromFacts && reported()) return;
    state.waitingOn = { kind: 'tests', environment: step.environment, dueAt: '', onExpiry: 'release-lock' };
    touch(state);
    await record();
    await condition(reported);
  }

  async function awaitApproval(): Promise<void> {
    // With fromFacts: the Go Live may have come while the loop was still releasing the pre-prod lock.
    if (fromFacts && (finished() || goLiveGiven())) return;
    if (state.phase !== 'awaiting-approval') { enterApprovalWait(state, plan, now()); await record(); }
    const given = fromFacts ? () => goLiveGiven() || finished() : () => state.phase !== 'awaiting-approval';
    const approved = await condition(given, plan.approvalExpireMs);
    if (approved || finished()) return;
    finish(state, state.status, { status: 'expired', message: `Go Live not given within ${plan.approvalExpireMs / 1000}s` }, 'slipway', now());
    await record();
  }

  async function run(): Promise<void> {
    const last = plan.environments.length - 1;
    for (let i = input.startAtLast ? last : 0; i <= last && !finished(); i++) {
      const step = plan.environments[i]!;
      const isLast = i === last && plan.endsLive;
      if (isLast && i > 0 && !input.startAtLast) { await awaitApproval(); if (finished()) return; }
      if (!(await acquire(step, isLast))) return;
      const result = await deploy(step, isLast);
      if (result.status !== 'deployed') {
        await release(step.environment);
        finish(state, statusFor(isLast, 'deploy-failed'), { status: result.status, message: result.message }, 'slipway', now());
        await record();
        return;
      }
      if (isLast) {
        await release(step.environment);
        finish(state, 'GO_LIVE_DONE', { status: 'succeeded', message: `${plan.service} ${state.version} is live` }, 'slipway', now());
        await record();
        return;
      }
      await awaitTests(step);
      await release(step.environment);
      if (i === last && !finished()) {
        finish(state, state.status, { status: 'succeeded', message: `${plan.service} ${state.version} passed its tests in ${step.environment}` }, 'slipway', now());
        await record();
      }
    }
  }

  try {
    await run();
  } finally {
    // Whatever ended the run (a cancel, a failure, a workflow cancellation), no lock outlives it.
    await CancellationScope.nonCancellable(async () => {
      for (const environment of [...held]) await release(environment);
    });
  }
  // An Update that finished the deployment (a cancel, a failed test) answers its caller only
  // after its projection is written; the workflow must not close before that.
  await condition(allHandlersFinished);
  return state;
}
