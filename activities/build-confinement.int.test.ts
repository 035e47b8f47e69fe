// Build containers are confined (issue #12, item 3): run against the real Docker engine with the
// images infra/setup.sh builds. Each test starts its own build container through buildStart, with the
// job's limits and user as the workflow passes them, and runs steps through buildExec.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { ErrorType } from '../domain/errors.js';
import {
  createBuildRunnerActivities,
  type BuildRunnerActivities,
  type BuildRunnerDeps,
  type ExecInput,
  type ExecResult,
  type StartInput,
} from './build-runner.js';
import type { CommandLogWriter, LogSink, LogTarget } from './log-sink.js';

const BUSYBOX = 'slipway/step:busybox';
const DEBIAN = 'slipway/step:debian';
const docker = new Docker();
const run = randomBytes(4).toString('hex');
const buildIds: string[] = [];
let root: string;

class MemorySink implements LogSink {
  readonly texts = new Map<string, string>();
  async open(target: LogTarget): Promise<CommandLogWriter> {
    const key = `${target.buildId}/${target.commandKey}`;
    return {
      write: async (chunk) => {
        this.texts.set(key, (this.texts.get(key) ?? '') + chunk);
      },
      end: async () => ({ bytes: 0, truncated: false }),
    };
  }
}
const sink = new MemorySink();

const mockEnv = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

function runner(extra: Partial<BuildRunnerDeps> = {}): BuildRunnerActivities {
  return createBuildRunnerActivities({
    docker,
    workspaceRoot: join(root, 'workspaces'),
    hostName: 'test-host',
    logs: sink,
    defaultImage: BUSYBOX,
    ...extra,
  });
}

type BuildOptions = Partial<Pick<StartInput, 'image' | 'limits' | 'user'>> & {
  repository?: { url: string; ref: string };
};

/** A started build container for `name`; returns a function running one step in it. */
async function build(name: string, options: BuildOptions = {}, acts = runner()) {
  const buildId = `c-${run}-${name}`;
  buildIds.push(buildId);
  const target = { buildId, jobPath: 'team/app/ci', number: 1, secrets: [] as string[] };
  const { repository, ...start } = options;
  await mockEnv().run(acts.buildCheckout, { ...target, repository });
  await mockEnv().run<[StartInput], unknown, BuildRunnerActivities['buildStart']>(acts.buildStart, {
    ...target,
    env: {},
    ...start,
  });
  return {
    buildId,
    async step(command: string, timeoutMs = 30_000): Promise<ExecResult & { log: string }> {
      const commandKey = `s-${randomBytes(3).toString('hex')}`;
      const r = await mockEnv().run<[ExecInput], ExecResult, BuildRunnerActivities['buildExec']>(acts.buildExec, {
        ...target,
        commandKey,
        command,
        env: {},
        timeoutMs,
      });
      return { ...r, log: sink.texts.get(`${buildId}/${commandKey}`) ?? '' };
    },
  };
}

async function failureOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

/** A TCP server on every host address, standing for Postgres, Temporal and the API; counts connections. */
async function hostService(): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, connections: () => count };
}

/** The host's address on Docker's default bridge: what a container on that bridge reaches the host by. */
async function defaultBridgeGateway(): Promise<string> {
  const info = (await docker.getNetwork('bridge').inspect()) as { IPAM: { Config: Array<{ Gateway?: string }> } };
  const gateway = info.IPAM.Config.find((c) => c.Gateway)?.Gateway;
  if (!gateway) throw new Error('the default bridge has no gateway');
  return gateway;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-confinement-'));
});

afterAll(async () => {
  for (const buildId of buildIds) await mockEnv().run(runner().buildDestroy, { buildId });
  const volumes = (await docker.listVolumes()).Volumes ?? [];
  await rm(root, { recursive: true, force: true });
  expect(volumes.filter((v) => buildIds.some((id) => v.Name.endsWith(id)))).toEqual([]);
});

describe('who a step runs as', () => {
  it('a non-root user with no capabilities and no-new-privileges by default; root when the job asks', async () => {
    const plain = await build('user');
    const id = await plain.step('id -u; grep -E "^(CapEff|CapPrm|NoNewPrivs)" /proc/self/status');
    expect(id.exitCode).toBe(0);
    expect(id.log).toMatch(/^[1-9][0-9]*\n/);
    expect(id.log).toContain('CapEff:\t0000000000000000');
    expect(id.log).toContain('CapPrm:\t0000000000000000');
    expect(id.log).toMatch(/NoNewPrivs:\t1/);

    const root = await build('root', { user: 'root' });
    const rootId = await root.step('id -u; grep CapEff /proc/self/status; chown 1234 /workspace 2>/dev/null');
    expect(rootId.log).toMatch(/^0\n/);
    expect(rootId.log).toContain('CapEff:\t0000000000000000');
    expect(rootId.exitCode).not.toBe(0); // root without CAP_CHOWN
  });

  it('the non-root user owns the checkout in /workspace, and git works in it', async () => {
    const repo = join(root, 'repo');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    await writeFile(join(repo, 'README'), 'hello\n');
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
    const b = await build('git', { image: DEBIAN, repository: { url: repo, ref: 'main' } });
    const r = await b.step('id -u; cat README; echo more >> README; git status --porcelain; git log -1 --format=%s');
    expect(r.log).toMatch(/^[1-9][0-9]*\nhello\n M README\ninit\n$/);
    expect(r.exitCode).toBe(0);
  });
});

describe('limits: a step that hits one fails its own build, with the reason', () => {
  it('a fork bomb fails with "pids limit reached" while a parallel build runs on', async () => {
    const bomb = await build('bomb', { limits: { pids: 64, cpus: 0.5 } });
    const other = await build('beside-bomb');
    const bombing = bomb.step('f() { f | f & }; f; sleep 30', 5_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const beside = await other.step('for i in 1 2 3 4 5 6 7 8; do sleep 0.1 & done; wait; echo ok');
    expect(beside).toMatchObject({ exitCode: 0, log: 'ok\n' });
    const r = await bombing;
    expect(r.exitCode).not.toBe(0);
    expect(r.reason).toMatch(/^pids limit reached \(limit 64 processes\)/);
    expect(r.log).toContain('[slipway] pids limit reached');
    // The bomb is gone; the container takes steps again.
    expect((await bomb.step('echo alive')).log).toBe('alive\n');
  });

  it('a step filling the workspace fails with "workspace full", and the host disk is untouched', async () => {
    const b = await build('fill', { limits: { workspace: '16MiB', memory: '256MiB' } });
    const r = await b.step('dd if=/dev/zero of=/workspace/fill bs=1M count=64');
    expect(r.exitCode).not.toBe(0);
    expect(r.reason).toBe('workspace full (cap 16 MiB)');
    expect(r.log).toMatch(/No space left on device[\s\S]*\[slipway\] workspace full \(cap 16 MiB\)/);
    const tmp = await b.step('rm /workspace/fill; dd if=/dev/zero of=/tmp/fill bs=1M count=64');
    expect(tmp.reason).toBe('/tmp full (cap 16 MiB)');
  });

  it('a memory hog fails with "out of memory"', async () => {
    const b = await build('oom', { limits: { memory: '64MiB', workspace: '8MiB' } });
    const r = await b.step('dd if=/dev/zero of=/dev/null bs=256M count=1');
    expect(r.exitCode).toBe(137);
    expect(r.reason).toMatch(/^out of memory \(limit 64 MiB\)/);
    // Reasons are per step: the next failure is only its own.
    expect((await b.step('exit 3')).reason).toBeUndefined();
  });

  it('limits over the host maximum, or root where it is not allowed, are refused before a container starts', async () => {
    const tooMuch = await failureOf(build('too-much', { limits: { memory: '64GiB' } }));
    expect(tooMuch).toBeInstanceOf(ApplicationFailure);
    expect((tooMuch as ApplicationFailure).type).toBe(ErrorType.BadConfig);
    expect((tooMuch as Error).message).toMatch(/^limits\.memory: 64 GiB is over this host's maximum of 8 GiB/);

    const strict = runner({
      builds: {
        limits: { memory: '1GiB', cpus: 1, pids: 256, workspace: '512MiB' },
        maxLimits: { memory: '1GiB', cpus: 1, pids: 256, workspace: '512MiB' },
        network: { outbound: false },
        allowRoot: false,
      },
    });
    const rootRefused = await failureOf(build('no-root', { user: 'root' }, strict));
    expect((rootRefused as Error).message).toContain('builds.allowRoot');
  });
});

describe('network', () => {
  let service: Awaited<ReturnType<typeof hostService>>;
  beforeAll(async () => {
    service = await hostService();
  });
  afterAll(() => new Promise<void>((resolve) => service.server.close(() => resolve())));

  it("cannot reach the host's services, nor another build", async () => {
    const gateway = await defaultBridgeGateway();
    const b = await build('net');
    const other = await build('net-peer');
    const peer = await docker.getContainer(`slipway-build-${other.buildId}`).inspect();
    const peerIp = Object.values(peer.NetworkSettings.Networks)[0]!.IPAddress;
    const r = await b.step(
      `nc -w 2 ${gateway} ${service.port} </dev/null && echo host-reached; ` +
        `gw=$(ip route | sed -n 's/^default via \\([0-9.]*\\).*/\\1/p'); [ -z "$gw" ] || nc -w 2 "$gw" ${service.port} </dev/null && echo gateway-reached; ` +
        `nc -w 2 ${peerIp} 1 </dev/null 2>&1 | grep -q refused && echo peer-reached; echo done`,
    );
    expect(r.log).not.toMatch(/reached/);
    expect(r.log).toContain('done');
    expect(service.connections()).toBe(0);
  });

  it('with network.outbound: true, on a network of its own that does route out (here: to the host)', async () => {
    const open = runner({
      builds: {
        limits: { memory: '1GiB', cpus: 1, pids: 256, workspace: '512MiB' },
        maxLimits: { memory: '1GiB', cpus: 1, pids: 256, workspace: '512MiB' },
        network: { outbound: true },
        allowRoot: true,
      },
    });
    const b = await build('outbound', {}, open);
    const info = await docker.getContainer(`slipway-build-${b.buildId}`).inspect();
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual(['slipway-builds-outbound']);
    const before = service.connections();
    const r = await b.step(`nc -w 2 ${await defaultBridgeGateway()} ${service.port} </dev/null && echo host-reached`);
    expect(r.log).toContain('host-reached');
    expect(service.connections()).toBe(before + 1);
  });
});
