import { patched, setHandler } from '@temporalio/workflow';
import {
  applyApproval,
  applyCancel,
  applyTestReport,
  checkApproval,
  checkCancel,
  checkTestReport,
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
import { applyGateTestReport, gatesWait, handleGateMessages } from './deployment.gate-handlers.js';
import { handleFact, throwRefusal } from './deployment.facts.js';
import { checkGateTests } from '../domain/gate-rules.js';
import { handleGateSignals } from './deployment.gate-signals.js';

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
        if (gatesWait(run)) return throwRefusal(checkGateTests(state, plan, report));
        throwRefusal(checkTestReport(state, report));
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
        throwRefusal({ ok: true, duplicate: state.testJobUrl === url });
      },
    },
  );
  handleFact(
    run,
    approveUpdate,
    (approval) => checkApproval(state, plan, approval),
    (approval, at) => applyApproval(state, plan, approval, at),
  );
  handleFact(
    run,
    cancelUpdate,
    (req) => checkCancel(state, req),
    (req, at) => applyCancel(state, req, at),
  );
  handleGateMessages(run);
  handleGateSignals(run);
}
