// One trace from the HTTP request through the workflow to every activity it runs: the API's
// server span, the Temporal client interceptor's StartWorkflow span, the workflow's RunWorkflow
// span (shipped out of the sandbox through the worker's `exporter` sink), and each activity's
// StartActivity/RunActivity pair. Span names are those of @temporalio/interceptors-opentelemetry
// (lib/workflow/definitions.js): `<SpanName>:<workflow or activity type>`.
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTelemetry } from '../../infra/telemetry.js';
import { startFakeJenkins, type FakeJenkins } from '../fakes/jenkins.js';
import { startStack, waitForState, type Stack } from '../support/stack.js';

// Set up before the stack: the API's tracer and the client interceptor resolve the global provider.
const exporter = new InMemorySpanExporter();
const telemetry = setupTelemetry({ serviceName: 'slipway-test', spanProcessor: new SimpleSpanProcessor(exporter) });

const JOB = 'release/deploy-checkout';
let fake: FakeJenkins;
let stack: Stack;

beforeAll(async () => {
  fake = await startFakeJenkins();
  fake.defineJob(JOB, { parameters: ['ENVIRONMENT', 'COMPONENT', 'VERSION', 'SLIPWAY_DEPLOYMENT'], durationMs: 100 });
  stack = await startStack({
    configYaml: [
      'environments: { preprod: { concurrency: groups }, live: { concurrency: exclusive } }',
      `jenkins: { release: { url: "${fake.url}", user: "${fake.user}", tokenEnv: FAKE_JENKINS_TOKEN } }`,
      'services:',
      `  checkout: { group: 1, deploy: { "*": { type: jenkins, server: release, job: ${JOB} } } }`,
      `  payments: { group: 1, deploy: { "*": { type: jenkins, server: release, job: ${JOB} } } }`,
      `  search: { group: 1, deploy: { "*": { type: jenkins, server: release, job: ${JOB} } } }`,
    ].join('\n'),
    env: { FAKE_JENKINS_TOKEN: fake.token },
    telemetry,
  });
});

afterAll(async () => {
  await stack?.close();
  await fake?.close();
  await telemetry.shutdown();
});

const short = (id: string | undefined) => (id ? id.slice(0, 8) : '-');

/** The spans of one trace as an indented tree (roots: spans whose parent is not among them). */
function renderTree(spans: ReadableSpan[]): string {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const children = new Map<string, ReadableSpan[]>();
  const roots: ReadableSpan[] = [];
  for (const s of spans) {
    const parent = s.parentSpanId;
    if (parent && byId.has(parent)) children.set(parent, [...(children.get(parent) ?? []), s]);
    else roots.push(s);
  }
  const order = (a: ReadableSpan, b: ReadableSpan) =>
    a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];
  const lines: string[] = [];
  const walk = (s: ReadableSpan, depth: number) => {
    const missing = depth === 0 && s.parentSpanId ? ` (parent ${short(s.parentSpanId)} not exported)` : '';
    lines.push(`${'  '.repeat(depth)}${s.name} [${short(s.spanContext().spanId)}]${missing}`);
    for (const c of (children.get(s.spanContext().spanId) ?? []).sort(order)) walk(c, depth + 1);
  };
  for (const r of roots.sort(order)) walk(r, 0);
  return lines.join('\n');
}

/** Walks parentSpanId links from `span`; true when `ancestor` is on the way. */
function descendsFrom(span: ReadableSpan, ancestor: ReadableSpan, byId: Map<string, ReadableSpan>): boolean {
  const target = ancestor.spanContext().spanId;
  const seen = new Set<string>();
  for (let parent = span.parentSpanId; parent && !seen.has(parent); parent = byId.get(parent)?.parentSpanId) {
    if (parent === target) return true;
    seen.add(parent);
  }
  return false;
}

/** Polls the exporter until `ready` holds: workflow spans arrive through the sink, after the activation that ends them. */
async function spansWhen(ready: (spans: ReadableSpan[]) => boolean, timeoutMs = 10_000): Promise<ReadableSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await telemetry.spanProcessor.forceFlush();
    const spans = exporter.getFinishedSpans();
    if (ready(spans) || Date.now() > deadline) return spans;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('tracing', () => {
  it('carries one trace from POST /v1/deployments through the workflow to each activity', async () => {
    const created = await stack.call('POST', '/v1/deployments', { body: { service: 'checkout', version: '4.2.0' } });
    expect(created.status, created.text).toBe(201);
    const id: string = created.body.id;
    await waitForState(stack, id, 'PENDING_TESTS');

    // The workflow's own span ends only when the workflow does: take it to Go Live.
    expect((await stack.call('POST', `/v1/deployments/${id}/test-results`, { body: { passed: true } })).status).toBe(
      200,
    );
    expect((await stack.call('POST', `/v1/deployments/${id}/approve`)).status).toBe(200);
    await waitForState(stack, id, 'GO_LIVE_DONE');

    const isRequest = (s: ReadableSpan) => s.name === 'POST /v1/deployments';
    const spans = await spansWhen((all) => {
      const http = all.find(isRequest);
      const ofTrace = all.filter((s) => s.spanContext().traceId === http?.spanContext().traceId);
      return (
        ofTrace.some((s) => s.name === 'RunWorkflow:deployment') &&
        ofTrace.filter((s) => s.name === 'RunActivity:jenkinsTrigger').length >= 2
      );
    });

    const requests = spans.filter(isRequest);
    expect(
      requests.map((s) => s.name),
      `server spans:\n${renderTree(spans)}`,
    ).toHaveLength(1);
    const http = requests[0]!;
    const traceId = http.spanContext().traceId;
    const trace = spans.filter((s) => s.spanContext().traceId === traceId);
    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    const tree = `trace ${traceId}:\n${renderTree(trace)}\n\nall spans:\n${renderTree(spans)}`;

    const named = (name: string) => trace.filter((s) => s.name === name);
    const one = (name: string) => {
      const found = named(name);
      expect(found.length, `expected a span "${name}" in the request's trace\n${tree}`).toBeGreaterThanOrEqual(1);
      return found;
    };
    const leadsBack = (span: ReadableSpan) =>
      expect(
        descendsFrom(span, http, byId),
        `${span.name} [${short(span.spanContext().spanId)}] does not lead back to ${http.name}\n${tree}`,
      ).toBe(true);

    expect(http.attributes['http.response.status_code']).toBe(201);
    for (const start of one('StartWorkflow:deployment')) {
      expect(start.attributes.temporalWorkflowId, tree).toBe(id);
      leadsBack(start);
    }
    const [run] = one('RunWorkflow:deployment');
    leadsBack(run!);
    const names = [
      'StartActivity:requestLock',
      'RunActivity:requestLock',
      'StartActivity:jenkinsTrigger',
      'RunActivity:jenkinsTrigger',
      'RunActivity:recordDeployment',
    ];
    for (const name of names)
      for (const span of one(name)) {
        leadsBack(span);
        expect(descendsFrom(span, run!, byId), `${name} is not under RunWorkflow:deployment\n${tree}`).toBe(true);
      }
    // Both environments (preprod, then live after the approval) ran their Jenkins job inside the trace.
    expect(named('RunActivity:jenkinsTrigger'), tree).toHaveLength(2);
    expect(named('RunActivity:requestLock'), tree).toHaveLength(2);
    for (const span of named('RunActivity:requestLock')) {
      const parent = byId.get(span.parentSpanId ?? '');
      expect(parent?.name, `RunActivity:requestLock's parent\n${tree}`).toBe('StartActivity:requestLock');
    }
  });

  // Every workflow on a worker thread shares one context storage (workflows/otel-context-storage.ts):
  // two deployments whose activations interleave must still keep to their own traces.
  it('keeps the traces of deployments that run side by side apart', async () => {
    const services = ['payments', 'search'];
    const created = await Promise.all(
      services.map((service) => stack.call('POST', '/v1/deployments', { body: { service, version: '7.0.0' } })),
    );
    const ids = created.map((c) => {
      expect(c.status, c.text).toBe(201);
      return c.body.id as string;
    });
    await Promise.all(ids.map((id) => waitForState(stack, id, 'PENDING_TESTS')));
    for (const id of ids) {
      expect((await stack.call('POST', `/v1/deployments/${id}/test-results`, { body: { passed: true } })).status).toBe(
        200,
      );
      expect((await stack.call('POST', `/v1/deployments/${id}/approve`)).status).toBe(200);
    }
    await Promise.all(ids.map((id) => waitForState(stack, id, 'GO_LIVE_DONE')));

    const traceOf = (all: ReadableSpan[], id: string) =>
      all.find((s) => s.name === 'StartWorkflow:deployment' && s.attributes.temporalWorkflowId === id)?.spanContext()
        .traceId;
    const spans = await spansWhen((all) =>
      ids.every((id) => {
        const traceId = traceOf(all, id);
        return (
          all.some((s) => s.name === 'RunWorkflow:deployment' && s.spanContext().traceId === traceId) &&
          all.filter((s) => s.name === 'RunActivity:jenkinsTrigger' && s.spanContext().traceId === traceId).length >= 2
        );
      }),
    );
    const traces = ids.map((id) => {
      const traceId = traceOf(spans, id);
      expect(traceId, `no StartWorkflow:deployment span for ${id}\n${renderTree(spans)}`).toBeDefined();
      return traceId!;
    });
    expect(new Set(traces).size).toBe(2);
    for (const traceId of traces) {
      const trace = spans.filter((s) => s.spanContext().traceId === traceId);
      const tree = renderTree(trace);
      expect(
        trace.filter((s) => s.name === 'POST /v1/deployments'),
        tree,
      ).toHaveLength(1);
      expect(
        trace.filter((s) => s.name === 'RunWorkflow:deployment'),
        tree,
      ).toHaveLength(1);
      expect(
        trace.filter((s) => s.name === 'RunActivity:jenkinsTrigger'),
        tree,
      ).toHaveLength(2);
      expect(
        trace.filter((s) => s.name === 'RunActivity:requestLock'),
        tree,
      ).toHaveLength(2);
    }
  });
});
