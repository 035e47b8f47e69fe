import { describe, expect, it } from 'vitest';
import { buildNetworkOptions, limitReason } from './build-confinement.js';

const df = (workspaceAvail: number, tmpAvail = 1000) =>
  `Filesystem           1K-blocks      Used Available Use% Mounted on
tmpfs                    16384      ${16384 - workspaceAvail}     ${workspaceAvail}  10% /workspace
tmpfs                    16384      ${16384 - tmpAvail}     ${tmpAvail}  10% /tmp
`;
const limits = { memoryBytes: 64 * 1024 ** 2, pids: 64 };

describe('limitReason', () => {
  it('an OOM kill since the last probe (cgroup v1 or v2 counters alike)', () => {
    expect(limitReason(`seen  oom=0 pids=0\nnow  oom=1 pids=0\n${df(1000)}`, limits)).toMatch(
      /^out of memory \(limit 64 MiB\)/,
    );
  });
  it('the pids limit hit since the last probe', () => {
    expect(limitReason(`seen\nnow  oom=0 pids=3\n${df(1000)}`, limits)).toMatch(
      /^pids limit reached \(limit 64 processes\)/,
    );
  });
  it('counters the last probe saw already are not this step’s', () => {
    expect(limitReason(`seen  oom=1 pids=3\nnow  oom=1 pids=3\n${df(1000)}`, limits)).toBeNull();
  });
  it('a full workspace or /tmp', () => {
    expect(limitReason(`seen\nnow\n${df(0)}`, limits)).toBe('workspace full (cap 16 MiB)');
    expect(limitReason(`seen\nnow\n${df(1000, 12)}`, limits)).toBe('/tmp full (cap 16 MiB)');
  });
});

describe('buildNetworkOptions', () => {
  it('internal, no address on the host, no traffic between builds; outbound keeps only the last', () => {
    expect(buildNetworkOptions(false)).toMatchObject({
      Name: 'slipway-builds',
      Internal: true,
      Options: { 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.bridge.inhibit_ipv4': 'true' },
    });
    expect(buildNetworkOptions(true)).toMatchObject({ Name: 'slipway-builds-outbound', Internal: false });
    expect(buildNetworkOptions(true).Options).not.toHaveProperty(['com.docker.network.bridge.inhibit_ipv4']);
  });
});
