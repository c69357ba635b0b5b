// OpenTelemetry traces from the HTTP request through the breach workflow to each activity, through Temporal's
// interceptors (@temporalio/interceptors-opentelemetry), exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT
// (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; without it nothing is traced and nothing is added to the worker.
// Every span passes a redaction on its way out: only attributes on an allow-list (route patterns, ids Breachline
// derives, activity names) leave the process; error messages and exception texts, which may quote a recipient's
// address or a store row, never do.
import { createRequire } from 'node:module';
import { type Attributes, context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';

/** The workflow interceptors' module: in the workflow bundle of a traced worker (bundleWorkflows({ tracing: true })). */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** The attributes a span may carry out of the process: none holds what a person or a caller typed. */
const ALLOWED_ATTRIBUTES = new Set([
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'temporalWorkflowId',
  'run_id',
  'temporalActivityId',
  'exception.type',
]);

function allowed(attributes: Attributes): Attributes {
  return Object.fromEntries(Object.entries(attributes).filter(([key]) => ALLOWED_ATTRIBUTES.has(key)));
}

/** A span as it may leave: allow-listed attributes, an error's status without its message, exceptions by type only. */
export function redactSpan(span: ReadableSpan): ReadableSpan {
  return Object.create(span, {
    attributes: { value: allowed(span.attributes) },
    status: { value: span.status.code === SpanStatusCode.ERROR ? { code: SpanStatusCode.ERROR } : { code: span.status.code } },
    events: { value: span.events.map((event) => ({ ...event, attributes: allowed(event.attributes ?? {}) })) },
    links: { value: span.links.map((link) => ({ ...link, attributes: allowed(link.attributes ?? {}) })) },
  }) as ReadableSpan;
}

/** An exporter that redacts every span before the one it wraps sends it. */
export class RedactingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans.map(redactSpan), done);
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export interface Tracing {
  resource: Resource;
  processor: SpanProcessor;
  provider: NodeTracerProvider;
  /** Sends what is buffered now (tests, shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let installed: Tracing | undefined;

/** The process's tracing when OTLP is configured (installed once, globally); undefined, and no-op, otherwise. */
export function startTracing(serviceName: string, env: Record<string, string | undefined> = process.env): Tracing | undefined {
  if (installed) return installed;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || serviceName, [ATTR_SERVICE_VERSION]: '0.1.0' });
  // OTLP/HTTP with JSON bodies; headers (OTEL_EXPORTER_OTLP_HEADERS) and batching (OTEL_BSP_…) as the SDK reads them.
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/+$/, '')}/v1/traces`;
  const processor = new BatchSpanProcessor(new RedactingExporter(new OTLPTraceExporter({ url })));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  installed = {
    resource,
    processor,
    provider,
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      installed = undefined;
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  return installed;
}

/** The running tracing, if any. */
export function activeTracing(): Tracing | undefined {
  return installed;
}

/** The client interceptors that carry the active span into each workflow start, signal, update and query. */
export function clientTracingInterceptors(): { workflow: OpenTelemetryWorkflowClientInterceptor[] } | undefined {
  return installed ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}

/** What a traced worker adds: activity interceptors, the workflow interceptors' module, the sink workflow spans leave by. */
export function workerTracingOptions(tracing: Tracing | undefined = installed): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing) return {};
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      workflowModules: [WORKFLOW_TRACING_MODULE],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) },
  };
}
