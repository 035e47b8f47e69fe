// Replays recorded histories (test/fixtures/histories/*.json, written by test/record-histories.ts)
// against today's workflow bundle. A history is a promise to every workflow still running: if the
// code would now issue other commands for it, the worker would fail those workflows on their next
// task. Changing a workflow's command sequence needs `patched()` (or a new workflow type), never an
// edit in place; this test is where an edit in place shows up.
// One history is spliced, not recorded: forge-event-push-upgraded-mid-run.json is the first 25
// events of forge-event-push.json (code before the patch forge-event-local-records, up to its child
// build's end) followed by the last 5 of forge-event-push-local-records.json (the patch marker and
// local activities): a worker upgraded while the workflow waited on its build.
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';
import {
  DefaultLogger,
  Runtime,
  Worker,
  type ReplayWorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../worker/workflow-bundle.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../test/fixtures/histories');

/**
 * Temporal's JSON history format → History. @temporalio/common's historyFromJSON (which
 * Worker.runReplayHistory calls on JSON) fails here with "type must be a Type": it and
 * @temporalio/proto each got their own nested copy of protobufjs 8, so the proto-JSON converter is
 * taken from proto's copy instead.
 */
function historyFromJson(json: unknown): History {
  const require = createRequire(import.meta.url);
  const protojson = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as {
    fromJson(type: unknown, json: unknown, opts: object): unknown;
  };
  const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
    'temporal.api.history.v1.History',
  );
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}

interface Fixture {
  name: string;
  workflowId: string;
  workflowType: string;
  history: History;
}

function loadFixtures(): Fixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const history = historyFromJson(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      if (!started) throw new Error(`${file}: the first event is not WorkflowExecutionStarted`);
      return {
        name: basename(file, '.json'),
        workflowId: started.workflowId || basename(file, '.json'),
        workflowType: started.workflowType?.name ?? '?',
        history,
      };
    });
}

let bundle: WorkflowBundleWithSourceMap;
const fixtures = loadFixtures();
// The bundle's tracing interceptors export spans through this sink (never called during replay).
const replayOptions = (replayName: string): ReplayWorkerOptions => ({
  workflowBundle: bundle,
  replayName,
  sinks: { exporter: { export: { fn: () => undefined } } },
});

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  bundle = await bundleWorkflows();
});

describe('replay of recorded histories', () => {
  it('has histories of the deployment and lock workflows to replay', () => {
    expect(fixtures.length, `fixtures in ${dir}`).toBeGreaterThanOrEqual(4);
    expect([...new Set(fixtures.map((f) => f.workflowType))]).toEqual(
      expect.arrayContaining(['deployment', 'environmentLock']),
    );
  });

  it('replays every history without a determinism violation', async () => {
    const failures: string[] = [];
    let replayed = 0;
    const results = Worker.runReplayHistories(
      replayOptions('fixtures'),
      fixtures.map((f) => ({ workflowId: f.workflowId, history: f.history })),
    );
    for await (const result of results) {
      replayed++;
      if (result.error) {
        const fixture = fixtures.find((f) => f.workflowId === result.workflowId);
        const kind = result.error instanceof DeterminismViolationError ? 'determinism violation' : result.error.name;
        failures.push(
          `${fixture?.name ?? result.workflowId} (${fixture?.workflowType}): ${kind}: ${result.error.message}`,
        );
      }
    }
    expect(failures, `histories that no longer replay:\n${failures.join('\n')}`).toEqual([]);
    expect(replayed).toBe(fixtures.length);
  });

  it('would notice a change: a deployment history replayed as another workflow type fails', async () => {
    const fixture = fixtures.find((f) => f.workflowType === 'deployment')!;
    const history = proto.temporal.api.history.v1.History.fromObject(
      proto.temporal.api.history.v1.History.toObject(fixture.history as proto.temporal.api.history.v1.History),
    );
    history.events[0]!.workflowExecutionStartedEventAttributes!.workflowType = { name: 'environmentLock' };
    await expect(
      Worker.runReplayHistory(replayOptions('negative-control'), history, fixture.workflowId),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
