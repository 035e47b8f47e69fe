// A Slipway with a three-environment pipeline (dev → staging → live) whose deploys run on the
// Jenkins fake, and deployments started with promotion gates in their plan, the way the API starts
// them once configuration resolves promotions into plan.environments[i].gates.
import { createToken } from '../../db/tokens.js';
import { insertRequestedDeployment } from '../../db/deployments.js';
import { initialState, type DeploymentInput } from '../../domain/deployment-state.js';
import { deploymentWorkflowId } from '../../domain/ids.js';
import type { Gate } from '../../domain/promotions.js';
import { servicePlan } from '../../domain/service-plan.js';
import { deploymentStartOptions, deploymentWorkflowType } from '../../workflows/deployment.messages.js';
import { startFakeJenkins, type FakeJenkins } from '../fakes/jenkins.js';
import { serveLoopback } from '../fakes/loopback.js';
import { deployParameters } from './jenkins-stack.js';
import { startStack, type Stack } from './stack.js';

export const GATE_JOB = 'tests/e2e';

export async function startGatesStack(services: string[]) {
  const fake = await startFakeJenkins();
  fake.defineJob('release/deploy', { parameters: deployParameters, durationMs: 50, queueDelayMs: 10 });
  fake.defineJob(GATE_JOB, { parameters: ['VERSION', 'SLIPWAY_DEPLOYMENT'], durationMs: 50, queueDelayMs: 10 });
  const yaml = [
    'environments: { dev: { concurrency: groups }, staging: { concurrency: groups }, live: { concurrency: groups } }',
    'pipeline: [dev, staging, live]',
    `jenkins: { release: { url: "${fake.url}", user: "${fake.user}", tokenEnv: FAKE_JENKINS_TOKEN } }`,
    'auth: { anonymous: [read] }',
    'services:',
    ...services.map(
      (s, i) => `  ${s}: { group: ${i + 1}, deploy: { "*": { type: jenkins, server: release, job: release/deploy } } }`,
    ),
  ].join('\n');
  const stack = await startStack({ configYaml: yaml, env: { FAKE_JENKINS_TOKEN: fake.token } });
  const token = async (name: string) => (await createToken(stack.database.db, name, ['deploy:approve'], 'test')).token;
  return {
    stack,
    fake,
    token,
    close: async () => {
      await stack.close();
      await fake.close();
    },
  };
}

/** Inserts the request row (as the API does) and starts the deployment with `gates` per environment. */
export async function startGated(
  stack: Stack,
  req: {
    service: string;
    version: string;
    requestor: string;
    gates: Record<string, Gate[]>;
    /** Runs before the workflow starts, with its id. */
    beforeStart?: (id: string) => Promise<void>;
  },
): Promise<{ id: string; number: number }> {
  const plan = servicePlan(stack.config, req.service)!;
  plan.environments = plan.environments.map((e) =>
    req.gates[e.environment] ? { ...e, gates: req.gates[e.environment] } : e,
  );
  const id = deploymentWorkflowId(stack.taskQueue, req.service, req.version, `${Date.now()}-${Math.random()}`);
  const input: DeploymentInput = {
    id,
    number: 0,
    version: req.version,
    requestor: req.requestor,
    plan,
    startAtLast: false,
    rollbackOf: null,
    heartbeatMs: 3000,
  };
  const row = await insertRequestedDeployment(stack.database.db, initialState(input, new Date().toISOString()), {
    service: req.service,
    requestKey: id,
  });
  await req.beforeStart?.(id);
  await stack.temporal.client.workflow.start(
    deploymentWorkflowType,
    deploymentStartOptions({ ...input, number: row!.number }, { taskQueue: stack.taskQueue, memo: {} }),
  );
  return { id, number: row!.number };
}

/** A health endpoint that answers 503 to its first `failures` GETs, then 200. */
export async function flakyHealth(failures: number) {
  let seen = 0;
  const server = await serveLoopback(async (req, res) => {
    seen += 1;
    const status = seen <= failures ? 503 : 200;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'ok' : 'starting');
  });
  return { url: `${server.root}/health`, requests: () => seen, close: server.close };
}

/** Triggers a run of `job` on the fake as a person would (a rebuild with other parameters); returns once it started. */
export async function runOnFake(fake: FakeJenkins, job: string, params: Record<string, string>): Promise<void> {
  const path = job
    .split('/')
    .map((s) => `job/${s}`)
    .join('/');
  const before = fake.builds(job).length;
  const res = await fetch(`${fake.url}/${path}/buildWithParameters`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${fake.user}:${fake.token}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params).toString(),
  });
  if (res.status !== 201) throw new Error(`the fake refused the trigger: ${res.status}`);
  for (let i = 0; i < 100; i++) {
    if (fake.builds(job).length > before) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no build of ${job} appeared`);
}

export type GatesStack = Awaited<ReturnType<typeof startGatesStack>>;
export type { FakeJenkins };
