// A standalone worker's GET /metrics: Breachline's activity-side metrics (mails, escalations, store latency,
// obligations by status, deadlines missed) and the Temporal SDK's runtime metrics (temporal_…: schedule-to-start,
// latencies, sticky cache) from its Prometheus exporter on a loopback port of this process, in one scrape.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { registry } from '../activities/metrics';
import { fieldErrors, InvalidInput } from '../workflows/domain/facts';
import { startTracing } from './tracing';

const SDK_TIMEOUT_MS = 2000;

const Env = z.object({
  BREACHLINE_WORKER_METRICS_PORT: z
    .union([z.literal('off'), z.coerce.number().int().min(0).max(65535)])
    .default(9464)
    .describe("the worker's /metrics port (Prometheus); off: none"),
  BREACHLINE_WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1').describe("the worker's /metrics address; 0.0.0.0 in a container"),
  BREACHLINE_METRICS_TOKEN: z.string().min(1).optional().describe('when set, a scrape must send it as a bearer token'),
});

export interface WorkerMetricsOptions {
  port: number | 'off';
  host: string;
  token?: string;
}

export function workerMetricsOptions(env: Record<string, string | undefined> = process.env): WorkerMetricsOptions {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) throw new InvalidInput('configuration', fieldErrors(parsed.error));
  const e = parsed.data;
  return { port: e.BREACHLINE_WORKER_METRICS_PORT, host: e.BREACHLINE_WORKER_METRICS_HOST, token: e.BREACHLINE_METRICS_TOKEN };
}

/** The SDK's exposition from its exporter, or '' (and a comment saying so) when it does not answer. */
export async function sdkExposition(url: string | undefined): Promise<{ text: string; up: boolean }> {
  if (!url) return { text: '', up: false };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(SDK_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return { text: await response.text(), up: true };
  } catch {
    return { text: '', up: false };
  }
}

export interface WorkerMetricsServer {
  url: string;
  close(): Promise<void>;
}

/** Serves GET /metrics on its own port; anything else is 404. The SDK's exporter is read at each scrape. */
export async function serveWorkerMetrics(options: { port: number; host: string; token?: string; sdkMetricsUrl?: string }): Promise<WorkerMetricsServer> {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const authorized = (header: string | undefined) => {
    if (!options.token) return true;
    const sent = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    return sent !== undefined && timingSafeEqual(digest(sent), digest(options.token));
  };
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    if (!authorized(request.headers.authorization)) {
      response
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
        .end('send the metrics token: "Authorization: Bearer <BREACHLINE_METRICS_TOKEN>"\n');
      return;
    }
    void Promise.all([registry.metrics(), sdkExposition(options.sdkMetricsUrl)]).then(
      ([own, sdk]) => {
        const up = `# HELP breachline_sdk_metrics_up 1 when the Temporal SDK's own metrics were appended to this scrape\n# TYPE breachline_sdk_metrics_up gauge\nbreachline_sdk_metrics_up ${sdk.up ? 1 : 0}\n`;
        response.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${up}${sdk.text ? `${sdk.text.trimEnd()}\n` : ''}`);
      },
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A free loopback port, e.g. for the SDK's Prometheus exporter when none is set: only this process reads it. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/**
 * A standalone worker's telemetry: the SDK's exporter on a free loopback port (for Runtime.install), then /metrics
 * on BREACHLINE_WORKER_METRICS_PORT and traces when OTEL_EXPORTER_OTLP_ENDPOINT is set. Call before Runtime.install.
 */
export async function workerTelemetry(env: Record<string, string | undefined> = process.env) {
  const options = workerMetricsOptions(env);
  const tracing = startTracing('breachline-worker', env);
  const sdkPort = options.port === 'off' ? undefined : await freeLoopbackPort();
  return {
    telemetryOptions: sdkPort === undefined ? undefined : { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkPort}`, useSecondsForDurations: true } } },
    /** Starts /metrics; the returned function stops it and flushes the traces. */
    async serve(log: (line: string) => void = (line) => console.error(line)): Promise<() => Promise<void>> {
      const server =
        options.port === 'off' ? undefined : await serveWorkerMetrics({ ...options, port: options.port, sdkMetricsUrl: `http://127.0.0.1:${sdkPort}/metrics` });
      if (server) log(`breachline worker: Prometheus metrics at ${server.url}${options.token ? ' with BREACHLINE_METRICS_TOKEN' : ''}`);
      if (tracing) log('breachline worker: traces exported over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT)');
      return async () => {
        await server?.close();
        await tracing?.shutdown();
      };
    },
  };
}
