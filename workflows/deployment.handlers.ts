import { ApplicationFailure, patched, setHandler } from '@temporalio/workflow';
import { ErrorType } from '../domain/errors.js';
import {
  applyApproval,
  applyCancel,
  applyTestReport,
  checkApproval,
  checkCancel,
  checkTestReport,
  type Check,
} from '../domain/deployment-rules.js';
import { touch } from '../domain/deployment-state.js';
import {
  approveUpdate,
  cancelUpdate,
  jenkinsNotifiedSignal,
  lockGrantedSignal,
  registerTestJobUrlUpdate,
  reportTestsUpdate,
  stateQuery,
} from './deployment.messages.js';
import { handleOutsideReports } from './deployment.external.js';
import { now, type DeploymentRun } from './deployment.run.js';
import { applyGateTestReport, gatesWait, handleGateMessages, orThrowGate } from './deployment.gate-handlers.js';
import { checkGateTests } from '../domain/gate-rules.js';
import { handleGateSignals } from './deployment.gate-signals.js';

/**
 * Validators refuse what is not allowed, and also what repeats a fact already applied: a rejected
 * Update adds no event to the history, so a script repeating its Go Live or test result every
 * second costs the workflow nothing. The API turns DuplicateMessage into its `duplicate` answer.
 */
const orThrow = (check: Check) => {
  if (!check.ok && check.needs)
    throw ApplicationFailure.create({ type: ErrorType.Forbidden, message: check.reason, nonRetryable: true });
  if (!check.ok) throw new Error(check.reason);
  if (check.duplicate)
    throw ApplicationFailure.create({
      type: ErrorType.DuplicateMessage,
      message: 'already applied',
      nonRetryable: true,
    });
};

const checkTestJobUrl = (url: string) => {
  if (!/^https?:\/\//.test(url)) throw new Error('test_job_url must be an http(s) URL');
};

/**
 * The deployment's query, signals and Updates. An Update records a fact in the state and projects
 * it before it answers, so what a caller was told is what the next read shows; the main loop
 * reads the facts at every step.
 */
export function handleMessages(run: DeploymentRun): void {
  const { state, plan, granted, notices, record } = run;
  setHandler(stateQuery, () => state);
  handleOutsideReports(run);
  setHandler(lockGrantedSignal, ({ environment }) => {
    granted.add(environment);
  });
  setHandler(jenkinsNotifiedSignal, ({ environment }) => {
    notices.set(environment, (notices.get(environment) ?? 0) + 1);
  });
  setHandler(
    reportTestsUpdate,
    async (report) => {
      // While promotion gates wait (never in deployments without gates), the result is theirs.
      if (gatesWait(run)) return applyGateTestReport(run, report, 'api');
      const check = checkTestReport(state, report);
      if (check.ok && check.duplicate) return { duplicate: true, state };
      applyTestReport(state, plan, report, now());
      // The URL travels with the result: a refused result leaves no URL behind.
      if (report.testJobUrl !== undefined && patched('tests-report-url')) state.testJobUrl = report.testJobUrl;
      await record();
      return { duplicate: false, state };
    },
    {
      validator: (report) => {
        if (report.testJobUrl !== undefined) checkTestJobUrl(report.testJobUrl);
        if (gatesWait(run)) return orThrowGate(checkGateTests(state, plan, report));
        orThrow(checkTestReport(state, report));
      },
    },
  );
  setHandler(
    registerTestJobUrlUpdate,
    async ({ url }) => {
      if (state.testJobUrl === url) return { duplicate: true, state };
      state.testJobUrl = url;
      touch(state);
      await record();
      return { duplicate: false, state };
    },
    {
      validator: ({ url }) => {
        checkTestJobUrl(url);
        orThrow({ ok: true, duplicate: state.testJobUrl === url });
      },
    },
  );
  setHandler(
    approveUpdate,
    async (approval) => {
      const check = checkApproval(state, plan, approval);
      if (check.ok && check.duplicate) return { duplicate: true, state };
      applyApproval(state, plan, approval, now());
      await record();
      return { duplicate: false, state };
    },
    { validator: (approval) => orThrow(checkApproval(state, plan, approval)) },
  );
  setHandler(
    cancelUpdate,
    async (req) => {
      const check = checkCancel(state, req);
      if (check.ok && check.duplicate) return { duplicate: true, state };
      applyCancel(state, req, now());
      await record();
      return { duplicate: false, state };
    },
    { validator: (req) => orThrow(checkCancel(state, req)) },
  );
  handleGateMessages(run);
  handleGateSignals(run);
}
