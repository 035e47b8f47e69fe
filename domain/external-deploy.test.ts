import { describe, expect, it } from 'vitest';
import { parseConfig } from '../infra/config-loader.js';
import { modulesOf, parseModule, servicesOfModule } from './artifacts.js';
import { initialState, type DeploymentState } from './deployment-state.js';
import { applyDeploymentReport, checkDeploymentReport, checkVerification, deploydbStatus } from './external-deploy.js';
import { servicePlan } from './service-plan.js';

const config = parseConfig(
  `
services:
  foas:
    artifacts: ["com.example:foas", "com.example:puppet-foas"]
    deploy: { "*": { type: external } }
  checkout: { deploy: { "*": { type: external, timeout: 30m } } }
`,
  'test.yml',
);

function deploying(): DeploymentState {
  const state = initialState(
    {
      id: 'dep-1',
      number: 1,
      version: '1',
      requestor: 'r',
      plan: servicePlan(config, 'foas')!,
      startAtLast: false,
      rollbackOf: null,
    },
    '2024-01-01T00:00:00Z',
  );
  state.environments[0]!.state = 'deploying';
  state.environments[0]!.external = { status: 'CREATED', at: '2024-01-01T00:00:00Z' };
  return state;
}

describe('configuration', () => {
  it('defaults an external deployer to a 1h timeout and a service to its own artifact', () => {
    expect(config.services.foas!.deploy['*']).toEqual({ type: 'external', timeout: '1h' });
    expect(modulesOf(config, 'checkout')).toEqual(['checkout']);
    expect(servicesOfModule(config, 'com.example:puppet-foas')).toEqual(['foas']);
    expect(parseModule('com.example:foas')).toEqual({ group: 'com.example', name: 'foas' });
    expect(parseModule('a:b:c')).toBeNull();
  });

  it('names the path of a bad module or timeout', () => {
    expect(() =>
      parseConfig(`services:\n  x: { artifacts: ["a:b:c"], deploy: { "*": { type: external } } }`, 'bad.yml'),
    ).toThrow(/services\.x\.artifacts\.0/);
    expect(() =>
      parseConfig(`services:\n  x: { deploy: { "*": { type: external, timeout: soon } } }`, 'bad.yml'),
    ).toThrow(/services\.x\.deploy\.\*\.timeout/);
  });
});

describe("an outside deployer's reports (DeployDB's transitions)", () => {
  const report = (status: 'STARTED' | 'COMPLETED' | 'FAILED') => ({ environment: 'preprod', status, actor: 'd' });

  it.each([
    [['STARTED'], 'COMPLETED', true],
    [['STARTED'], 'FAILED', true],
    [[], 'COMPLETED', true],
    [[], 'FAILED', true],
    [['COMPLETED'], 'STARTED', false],
    [['FAILED'], 'COMPLETED', false],
    [['STARTED', 'COMPLETED'], 'FAILED', false],
  ] as const)('after %j, %s is allowed: %s', (before, status, allowed) => {
    const state = deploying();
    for (const s of before) applyDeploymentReport(state, report(s), 'now');
    expect(checkDeploymentReport(state, report(status)).ok).toBe(allowed);
  });

  it('acknowledges a repeat and refuses an environment that is not waiting for its deployer', () => {
    const state = deploying();
    applyDeploymentReport(state, report('STARTED'), 'now');
    expect(checkDeploymentReport(state, report('STARTED'))).toEqual({ ok: true, duplicate: true });
    expect(checkDeploymentReport(state, { ...report('STARTED'), environment: 'live' }).ok).toBe(false);
    expect(checkDeploymentReport(state, { ...report('STARTED'), environment: 'mars' }).ok).toBe(false);
    expect(deploydbStatus(state.environments[0]!)).toBe('STARTED');
    expect(deploydbStatus(state.environments[1]!)).toBe('CREATED');
  });

  it('takes a verification only of a deployed environment, once', () => {
    const state = deploying();
    const verification = { environment: 'preprod', passed: true, actor: 'v' };
    expect(checkVerification(state, verification).ok).toBe(false);
    state.environments[0]!.state = 'deployed';
    expect(checkVerification(state, verification)).toEqual({ ok: true, duplicate: false });
  });
});
