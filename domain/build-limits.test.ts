import { describe, expect, it } from 'vitest';
import { BuildsConfig, formatSize, parseSize, resolveConfinement } from './build-limits.js';
import { validateJob } from './job.js';

describe('parseSize / formatSize', () => {
  it.each([
    ['512MiB', 512 * 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['2g', 2 * 1024 ** 3],
    ['1.5 GiB', 1.5 * 1024 ** 3],
    ['4096', 4096],
  ])('%s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });
  it.each(['', 'lots', '-1GiB', '0', '1TB', '1e9'])('refuses %j', (text) => {
    expect(parseSize(text)).toBeNull();
  });
  it('names sizes as a reason does', () => {
    expect(formatSize(512 * 1024 ** 2)).toBe('512 MiB');
    expect(formatSize(1024 ** 3)).toBe('1 GiB');
    expect(formatSize(1000)).toBe('1000 bytes');
  });
});

describe('resolveConfinement', () => {
  it('a job naming nothing: the documented defaults, a non-root user, no way out', () => {
    expect(resolveConfinement({})).toEqual({
      ok: true,
      confinement: {
        memoryBytes: 2 * 1024 ** 3,
        workspaceBytes: 1024 ** 3,
        nanoCpus: 1e9,
        pids: 512,
        user: { uid: 1000, gid: 1000 },
        outbound: false,
      },
    });
  });

  it("a job's own limits and root", () => {
    const r = resolveConfinement({ limits: { memory: '512MiB', cpus: 0.5, pids: 64 }, user: 'root' });
    expect(r).toMatchObject({
      ok: true,
      confinement: { memoryBytes: 512 * 1024 ** 2, nanoCpus: 5e8, pids: 64, user: { uid: 0, gid: 0 } },
    });
  });

  it.each([
    [{ limits: { memory: '9GiB' } }, "limits.memory: 9 GiB is over this host's maximum of 8 GiB"],
    [{ limits: { workspace: '5GiB' } }, "limits.workspace: 5 GiB is over this host's maximum of 4 GiB"],
    [{ limits: { cpus: 3 } }, "limits.cpus: 3 is over this host's maximum of 2"],
    [{ limits: { pids: 5000 } }, "limits.pids: 5000 is over this host's maximum of 4096"],
  ])('refuses %j', (job, error) => {
    expect(resolveConfinement(job)).toEqual({ ok: false, error });
  });

  it('refuses root where the host does not allow it, and follows network.outbound', () => {
    const config = BuildsConfig.parse({ allowRoot: false, network: { outbound: true } });
    expect(resolveConfinement({ user: 'root' }, config)).toMatchObject({ ok: false });
    expect(resolveConfinement({}, config)).toMatchObject({ ok: true, confinement: { outbound: true } });
  });
});

describe('a job definition', () => {
  const job = { title: 't', stages: [{ title: 's', steps: [{ title: 'x', command: 'true' }] }] };
  it('takes user: root and limits', () => {
    const r = validateJob({ ...job, user: 'root', limits: { memory: '1GiB', cpus: 1, pids: 100, workspace: '2GiB' } });
    expect(r.ok).toBe(true);
  });
  it('names the field of a bad limit or user', () => {
    const r = validateJob({ ...job, user: 'admin', limits: { memory: 'lots', pids: 1 } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path).sort()).toEqual(['limits.memory', 'limits.pids', 'user']);
  });
});
