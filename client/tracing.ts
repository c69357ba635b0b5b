// A span per HTTP request, named by its method and route pattern (never its URL, which may carry what a caller
// typed), made the active span for the handler so the Temporal client interceptor starts the workflow under it.
// Nothing is added when the process does not trace (see worker/tracing.ts).
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { activeTracing } from '../worker/tracing';

const spans = new WeakMap<FastifyRequest, Span>();

export function traceRequests(app: FastifyInstance): void {
  if (!activeTracing()) return;
  const tracer = trace.getTracer('breachline-api');
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? '(no such route)';
    const span = tracer.startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'http.route': route },
    });
    spans.set(request, span);
    done();
  });
  // After the body is read, the handler runs synchronously from this callback: it and all it awaits see the span.
  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (span) context.with(trace.setSpan(context.active(), span), done);
    else done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      spans.delete(request);
    }
    done();
  });
}
