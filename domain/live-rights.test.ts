import { describe, expect, it } from 'vitest';
import { SlipwayConfig } from './config.js';
import { approverRefusal, goesStraightToLive } from './live-rights.js';
import { servicePlan } from './service-plan.js';

const docker = { type: 'docker', image: 'busybox', command: 'true' };
const config = SlipwayConfig.parse({
  'direct-to-live': ['hotfix'],
  services: {
    checkout: { deploy: { '*': docker } },
    hotfix: { approvers: ['lead'], deploy: { '*': docker } },
    solo: { pipeline: ['live'], deploy: { '*': docker } },
  },
});

describe('direct-to-live requests', () => {
  it('goes straight to live for a direct-to-live service or a pipeline of one, not through pre-prod', () => {
    expect(goesStraightToLive(servicePlan(config, 'hotfix')!)).toBe(true);
    expect(goesStraightToLive(servicePlan(config, 'solo')!)).toBe(true);
    expect(goesStraightToLive(servicePlan(config, 'checkout')!)).toBe(false);
    expect(goesStraightToLive(servicePlan(config, 'checkout', 'live')!)).toBe(false);
    expect(goesStraightToLive(servicePlan(config, 'checkout', 'preprod')!)).toBe(false);
  });

  it("honours the service's approvers; a service without any takes every approver", () => {
    expect(approverRefusal(servicePlan(config, 'hotfix')!, 'lead')).toBeNull();
    expect(approverRefusal(servicePlan(config, 'hotfix')!, 'mallory')).toBe(
      'mallory is not an approver of hotfix (approvers: lead)',
    );
    expect(approverRefusal(servicePlan(config, 'checkout')!, 'mallory')).toBeNull();
  });
});
