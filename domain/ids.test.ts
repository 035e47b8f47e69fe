import { describe, expect, it } from 'vitest';
import {
  buildWorkflowId,
  correlationId,
  deploymentWorkflowId,
  environmentLockWorkflowId,
  parseCorrelationId,
  stableHash,
} from './ids.js';

const SAFE = /^[A-Za-z0-9._-]+$/;
const base = { scope: 'slipway', service: 'checkout', version: '1.2.3', key: 'req-1' };
const id = (o: Partial<typeof base> = {}) => {
  const { scope, service, version, key } = { ...base, ...o };
  return deploymentWorkflowId(scope, service, version, key);
};

describe('deploymentWorkflowId', () => {
  it('names the service and version, then a 20-digit hash', () => {
    expect(id()).toMatch(/^dep-checkout-1\.2\.3-[0-9a-f]{20}$/);
  });

  it('is stable for the same inputs', () => {
    expect(id()).toBe(id());
    expect(deploymentWorkflowId('slipway', 'checkout', '1.2.3', 'req-1')).toBe(id());
  });

  it.each([
    { name: 'request key', change: { key: 'req-2' } },
    { name: 'scope', change: { scope: 'slipway-test' } },
    { name: 'service', change: { service: 'payments' } },
    { name: 'version', change: { version: '1.2.4' } },
    { name: 'empty request key', change: { key: '' } },
  ])('differs for a different $name', ({ change }) => {
    expect(id(change)).not.toBe(id());
  });

  it('keeps apart inputs whose parts only shift between fields', () => {
    expect(deploymentWorkflowId('s', 'ab', 'c', 'k')).not.toBe(deploymentWorkflowId('s', 'a', 'bc', 'k'));
    expect(deploymentWorkflowId('s1', 'a', 'b', 'k')).not.toBe(deploymentWorkflowId('s', 'a', 'b', '1k'));
  });

  it.each([
    { service: 'checkout', version: '1.2.3+build.7' },
    { service: 'checkout', version: 'feature/login' },
    { service: 'check out', version: '1.0 beta' },
    { service: 'ünïcode', version: '✓' },
    { service: 'a', version: 'x'.repeat(500) },
    { service: 'a', version: '../../etc/passwd' },
    { service: 'a', version: '' },
  ])('only safe characters for $service $version', ({ service, version }) => {
    const got = id({ service, version });
    expect(got).toMatch(SAFE);
    expect(got.length).toBeLessThanOrEqual('dep-'.length + 60 + 1 + 60 + 1 + 20);
  });

  it('keeps versions that sanitize alike apart', () => {
    const ids = ['1/0', '1:0', '1 0', '1_0'].map((version) => id({ version }));
    expect(ids.map((i) => i.slice(0, -21))).toEqual(Array(4).fill('dep-checkout-1_0'));
    expect(new Set(ids).size).toBe(4);
  });
});

describe('stableHash', () => {
  it.each(['', 'a', 'checkout\u00001.2.3', 'x'.repeat(10_000)])('is 28 hex digits and stable (%#)', (text) => {
    expect(stableHash(text)).toMatch(/^[0-9a-f]{28}$/);
    expect(stableHash(text)).toBe(stableHash(text));
  });

  it('differs for different texts', () => {
    expect(stableHash('a')).not.toBe(stableHash('b'));
  });
});

describe('correlationId / parseCorrelationId', () => {
  it('round-trips a deployment id and environment', () => {
    const deploymentId = id();
    expect(correlationId(deploymentId, 'preprod')).toBe(`${deploymentId}@preprod`);
    expect(parseCorrelationId(correlationId(deploymentId, 'live'))).toEqual({ deploymentId, environment: 'live' });
  });

  it.each(['', 'preprod', 'dep-x', '@preprod', 'dep-x@', 'dep-x@a@b', 'bld-x@preprod', 'x dep-x@preprod'])(
    '%j is none',
    (text) => {
      expect(parseCorrelationId(text)).toBeNull();
    },
  );
});

describe('environmentLockWorkflowId', () => {
  it('names the environment and the scope', () => {
    expect(environmentLockWorkflowId('slipway', 'preprod')).toBe('env-lock-preprod@slipway');
    expect(environmentLockWorkflowId('other', 'preprod')).not.toBe(environmentLockWorkflowId('slipway', 'preprod'));
  });
});

describe('buildWorkflowId', () => {
  it('hashes scope and job path, then names the number', () => {
    expect(buildWorkflowId('slipway', 'team/ci', 7)).toMatch(/^bld-[0-9a-f]{12}-7$/);
    expect(buildWorkflowId('slipway', 'team/ci', 8).slice(0, -2)).toBe(
      buildWorkflowId('slipway', 'team/ci', 7).slice(0, -2),
    );
    expect(buildWorkflowId('other', 'team/ci', 7)).not.toBe(buildWorkflowId('slipway', 'team/ci', 7));
  });
});
