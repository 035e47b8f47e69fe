import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { logger } from '../../infra/logger.js';

// One server span per request, parent of everything the request does (the Temporal client
// interceptor carries it into workflows and activities). Incoming trace context is honoured.

const tracer = trace.getTracer('slipway-api');

export function tracing(): MiddlewareHandler {
  return async (c, next) => {
    const parent = propagation.extract(context.active(), Object.fromEntries(c.req.raw.headers));
    const started = performance.now();
    const span = tracer.startSpan(
      `${c.req.method} ${c.req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': c.req.method, 'url.path': c.req.path } },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
      span.setAttribute('http.route', routePath(c));
      span.setAttribute('http.response.status_code', c.res.status);
      if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
      // The path only: query strings may carry Octopush's access_token.
      logger.info(
        {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round(performance.now() - started),
          traceId: span.spanContext().traceId,
        },
        'request',
      );
    }
  };
}
