import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../infra/config-loader.js';
import { servicePlan } from './service-plan.js';

const FILE = 'slipway.yml';

function errorsOf(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

const base = `
environments: { qa: {}, preprod: {}, live: { concurrency: exclusive } }
jenkins: { ci: { url: "http://jenkins.example.com" } }
`;
const docker = `deploy: { "*": { type: docker, image: busybox, command: "true" } }`;

const good = `${base}
promotions:
  smoke: { type: jenkins, server: ci, jobs: [smoke-tests] }
  health: { type: webhook, url: "http://checkout.example.com/health", successes: 3 }
  checks: { type: all-of, of: [smoke, health] }
  signoff: { type: manual, approvers: [alice, bob, carol], required: 2 }
  either: { type: any-of, of: [checks, signoff] }
pipelines:
  standard:
    environments:
      - { environment: qa, promotions: [either] }
      - { environment: preprod, promotions: [signoff] }
      - { environment: live }
services:
  checkout: { pipeline: standard, ${docker} }
  search: { pipeline: [preprod, live], ${docker} }
  legacy: { ${docker} }
`;

describe('promotions and named pipelines', () => {
  it('resolves a named pipeline into a plan whose steps carry expanded gate trees', () => {
    const config = parseConfig(good, FILE);
    const plan = servicePlan(config, 'checkout', undefined, 'v1abc')!;
    expect(plan.configVersion).toBe('v1abc');
    expect(plan.environments.map((e) => e.environment)).toEqual(['qa', 'preprod', 'live']);
    expect(plan.environments[0]!.gates).toEqual([
      {
        name: 'either',
        type: 'any-of',
        of: [
          {
            name: 'checks',
            type: 'all-of',
            of: [
              {
                name: 'smoke',
                type: 'jenkins',
                server: 'ci',
                jobs: ['smoke-tests'],
                versionParameter: 'VERSION',
                parameters: {},
                timeout: '1h',
              },
              {
                name: 'health',
                type: 'webhook',
                url: 'http://checkout.example.com/health',
                expectStatus: 200,
                interval: '10s',
                timeout: '10m',
                successes: 3,
              },
            ],
          },
          { name: 'signoff', type: 'manual', approvers: ['alice', 'bob', 'carol'], required: 2, expiresAfter: '7d' },
        ],
      },
    ]);
    expect(plan.environments[1]!.gates!.map((g) => g.name)).toEqual(['signoff']);
    expect(plan.environments[2]).not.toHaveProperty('gates');
  });

  it('keeps the list form: a service list and the default list are pipelines without promotions', () => {
    const config = parseConfig(good, FILE);
    for (const service of ['search', 'legacy']) {
      const plan = servicePlan(config, service)!;
      expect(plan.environments.map((e) => e.environment)).toEqual(['preprod', 'live']);
      expect(plan.environments.every((e) => e.gates === undefined)).toBe(true);
      expect(plan).not.toHaveProperty('configVersion');
    }
  });

  it.each<{ name: string; yaml: string; errors: string[] }>([
    {
      name: 'a pipeline naming an unknown promotion',
      yaml: `${base}
pipelines: { p: { environments: [{ environment: qa, promotions: [smoke] }] } }
services: { s: { pipeline: p, ${docker} } }`,
      errors: [`${FILE}: pipelines.p.environments.0.promotions.0: unknown promotion "smoke" (none defined)`],
    },
    {
      name: 'a pipeline naming an unknown environment',
      yaml: `${base}
pipelines: { p: { environments: [{ environment: qa }, { environment: prod }] } }
services: { s: { pipeline: p, ${docker} } }`,
      errors: [
        `${FILE}: pipelines.p.environments.1.environment: unknown environment "prod" (known: qa, preprod, live)`,
      ],
    },
    {
      name: 'a pipeline with no environments',
      yaml: `${base}
pipelines: { p: { environments: [] } }
services: { s: { ${docker} } }`,
      errors: [`${FILE}: pipelines.p.environments: a pipeline needs at least one environment`],
    },
    {
      name: 'a service naming an unknown pipeline',
      yaml: `${base}
pipelines: { p: { environments: [{ environment: qa }] } }
services: { s: { pipeline: q, ${docker} } }`,
      errors: [`${FILE}: services.s.pipeline: unknown pipeline "q" (known: p)`],
    },
    {
      name: 'a jenkins promotion naming an unknown server',
      yaml: `${base}
promotions: { smoke: { type: jenkins, server: release, jobs: [smoke] } }
services: { s: { ${docker} } }`,
      errors: [`${FILE}: promotions.smoke.server: no Jenkins server "release" (known: ci)`],
    },
    {
      name: 'a combination naming an unknown promotion',
      yaml: `${base}
promotions: { all: { type: all-of, of: [smoke] } }
services: { s: { ${docker} } }`,
      errors: [`${FILE}: promotions.all.of.0: unknown promotion "smoke" (known: all)`],
    },
    {
      name: 'a combination cycle through others',
      yaml: `${base}
promotions:
  a: { type: all-of, of: [b] }
  b: { type: any-of, of: [t, c] }
  c: { type: all-of, of: [a] }
  t: { type: tests-reported }
services: { s: { ${docker} } }`,
      errors: [
        `${FILE}: promotions.a.of: a combination may not contain itself: a → b → c → a`,
        `${FILE}: promotions.b.of: a combination may not contain itself: b → c → a → b`,
        `${FILE}: promotions.c.of: a combination may not contain itself: c → a → b → c`,
      ],
    },
    {
      name: 'a manual promotion needing more approvals than approvers',
      yaml: `${base}
promotions: { signoff: { type: manual, approvers: [alice], required: 2 } }
services: { s: { ${docker} } }`,
      errors: [`${FILE}: promotions.signoff.required: needs 2 approvals but only 1 approvers are named`],
    },
    {
      name: 'a promotion of an unknown type',
      yaml: `${base}
promotions: { smoke: { type: smoke-test } }
services: { s: { ${docker} } }`,
      errors: [
        `${FILE}: promotions.smoke.type: Invalid discriminator value. Expected 'manual' | 'jenkins' | 'webhook' | 'tests-reported' | 'reported' | 'all-of' | 'any-of'`,
      ],
    },
    {
      name: 'an environment twice in a pipeline',
      yaml: `${base}
pipelines: { p: { environments: [{ environment: qa }, { environment: qa }] } }
services: { s: { pipeline: p, ${docker} } }`,
      errors: [`${FILE}: pipelines.p.environments.1.environment: "qa" appears twice`],
    },
  ])('refuses $name, naming the path', ({ yaml, errors }) => {
    expect(errorsOf(yaml)).toEqual(errors);
  });
});
