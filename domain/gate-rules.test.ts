// Who may decide a manual gate: names on its list, or members of a team it names ("team:<org>/<slug>",
// matched without regard to case as GitHub does); and which teams a GitHub session must remember.
import { describe, expect, it } from 'vitest';
import { approverMatches, gateApproverTeams } from './gate-rules.js';
import type { Promotion } from './promotions.js';

describe('approverMatches', () => {
  const approvers = ['alice', 'team:Acme/Release'];
  it('matches a listed name, and only that exact name', () => {
    expect(approverMatches(approvers, 'alice')).toBe(true);
    expect(approverMatches(approvers, 'Alice')).toBe(false);
    expect(approverMatches(approvers, 'bob')).toBe(false);
  });
  it('matches a member of a listed team whatever the case, never a team of another org', () => {
    expect(approverMatches(approvers, 'bob', ['acme/release'])).toBe(true);
    expect(approverMatches(approvers, 'bob', ['ACME/RELEASE'])).toBe(true);
    expect(approverMatches(approvers, 'bob', ['other/release', 'acme/releases'])).toBe(false);
  });
  it('does not take a name that looks like a team for a team', () => {
    expect(approverMatches(approvers, 'team:Acme/Release')).toBe(false);
  });
});

describe('gateApproverTeams', () => {
  it('lists the teams manual promotions name, in lower case', () => {
    const promotions: Record<string, Promotion> = {
      signoff: { type: 'manual', approvers: ['alice', 'team:Acme/Release'], required: 1, expiresAfter: '7d' },
      qa: { type: 'manual', approvers: ['team:acme/qa'], required: 1, expiresAfter: '7d' },
      smoke: { type: 'tests-reported', expiresAfter: '2h' },
    };
    expect([...gateApproverTeams({ promotions })].sort()).toEqual(['acme/qa', 'acme/release']);
  });
});
