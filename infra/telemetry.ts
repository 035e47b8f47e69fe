import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

// Tracing for the whole process: one provider, registered globally so that the API middleware,
// the Temporal client interceptor, and the worker's activity and workflow interceptors share it.
// Spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise they
// are still created (trace ids appear in logs) but not exported.

export interface Telemetry {
  resource: Resource;
  spanProcessor: SpanProcessor;
  provider: NodeTracerProvider;
  shutdown(): Promise<void>;
}

let active: Telemetry | null = null;

export function setupTelemetry(
  opts: { serviceName?: string; spanProcessor?: SpanProcessor; otlpEndpoint?: string } = {},
): Telemetry {
  if (active) return active;
  const resource = new Resource({ 'service.name': opts.serviceName ?? 'slipway' });
  const spanProcessor =
    opts.spanProcessor ??
    (opts.otlpEndpoint
      ? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }))
      : noopProcessor());
  const provider = new NodeTracerProvider({ resource });
  provider.addSpanProcessor(spanProcessor);
  provider.register();
  active = { resource, spanProcessor, provider, shutdown: () => provider.shutdown() };
  return active;
}

function noopProcessor(): SpanProcessor {
  return { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
}
