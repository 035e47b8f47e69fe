import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { servicePlan } from '../domain/service-plan.js';
import { ConfigError, loadConfig } from './config-loader.js';

const fixtures = new URL('../test/fixtures/', import.meta.url).pathname;

function errorsOf(file: string): string[] {
  try {
    loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

/** A copy of the foas fixture directory with one file replaced, and a Slipway file naming it. */
function withFile(path: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploydb-'));
  cpSync(join(fixtures, 'deploydb'), join(dir, 'deploydb'), { recursive: true });
  writeFileSync(join(dir, 'deploydb', path), text);
  const file = join(dir, 'slipway.yml');
  writeFileSync(
    file,
    'deploydb: { configDirectory: deploydb, webhookBaseUrl: "http://foas.example.com", jenkinsServer: ci }\n' +
      'jenkins: { ci: { url: "http://jenkins.example.com" } }\n',
  );
  return file;
}

describe('a DeployDB configuration directory', () => {
  it('loads the files as DeployDB wrote them: services, environments, pipelines, promotions, webhooks', () => {
    const config = loadConfig(join(fixtures, 'deploydb-slipway.yml'));
    expect(Object.keys(config.environments)).toEqual(['dev-alpha', 'dev-beta', 'integ', 'preprod', 'prod']);
    expect(config.services.foas).toMatchObject({
      artifacts: ['foas', 'puppet-foas', 'puppet-mysql'],
      pipeline: 'devtoprod',
      deploy: { '*': { type: 'external', timeout: '1h' } },
    });
    expect(config.promotions).toEqual({
      'jenkins-smoke': {
        type: 'jenkins',
        server: 'ci',
        jobs: ['basic-smokes-test', 'basic-perf-test', 'end2end-smoke-test'],
        versionParameter: 'VERSION',
        parameters: {},
        timeout: '1h',
      },
      manual: { type: 'manual', approvers: ['GRP-AWS-Dev-Eng'], required: 1, expiresAfter: '7d' },
      'status-check': {
        type: 'webhook',
        url: 'http://foas.example.com/healhcheck',
        expectStatus: 200,
        interval: '10s',
        timeout: '15s',
        successes: 1,
      },
    });
    const plan = servicePlan(config, 'foas')!;
    expect(plan.environments.map((e) => [e.environment, (e.gates ?? []).map((g) => g.name)])).toEqual([
      ['dev-alpha', []],
      ['dev-beta', []],
      ['integ', ['jenkins-smoke', 'status-check']],
      ['preprod', ['manual']],
      ['prod', []],
    ]);
    // The environment's webhooks, then the global ones (DeployDB's order).
    expect(config.events.subscribers).toEqual([
      {
        name: 'deploydb-prod-1',
        url: 'http://jenkins.example.com/job/prod-deploy-created/build',
        events: ['deployment.created'],
        environment: 'prod',
        secretEnv: 'SLIPWAY_DEPLOYDB_WEBHOOK_SECRET',
        format: 'deploydb',
      },
      {
        name: 'deploydb-prod-2',
        url: 'http://jenkins.example.com/job/prod-deploy-completed/build',
        // DeployDB sends deployment.completed for a failed deploy too (with status FAILED).
        events: ['deployment.completed', 'deployment.failed'],
        environment: 'prod',
        secretEnv: 'SLIPWAY_DEPLOYDB_WEBHOOK_SECRET',
        format: 'deploydb',
      },
      ...[
        ['notify-deployment-created', ['deployment.created']],
        ['notify-deployment-started', ['deployment.started']],
        ['notify-deployment-completed1', ['deployment.completed', 'deployment.failed']],
        ['notify-deployment-completed2', ['deployment.completed', 'deployment.failed']],
        ['notify-promotion-completed', ['promotion.decided']],
      ].map(([job, events], i) => ({
        name: `deploydb-notifications-${i + 1}`,
        url: `http://localhost:10000/job/${job}/build`,
        events,
        secretEnv: 'SLIPWAY_DEPLOYDB_WEBHOOK_SECRET',
        format: 'deploydb',
      })),
    ]);
  });

  it('loads a Slipway file consisting only of deploydb.configDirectory; other promotion types become reported', () => {
    const config = loadConfig(join(fixtures, 'deploydb-basic-slipway.yml'));
    expect(config.pipeline).toEqual(['basicEnv']);
    expect(config.promotions).toEqual({ basicPromo: { type: 'reported', expiresAfter: '1d' } });
    expect(config.services.basicServ).toMatchObject({
      artifacts: ['basic.group.1:bg1', 'basic.group.2:bg2'],
      pipeline: 'basicPipe',
    });
    expect(servicePlan(config, 'basicServ')!.environments[0]!.gates).toEqual([
      { name: 'basicPromo', type: 'reported', expiresAfter: '1d' },
    ]);
  });

  it('lets the Slipway file give a DeployDB service its deployer and an environment its concurrency', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploydb-'));
    cpSync(join(fixtures, 'deploydb-basic'), join(dir, 'deploydb'), { recursive: true });
    const file = join(dir, 'slipway.yml');
    writeFileSync(
      file,
      `deploydb: { configDirectory: deploydb }
environments: { basicEnv: { concurrency: exclusive } }
services:
  basicServ: { deploy: { "*": { type: docker, image: busybox, command: "true" } } }
`,
    );
    const config = loadConfig(file);
    expect(config.environments.basicEnv!.concurrency).toBe('exclusive');
    expect(config.services.basicServ).toMatchObject({
      pipeline: 'basicPipe',
      deploy: { '*': { type: 'docker', image: 'busybox' } },
    });
  });

  it.each([
    {
      name: 'jobs that are not a list',
      path: 'promotions/jenkins-smoke.yml',
      text: 'type: JenkinsPromotion\njobs: basic-smokes-test\n',
      error: 'deploydb/promotions/jenkins-smoke.yml: jobs: expected a list',
    },
    {
      name: 'a service without artifacts',
      path: 'services/foas.yml',
      text: 'name: "Fun as a Service"\npipelines: [devtoprod]\n',
      error: 'deploydb/services/foas.yml: artifacts: required: a list',
    },
    {
      name: 'a service listing an unknown promotion',
      path: 'services/foas.yml',
      text: 'artifacts: [foas]\npipelines: [devtoprod]\npromotions: [nightly]\n',
      error: 'deploydb/services/foas.yml: promotions.0: unknown promotion "nightly"',
    },
    {
      name: 'a pipeline naming an unknown promotion',
      path: 'pipelines/devtoprod.yml',
      text: 'environments:\n  integ:\n    promotions: [nightly]\n',
      error: 'slipway.yml: pipelines.devtoprod.environments.0.promotions.0: unknown promotion "nightly"',
    },
    {
      name: 'a pipeline naming an environment without a file',
      path: 'pipelines/devtoprod.yml',
      text: 'environments:\n  staging:\n',
      error: 'slipway.yml: pipelines.devtoprod.environments.0.environment: unknown environment "staging"',
    },
    {
      name: 'a webhook list that is a string',
      path: 'webhook/notifications.yml',
      text: 'deployment:\n  created: http://localhost:10000/x\n',
      error: 'deploydb/webhook/notifications.yml: deployment.created: expected a list',
    },
    {
      name: 'unreadable YAML',
      path: 'environments/integ.yml',
      text: 'description: [unclosed\n',
      error: 'deploydb/environments/integ.yml: line',
    },
  ])('refuses $name, naming the file', ({ path, text, error }) => {
    const errors = errorsOf(withFile(path, text));
    expect(
      errors.some((e) => e.includes(error)),
      errors.join('\n'),
    ).toBe(true);
  });

  it('refuses a relative WebhookPromotion url without a base, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploydb-'));
    cpSync(join(fixtures, 'deploydb'), join(dir, 'deploydb'), { recursive: true });
    const file = join(dir, 'slipway.yml');
    writeFileSync(
      file,
      'deploydb: { configDirectory: deploydb, jenkinsServer: ci }\njenkins: { ci: { url: "http://j.example.com" } }\n',
    );
    expect(errorsOf(file)).toEqual([
      'deploydb/promotions/status-check.yml: url: "/healhcheck" is relative: set deploydb.webhookBaseUrl to the address it is relative to',
    ]);
  });

  it('refuses a directory that does not exist, naming the Slipway file and path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploydb-'));
    const file = join(dir, 'slipway.yml');
    writeFileSync(file, 'deploydb: { configDirectory: missing }\n');
    expect(errorsOf(file)[0]).toMatch(
      new RegExp(`^${file}: deploydb.configDirectory: missing: cannot read the DeployDB configuration directory`),
    );
  });
});
