import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../infra/config-loader.js';
import { validateConfig } from './config-validate.js';

const FILE = 'slipway.yml';
const demoText = readFileSync(new URL('../slipway.demo.yml', import.meta.url), 'utf8');

/** The ConfigError's lines for `text`; fails the test when it parses. */
function errorsOf(text: string, file = FILE): string[] {
  try {
    parseConfig(text, file);
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

const dockerService = (name: string, extra = '') => `
  ${name}:
    deploy:
      "*": { type: docker, image: slipway/step:busybox, command: "true" }${extra}`;

describe('parseConfig', () => {
  it('accepts the demo configuration', () => {
    const config = parseConfig(demoText, 'slipway.demo.yml');
    expect(Object.keys(config.services).sort()).toEqual(['checkout', 'hotfix-banner', 'payments', 'search']);
    expect(config.environments).toEqual({
      preprod: { concurrency: 'groups', octopushName: 'staging' },
      live: { concurrency: 'exclusive', octopushName: 'prod' },
    });
    expect(config['direct-to-live']).toEqual(['hotfix-banner']);
    expect(config.auth.anonymous).toEqual(['read']);
    expect(validateConfig(config, 'slipway.demo.yml').ok).toBe(true);
  });

  it.each<{ name: string; yaml: string; errors: string[] }>([
    {
      name: 'unknown environment in the pipeline',
      yaml: `pipeline: [preprod, staging]\nservices:${dockerService('checkout')}`,
      errors: [`${FILE}: pipeline.1: unknown environment "staging"`],
    },
    {
      name: 'unknown environment in a service pipeline',
      yaml: `services:${dockerService('checkout', '\n    pipeline: [qa, live]')}`,
      errors: [`${FILE}: services.checkout.pipeline.0: unknown environment "qa"`],
    },
    {
      name: 'deployer for an unknown environment',
      yaml: `services:
  checkout:
    deploy:
      "*": { type: docker, image: x, command: "true" }
      staging: { type: docker, image: x, command: "true" }`,
      errors: [`${FILE}: services.checkout.deploy.staging: unknown environment "staging"`],
    },
    {
      name: 'unknown Jenkins server',
      yaml: `jenkins:
  release: { url: "https://jenkins.example.com" }
services:
  checkout:
    deploy:
      "*": { type: jenkins, server: relase, job: release/deploy }`,
      errors: [
        `${FILE}: services.checkout.deploy.*.server: unknown Jenkins server "relase" (define it under jenkins:)`,
      ],
    },
    {
      name: 'missing deployer for an environment',
      yaml: `services:
  checkout:
    deploy:
      preprod: { type: docker, image: x, command: "true" }`,
      errors: [`${FILE}: services.checkout.deploy: no deployer for environment "live" (add "live:" or "*:")`],
    },
    {
      name: 'bad duration',
      yaml: `policies:\n  tests: { expiresAfter: 2 hours }\nservices:${dockerService('checkout')}`,
      errors: [`${FILE}: policies.tests.expiresAfter: a duration such as "90s", "15m", "2h" or "7d"`],
    },
    {
      name: 'bad duration in a service policy',
      yaml: `services:${dockerService('checkout', '\n    policies: { approval: { expiresAfter: soon } }')}`,
      errors: [
        `${FILE}: services.checkout.policies.approval.expiresAfter: a duration such as "90s", "15m", "2h" or "7d"`,
      ],
    },
    {
      name: 'unknown key in a service',
      yaml: `services:${dockerService('checkout', '\n    colour: red')}`,
      errors: [`${FILE}: services.checkout: Unrecognized key: "colour"`],
    },
    {
      name: 'unknown key at the top level',
      yaml: `servces: {}\nservices:${dockerService('checkout')}`,
      errors: [`${FILE}: (top level): Unrecognized key: "servces"`],
    },
    {
      name: 'unknown key in a deployer',
      yaml: `services:
  checkout:
    deploy:
      "*": { type: docker, image: x, command: "true", timout: 5m }`,
      errors: [`${FILE}: services.checkout.deploy.*: Unrecognized key: "timout"`],
    },
    {
      name: 'approvalsRequired greater than the approvers',
      yaml: `services:${dockerService('checkout', '\n    approvers: [alice]\n    approvalsRequired: 2')}`,
      errors: [`${FILE}: services.checkout.approvalsRequired: needs 2 approvals but only 1 approvers are named`],
    },
    {
      name: 'direct-to-live naming an unknown service',
      yaml: `direct-to-live: [hotfix]\nservices:${dockerService('checkout')}`,
      errors: [`${FILE}: direct-to-live: unknown service "hotfix"`],
    },
    {
      name: 'a repository webhook secret without the forge that sends the webhooks',
      yaml: `services:${dockerService('checkout')}
repositories:
  acme/shop: { secretEnv: SHOP_SECRET, poll: { url: "https://git.example.com/acme/shop.git" } }`,
      errors: [
        `${FILE}: repositories.acme/shop.secretEnv: a webhook secret needs the forge that sends the webhooks (forge:)`,
      ],
    },
    {
      name: 'no services',
      yaml: 'pipeline: [preprod, live]',
      errors: [`${FILE}: services: Invalid input: expected record, received undefined`],
    },
  ])('$name', ({ yaml, errors }) => {
    expect(errorsOf(yaml)).toEqual(errors);
  });

  it('lists every cross-reference problem at once', () => {
    const errors = errorsOf(`pipeline: [preprod, qa]
direct-to-live: [ghost]
services:
  checkout:
    approvers: [alice]
    approvalsRequired: 3
    deploy:
      preprod: { type: jenkins, server: nowhere, job: deploy }`);
    expect(errors).toEqual([
      `${FILE}: pipeline.1: unknown environment "qa"`,
      `${FILE}: direct-to-live: unknown service "ghost"`,
      `${FILE}: services.checkout.deploy.preprod.server: unknown Jenkins server "nowhere" (define it under jenkins:)`,
      `${FILE}: services.checkout.deploy: no deployer for environment "qa" (add "qa:" or "*:")`,
      `${FILE}: services.checkout.approvalsRequired: needs 3 approvals but only 1 approvers are named`,
    ]);
  });

  it('a direct-to-live service needs a deployer for the last environment only', () => {
    const config = parseConfig(
      `direct-to-live: [banner]
services:
  banner:
    deploy:
      live: { type: docker, image: x, command: "true" }`,
      FILE,
    );
    expect(Object.keys(config.services)).toEqual(['banner']);
    expect(
      errorsOf(`direct-to-live: [banner]
services:
  banner:
    deploy:
      preprod: { type: docker, image: x, command: "true" }`),
    ).toEqual([`${FILE}: services.banner.deploy: no deployer for environment "live" (add "live:" or "*:")`]);
  });

  it.each([
    { name: 'an unclosed flow sequence', yaml: 'services:\n  a: [\n  b: 1\n', line: 3 },
    { name: 'misaligned mapping', yaml: 'services:\n  a:\n    deploy: {}\n   b: 2\n', line: 4 },
  ])('a YAML syntax error names the file and a line: $name', ({ yaml, line }) => {
    const errors = errorsOf(yaml, 'bad.yml');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^bad\\.yml: line ${line}: \\S`));
    expect(errors[0]).not.toContain('\n');
  });

  it('puts every error in the ConfigError message', () => {
    try {
      parseConfig(`direct-to-live: [ghost]\npipeline: [preprod, qa]\nservices:${dockerService('checkout')}`, FILE);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe(
        [
          'invalid configuration:',
          `  ${FILE}: pipeline.1: unknown environment "qa"`,
          `  ${FILE}: direct-to-live: unknown service "ghost"`,
        ].join('\n'),
      );
    }
  });

  it('fills in the defaults', () => {
    const config = parseConfig(
      `services:${dockerService('checkout')}
  release:
    deploy:
      "*": { type: jenkins, server: ci, job: deploy }
jenkins:
  ci: { url: "https://ci.example.com" }`,
      FILE,
    );
    expect(config.environments).toEqual({ preprod: { concurrency: 'groups' }, live: { concurrency: 'exclusive' } });
    expect(config.pipeline).toEqual(['preprod', 'live']);
    expect(config.policies).toEqual({
      lock: 'hold-until-tests',
      tests: { expiresAfter: '2h', onExpiry: 'fail' },
      approval: { expiresAfter: '7d' },
    });
    expect(config.auth).toEqual({ anonymous: [], directToLive: 'approvers' });
    expect(config['direct-to-live']).toEqual([]);
    expect(config.services.checkout).toEqual({
      group: 0,
      approvers: [],
      approvalsRequired: 1,
      deploy: { '*': { type: 'docker', image: 'slipway/step:busybox', command: 'true', timeout: '15m' } },
      deployOnArtifact: false,
    });
    expect(config.services.release!.deploy['*']).toEqual({
      type: 'jenkins',
      server: 'ci',
      job: 'deploy',
      parameters: 'octopush',
      correlationParameter: 'SLIPWAY_DEPLOYMENT',
    });
  });

  it("fills in an environment's concurrency", () => {
    const config = parseConfig(
      `environments: { qa: {}, prod: { concurrency: exclusive } }\npipeline: [qa, prod]\nservices:${dockerService('checkout')}`,
      FILE,
    );
    expect(config.environments).toEqual({ qa: { concurrency: 'groups' }, prod: { concurrency: 'exclusive' } });
  });
});

describe('validateConfig', () => {
  it('answers ok with the parsed configuration', () => {
    const result = validateConfig(
      { services: { s: { deploy: { '*': { type: 'docker', image: 'x', command: 'y' } } } } },
      FILE,
    );
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.config.pipeline).toEqual(['preprod', 'live']);
  });

  it.each([
    {
      name: 'an empty file (null)',
      raw: null,
      errors: [`${FILE}: services: Invalid input: expected record, received undefined`],
    },
    {
      name: 'undefined',
      raw: undefined,
      errors: [`${FILE}: services: Invalid input: expected record, received undefined`],
    },
    {
      name: 'a bad service name',
      raw: { services: { 'check out': { deploy: { '*': { type: 'docker', image: 'x', command: 'y' } } } } },
      errors: [expect.stringMatching(/^slipway\.yml: services\.check out: /)],
    },
    {
      name: 'an unknown deployer type',
      raw: { services: { s: { deploy: { '*': { type: 'ssh', host: 'x' } } } } },
      errors: [expect.stringMatching(/^slipway\.yml: services\.s\.deploy\.\*\.type: /)],
    },
    {
      name: 'approvalsRequired of zero',
      raw: { services: { s: { approvalsRequired: 0, deploy: { '*': { type: 'docker', image: 'x', command: 'y' } } } } },
      errors: [expect.stringMatching(/^slipway\.yml: services\.s\.approvalsRequired: /)],
    },
  ])('refuses $name', ({ raw, errors }) => {
    expect(validateConfig(raw, FILE)).toEqual({ ok: false, errors });
  });
});
