import { describe, expect, it } from 'vitest';
import { SlipwayConfig } from './config.js';
import {
  jenkinsParameters,
  liveEnvironment,
  liveEnvironmentOf,
  pipelineOf,
  servicePlan,
  type TemplateValues,
} from './service-plan.js';

const docker = { type: 'docker', image: 'slipway/step:busybox', command: 'true' } as const;
const jenkins = { type: 'jenkins', server: 'release', job: 'release/deploy' } as const;

const config = SlipwayConfig.parse({
  environments: { dev: {}, preprod: { concurrency: 'groups' }, live: { concurrency: 'exclusive' } },
  pipeline: ['preprod', 'live'],
  policies: {
    lock: 'release-after-deploy',
    tests: { expiresAfter: '30m', onExpiry: 'release-lock' },
    approval: { expiresAfter: '1d' },
  },
  jenkins: { release: { url: 'https://jenkins.example.com' } },
  'direct-to-live': ['banner'],
  services: {
    checkout: { group: 1, approvers: ['alice', 'bob'], approvalsRequired: 2, deploy: { '*': docker } },
    search: { group: 'search', deploy: { preprod: docker, live: jenkins } },
    banner: { deploy: { live: docker } },
    catalog: { pipeline: ['dev', 'preprod', 'live'], deploy: { '*': docker } },
    quick: { deploy: { '*': docker }, policies: { approval: { expiresAfter: '1h' } } },
    strict: { deploy: { '*': docker }, policies: { lock: 'hold-until-tests', tests: { expiresAfter: '2h' } } },
  },
});

describe('servicePlan', () => {
  it('resolves a service through the whole pipeline', () => {
    expect(servicePlan(config, 'checkout')).toEqual({
      service: 'checkout',
      group: '1',
      environments: [
        { environment: 'preprod', concurrency: 'groups', deployer: { ...docker, timeout: '15m' } },
        { environment: 'live', concurrency: 'exclusive', deployer: { ...docker, timeout: '15m' } },
      ],
      approvers: ['alice', 'bob'],
      approvalsRequired: 2,
      lockPolicy: 'release-after-deploy',
      testsExpireMs: 30 * 60_000,
      testsOnExpiry: 'release-lock',
      approvalExpireMs: 86_400_000,
      endsLive: true,
    });
  });

  it.each([
    { name: 'full pipeline', service: 'checkout', target: undefined, envs: ['preprod', 'live'], endsLive: true },
    {
      name: 'target the last environment',
      service: 'checkout',
      target: 'live',
      envs: ['preprod', 'live'],
      endsLive: true,
    },
    { name: 'target before the last', service: 'checkout', target: 'preprod', envs: ['preprod'], endsLive: false },
    { name: 'direct-to-live', service: 'banner', target: undefined, envs: ['live'], endsLive: true },
    { name: 'direct-to-live, target live', service: 'banner', target: 'live', envs: ['live'], endsLive: true },
    { name: 'own pipeline', service: 'catalog', target: undefined, envs: ['dev', 'preprod', 'live'], endsLive: true },
    {
      name: 'own pipeline, target in the middle',
      service: 'catalog',
      target: 'preprod',
      envs: ['dev', 'preprod'],
      endsLive: false,
    },
    { name: 'own pipeline, target the first', service: 'catalog', target: 'dev', envs: ['dev'], endsLive: false },
  ])('$name', ({ service, target, envs, endsLive }) => {
    const plan = servicePlan(config, service, target)!;
    expect(plan.environments.map((e) => e.environment)).toEqual(envs);
    expect(plan.endsLive).toBe(endsLive);
  });

  it.each([
    { name: 'unknown service', service: 'nope', target: undefined },
    { name: 'target not in the pipeline', service: 'checkout', target: 'dev' },
    { name: 'target not an environment at all', service: 'checkout', target: 'staging' },
  ])('null for $name', ({ service, target }) => {
    expect(servicePlan(config, service, target)).toBeNull();
  });

  it('takes the deployer named for an environment before "*"', () => {
    const plan = servicePlan(config, 'search')!;
    expect(plan.environments.map((e) => e.deployer.type)).toEqual(['docker', 'jenkins']);
    expect(plan.environments[1]!.deployer).toEqual({
      ...jenkins,
      parameters: 'octopush',
      correlationParameter: 'SLIPWAY_DEPLOYMENT',
    });
    expect(plan.group).toBe('search');
  });

  it('defaults group to "0", approvers to anyone and approvals to one', () => {
    expect(servicePlan(config, 'banner')).toMatchObject({ group: '0', approvers: [], approvalsRequired: 1 });
  });

  it('an environment without configuration shares by groups', () => {
    const bare = SlipwayConfig.parse({
      environments: {},
      pipeline: ['a', 'b'],
      services: { s: { deploy: { '*': docker } } },
    });
    expect(servicePlan(bare, 's')!.environments.map((e) => e.concurrency)).toEqual(['groups', 'groups']);
  });

  it.each([
    {
      name: 'approval only',
      service: 'quick',
      expected: {
        lockPolicy: 'release-after-deploy',
        testsExpireMs: 30 * 60_000,
        testsOnExpiry: 'release-lock',
        approvalExpireMs: 3_600_000,
      },
    },
    {
      name: 'lock and tests',
      service: 'strict',
      expected: {
        lockPolicy: 'hold-until-tests',
        testsExpireMs: 2 * 3_600_000,
        testsOnExpiry: 'fail',
        approvalExpireMs: 86_400_000,
      },
    },
  ])("a service's policies override only what they name ($name)", ({ service, expected }) => {
    expect(servicePlan(config, service)).toMatchObject(expected);
  });

  it('gives every environment of every plan a deployer', () => {
    for (const service of Object.keys(config.services)) {
      for (const target of [undefined, ...pipelineOf(config, service)]) {
        const plan = servicePlan(config, service, target);
        for (const step of plan?.environments ?? []) {
          expect(step.deployer, `${service} → ${target ?? '(all)'}: ${step.environment}`).toBeDefined();
        }
      }
    }
  });
});

describe('pipelineOf', () => {
  it.each([
    { service: 'checkout', pipeline: ['preprod', 'live'] },
    { service: 'catalog', pipeline: ['dev', 'preprod', 'live'] },
    { service: 'banner', pipeline: ['preprod', 'live'] },
    { service: 'nope', pipeline: ['preprod', 'live'] },
  ])('$service', ({ service, pipeline }) => {
    expect(pipelineOf(config, service)).toEqual(pipeline);
  });
});

describe('liveEnvironmentOf / liveEnvironment', () => {
  it.each([
    { service: 'checkout', live: 'live' },
    { service: 'catalog', live: 'live' },
    { service: 'banner', live: 'live' },
    { service: 'nope', live: 'live' },
    { service: undefined, live: 'live' },
  ])('$service → $live', ({ service, live }) => {
    expect(liveEnvironmentOf(config, service)).toBe(live);
  });

  it('is the last environment of every plan that ends live, and the target of one that does not', () => {
    for (const service of Object.keys(config.services)) {
      expect(liveEnvironment(servicePlan(config, service)!)).toBe(liveEnvironmentOf(config, service));
    }
    expect(liveEnvironment(servicePlan(config, 'catalog', 'preprod')!)).toBe('preprod');
  });
});

const values: TemplateValues = {
  service: 'checkout',
  version: '1.2.3',
  environment: 'preprod',
  deploymentId: 'dep-42',
  requestor: 'carol',
};

describe('jenkinsParameters', () => {
  it.each<{ name: string; mapping: 'octopush' | Record<string, string>; out: Record<string, string> }>([
    {
      name: 'octopush preset',
      mapping: 'octopush',
      out: { ENVIRONMENT: 'preprod', COMPONENT: 'checkout', VERSION: '1.2.3' },
    },
    {
      name: 'own mapping',
      mapping: {
        MODULE: '{{service}}',
        TAG: 'v{{version}}',
        SLIPWAY_DEPLOYMENT: '{{deploymentId}}',
        BY: '{{requestor}}',
        FIXED: 'yes',
      },
      out: { MODULE: 'checkout', TAG: 'v1.2.3', SLIPWAY_DEPLOYMENT: 'dep-42', BY: 'carol', FIXED: 'yes' },
    },
    { name: 'empty mapping', mapping: {}, out: {} },
  ])('$name', ({ mapping, out }) => {
    expect(jenkinsParameters(mapping, values)).toEqual(out);
  });
});
