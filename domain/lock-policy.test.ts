import { describe, expect, it } from 'vitest';
import { grantable, type LockHolder, type LockWaiter } from './lock-policy.js';

// Holders and waiters are written "service@group"; a waiter's id is its service and version.
const held = (service: string, group: string): LockHolder => ({ requestId: `held-${service}`, service, group });
const waiting = (id: string, group: string, order: number): LockWaiter => ({
  requestId: id,
  service: id.split(':')[0]!,
  group,
  order,
});

interface Row {
  name: string;
  concurrency: 'groups' | 'exclusive';
  holders: LockHolder[];
  waiters: LockWaiter[];
  granted: string[];
}

const exclusive: Row[] = [
  { name: 'grants nothing without waiters', concurrency: 'exclusive', holders: [], waiters: [], granted: [] },
  {
    name: 'grants the only waiter of a free environment',
    concurrency: 'exclusive',
    holders: [],
    waiters: [waiting('a:1', '1', 1)],
    granted: ['a:1'],
  },
  {
    name: 'grants one holder at a time, the oldest first',
    concurrency: 'exclusive',
    holders: [],
    waiters: [waiting('b:1', '1', 2), waiting('c:1', '1', 3), waiting('a:1', '1', 1)],
    granted: ['a:1'],
  },
  {
    name: 'grants nothing while held, even to the same group',
    concurrency: 'exclusive',
    holders: [held('a', '1')],
    waiters: [waiting('b:1', '1', 1)],
    granted: [],
  },
  {
    name: 'grants nothing while held, even to another group',
    concurrency: 'exclusive',
    holders: [held('a', '1')],
    waiters: [waiting('b:1', '2', 1)],
    granted: [],
  },
];

const groups: Row[] = [
  {
    name: 'grants nothing without waiters',
    concurrency: 'groups',
    holders: [held('a', '1')],
    waiters: [],
    granted: [],
  },
  {
    name: 'never grants one service twice together (two versions queued)',
    concurrency: 'groups',
    holders: [],
    waiters: [waiting('a:1', '1', 1), waiting('a:2', '1', 2)],
    granted: ['a:1'],
  },
  {
    name: 'never grants a service that holds the environment',
    concurrency: 'groups',
    holders: [held('a', '1')],
    waiters: [waiting('a:2', '1', 1)],
    granted: [],
  },
  {
    name: 'lets the same group share a held environment',
    concurrency: 'groups',
    holders: [held('a', '1')],
    waiters: [waiting('b:1', '1', 1), waiting('c:1', '1', 2)],
    granted: ['b:1', 'c:1'],
  },
  {
    name: 'makes another group wait',
    concurrency: 'groups',
    holders: [held('a', '1')],
    waiters: [waiting('b:1', '2', 1)],
    granted: [],
  },
  {
    name: 'grants a whole group to a free environment',
    concurrency: 'groups',
    holders: [],
    waiters: [waiting('a:1', '1', 1), waiting('b:1', '1', 2), waiting('c:1', '1', 3)],
    granted: ['a:1', 'b:1', 'c:1'],
  },
  {
    name: 'follows acceptance order (order), not array order',
    concurrency: 'groups',
    holders: [],
    waiters: [waiting('b:1', '2', 2), waiting('a:1', '1', 1)],
    granted: ['a:1'],
  },
  {
    name: 'returns grants in acceptance order',
    concurrency: 'groups',
    holders: [],
    waiters: [waiting('c:1', '1', 30), waiting('a:1', '1', 10), waiting('b:1', '1', 20)],
    granted: ['a:1', 'b:1', 'c:1'],
  },
  {
    name: 'the older version of a service goes first whatever the array order',
    concurrency: 'groups',
    holders: [],
    waiters: [waiting('a:2', '1', 7), waiting('a:1', '1', 3)],
    granted: ['a:1'],
  },
  {
    name: "barrier: a waiter blocked by a group conflict stops a younger waiter of the holders' group",
    concurrency: 'groups',
    holders: [held('a', '1')],
    waiters: [waiting('x:1', '2', 1), waiting('b:1', '1', 2)],
    granted: [],
  },
  {
    name: 'barrier: a waiter blocked by a group conflict stops younger waiters of its own group too',
    concurrency: 'groups',
    holders: [held('a', '1')],
    waiters: [waiting('x:1', '2', 1), waiting('y:1', '2', 2)],
    granted: [],
  },
  {
    name: 'barrier: younger waiters of a third group stay behind',
    concurrency: 'groups',
    holders: [held('a', '1')],
    waiters: [waiting('x:1', '2', 1), waiting('z:1', '3', 2), waiting('b:1', '1', 3)],
    granted: [],
  },
  {
    name: "barrier: waiters of the holders' group older than the barrier still pass",
    concurrency: 'groups',
    holders: [held('a', '1')],
    waiters: [waiting('b:1', '1', 1), waiting('x:1', '2', 2), waiting('c:1', '1', 3)],
    granted: ['b:1'],
  },
  {
    name: 'own service held: a younger same-group waiter of another service passes',
    concurrency: 'groups',
    holders: [held('a', '1')],
    waiters: [waiting('a:2', '1', 1), waiting('b:1', '1', 2)],
    granted: ['b:1'],
  },
  {
    name: 'own service held: its own younger versions stay behind it while others pass',
    concurrency: 'groups',
    holders: [held('a', '1')],
    waiters: [waiting('a:2', '1', 1), waiting('b:1', '1', 2), waiting('a:3', '1', 3), waiting('c:1', '1', 4)],
    granted: ['b:1', 'c:1'],
  },
  {
    name: 'own service held: not a pass for another group, which is still a barrier',
    concurrency: 'groups',
    holders: [held('a', '1')],
    waiters: [waiting('a:2', '1', 1), waiting('x:1', '2', 2), waiting('b:1', '1', 3)],
    granted: [],
  },
  {
    name: 'grants in one pass count as holders: one service is not granted twice',
    concurrency: 'groups',
    holders: [],
    waiters: [waiting('a:1', '1', 1), waiting('a:2', '1', 2), waiting('b:1', '1', 3)],
    granted: ['a:1', 'b:1'],
  },
  {
    name: 'grants in one pass count as holders: another group waits behind them',
    concurrency: 'groups',
    holders: [],
    waiters: [waiting('a:1', '1', 1), waiting('x:1', '2', 2)],
    granted: ['a:1'],
  },
  {
    name: 'grants in one pass count as holders: the other group is then a barrier',
    concurrency: 'groups',
    holders: [],
    waiters: [waiting('a:1', '1', 1), waiting('x:1', '2', 2), waiting('b:1', '1', 3)],
    granted: ['a:1'],
  },
  {
    name: 'groups are compared as strings ("0" and "1" differ)',
    concurrency: 'groups',
    holders: [held('a', '0')],
    waiters: [waiting('b:1', '1', 1)],
    granted: [],
  },
];

describe('grantable', () => {
  describe.each([
    { mode: 'exclusive', rows: exclusive },
    { mode: 'groups', rows: groups },
  ])('$mode', ({ rows }) => {
    it.each(rows)('$name', ({ concurrency, holders, waiters, granted }) => {
      expect(grantable(concurrency, holders, waiters).map((w) => w.requestId)).toEqual(granted);
    });
  });

  it('returns the waiters given, with their extra fields', () => {
    const waiters = [
      { ...waiting('a:1', '1', 1), workflowId: 'wf-a' },
      { ...waiting('b:1', '1', 2), workflowId: 'wf-b' },
    ];
    const granted = grantable('groups', [], waiters);
    expect(granted).toHaveLength(2);
    expect(granted[0]).toBe(waiters[0]);
    expect(granted[1]!.workflowId).toBe('wf-b');
  });

  it('changes neither the holders nor the waiters', () => {
    const holders = [held('a', '1')];
    const waiters = [waiting('c:1', '1', 3), waiting('b:1', '1', 2)];
    const before = structuredClone({ holders, waiters });
    grantable('groups', holders, waiters);
    grantable('exclusive', holders, waiters);
    expect({ holders, waiters }).toEqual(before);
  });
});
