// `npm start`: the whole system on embedded defaults, in one command:
//   the Temporal dev server (SQLite file under .data/, Web UI, Breachline's search attributes registered),
//   a local SMTP sink that keeps every message under .data/mail/ (and shows them at /dev/mail),
//   the embedded store (PGlite under .data/store), the worker, and the HTTP API.
// Set TEMPORAL_ADDRESS to use a running server instead of the dev server, BREACHLINE_SMTP_URL to send
// through a real mail server instead of the sink, BREACHLINE_STORE_URL for PostgreSQL.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../client/api';
import { Breaches, connectClient } from '../client/breaches';
import { loadLinkKey } from '../activities/links';
import { loadBreachIds } from '../client/breach-ids';
import { loadConfig } from '../worker/config';
import { freeLoopbackPort } from '../worker/metrics-server';
import { Tokens } from '../client/auth';
import { Sso } from '../client/sso';
import { DEV_IDENTITIES, devTokens } from './dev-tokens';
import { openBreachWorker, runtimeLogger } from '../worker/worker';
import { startTracing } from '../worker/tracing';
import { statusReader } from '../worker/status-sink';
import { searchAttributes } from '../workflows/definitions';
import { codecEndpoint } from './codec-endpoint';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { mailViewer } from './mail-viewer';
import { busyPorts } from './ports';
import { sessionRoutes } from './session';
import { ensure, TEMPORAL_CLI, version } from '../sandbox/toolchain.mjs';

const TEMPORAL_PORT = Number(process.env.BREACHLINE_TEMPORAL_PORT ?? 7233);
const TEMPORAL_UI_PORT = Number(process.env.BREACHLINE_TEMPORAL_UI_PORT ?? 8233);
const SINK_PORT = Number(process.env.BREACHLINE_SINK_PORT ?? 2525);
/** The Temporal SDK's own Prometheus exporter, on loopback: the API's /metrics appends what it serves. */
const SDK_METRICS_PORT = process.env.BREACHLINE_SDK_METRICS_PORT ? Number(process.env.BREACHLINE_SDK_METRICS_PORT) : undefined;

const GUARD = join(import.meta.dirname, 'guard.mjs');
const UI_ORIGINS = [`http://127.0.0.1:${TEMPORAL_UI_PORT}`, `http://localhost:${TEMPORAL_UI_PORT}`];

const SEARCH_ATTRIBUTE_TYPES = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', DATETIME: 'Datetime' } as Record<string, string>;

async function waitForTemporal(address: string, server: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${server.exitCode}; see its output above`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1 second' });
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`the Temporal dev server did not answer at ${address} within ${timeoutMs / 1000} s: ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function startDevServer(dataDir: string, apiPort: number): ChildProcess {
  const cli = ensure(TEMPORAL_CLI);
  console.log(`temporal      ${cli.path} (${version(cli.path).split('\n')[0]}, from ${cli.source})`);
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(TEMPORAL_PORT),
    '--ui-port',
    String(TEMPORAL_UI_PORT),
    '--db-filename',
    join(dataDir, 'temporal.sqlite'),
    '--log-level',
    'warn',
    '--ui-codec-endpoint',
    `http://127.0.0.1:${apiPort}/codec`,
    ...Object.values(searchAttributes).flatMap((key) => ['--search-attribute', `${key.name}=${SEARCH_ATTRIBUTE_TYPES[key.type]}`]),
  ];
  // Under the guard, whose stdin is a pipe from this process: the dev server dies when this process does, however.
  return spawn(process.execPath, [GUARD, cli.path, ...args], { stdio: ['pipe', 'inherit', 'inherit'] });
}

/** This process's ancestors in its own job (process group): npm, its shell, tsx. Linux /proc; elsewhere the parent. */
function jobAncestors(): number[] {
  const stat = (pid: number) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ');
    return { ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  };
  try {
    const own = stat(process.pid);
    const ancestors: number[] = [];
    for (let pid = own.ppid; pid > 1 && stat(pid).pgrp === own.pgrp; pid = stat(pid).ppid) ancestors.push(pid);
    return ancestors.length ? ancestors : [process.ppid];
  } catch {
    return [process.ppid];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie is dead, just not yet reaped
  } catch {
    return true; // no /proc: the signal's answer stands
  }
}

/** Calls `orphaned` once when the process that started the stack is gone (npm or tsx killed, even by SIGKILL). */
function watchParents(orphaned: () => void): void {
  const parent = process.ppid;
  const ancestors = jobAncestors();
  const timer = setInterval(() => {
    if (process.ppid !== parent || !ancestors.every(alive)) {
      clearInterval(timer);
      orphaned();
    }
  }, 500);
  timer.unref();
}

/** One line per refused or failed request, so a developer sees what a caller got wrong. */
function logFailures(app: FastifyInstance): void {
  // The route's pattern, not the URL: paths and query strings carry what callers typed, e-mail addresses included.
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 400) console.error(`api: ${request.method} ${request.routeOptions.url ?? '(no such route)'} -> ${reply.statusCode}`);
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  mkdirSync(config.dataDir, { recursive: true });
  const stops: (() => unknown)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    stopping = true;
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  watchParents(() => {
    console.error('breachline: the process that started the stack is gone; stopping');
    void shutdown(1);
  });

  const busy = await busyPorts([
    ...(process.env.TEMPORAL_ADDRESS
      ? []
      : [
          { port: TEMPORAL_PORT, host: '127.0.0.1', what: 'the Temporal dev server', variable: 'BREACHLINE_TEMPORAL_PORT' },
          { port: TEMPORAL_UI_PORT, host: '127.0.0.1', what: 'the Temporal Web UI', variable: 'BREACHLINE_TEMPORAL_UI_PORT' },
        ]),
    ...(SDK_METRICS_PORT ? [{ port: SDK_METRICS_PORT, host: '127.0.0.1', what: "the Temporal SDK's metrics", variable: 'BREACHLINE_SDK_METRICS_PORT' }] : []),
    ...(process.env.BREACHLINE_SMTP_URL ? [] : [{ port: SINK_PORT, host: '127.0.0.1', what: 'the mail sink', variable: 'BREACHLINE_SINK_PORT' }]),
    ...(config.api.port ? [{ port: config.api.port, host: config.api.host, what: 'the HTTP API', variable: 'BREACHLINE_API_PORT' }] : []),
  ]);
  if (busy.length) {
    for (const message of busy) console.error(`breachline: ${message}`);
    process.exit(2);
  }

  const sdkMetricsPort = SDK_METRICS_PORT ?? (await freeLoopbackPort());
  const tracing = startTracing('breachline'); // OTLP traces when OTEL_EXPORTER_OTLP_ENDPOINT is set
  if (tracing) stops.push(() => tracing.shutdown());
  Runtime.install({
    logger: runtimeLogger('WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}`, useSecondsForDurations: true } } },
  });

  try {
    // A server of the operator's (TEMPORAL_ADDRESS), with its TLS and API key; or our own plaintext dev server.
    let temporal = config.temporal.connection;
    const temporalAddress = process.env.TEMPORAL_ADDRESS ? temporal.address : `127.0.0.1:${TEMPORAL_PORT}`;
    if (!process.env.TEMPORAL_ADDRESS) {
      temporal = { address: temporalAddress, namespace: config.temporal.namespace, sources: {}, description: temporalAddress };
      const server = startDevServer(config.dataDir, config.api.port);
      stops.push(() => server.kill('SIGTERM'));
      await waitForTemporal(temporalAddress, server);
      // The stack is nothing without its server: if the dev server dies, say so and stop, rather than serve 503s.
      server.once('exit', (code, signal) => {
        if (stopping) return;
        console.error(`breachline: the Temporal dev server stopped (${signal ?? `exit ${code}`}); stopping the stack. Start it again with npm start.`);
        void shutdown(1);
      });
    }

    let sink: MailSink | undefined;
    if (!process.env.BREACHLINE_SMTP_URL) {
      sink = await startMailSink({ port: SINK_PORT, dir: join(config.dataDir, 'mail') });
      stops.push(() => sink!.close());
      config.mail.smtpUrl = sink.url;
    }

    const { worker, store, codec, bounces } = await openBreachWorker(config, temporal);
    stops.push(() => store.close());
    if (bounces) stops.push(() => bounces.close());
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });

    const client = await connectClient({ ...temporal, codec });
    const tokensFile = join(config.dataDir, 'dev-tokens.json');
    const tokens = await devTokens(store, tokensFile);
    const apiTokens = new Tokens(store);
    const api = buildApi({
      breaches: await Breaches.connect(client, config.temporal.taskQueue, {
        policy: config.policy,
        ids: loadBreachIds(config.breachIds),
        snapshots: statusReader(store.statusSnapshots, codec),
      }),
      tokens: apiTokens,
      store,
      ...(config.sso ? { sso: await Sso.discover(config.sso) } : {}),
      links: loadLinkKey(config.links),
      pagerDutySecret: config.pagerDutySecret,
      plugins: [
        logFailures,
        sessionRoutes(apiTokens),
        codecEndpoint(codec, { tokens: apiTokens, uiOrigins: UI_ORIGINS }),
        ...(sink ? [mailViewer(join(config.dataDir, 'mail'), apiTokens)] : []),
      ],
      workerRunning: () => worker.getState() === 'RUNNING',
      metrics: { token: process.env.BREACHLINE_METRICS_TOKEN || undefined, sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics` },
    });
    const apiUrl = await api.listen({ host: config.api.host, port: config.api.port });
    stops.push(() => api.close());

    const lines = [
      '',
      'Breachline is running:',
      `  Temporal    ${temporalAddress}${process.env.TEMPORAL_ADDRESS ? '' : `  (Web UI http://127.0.0.1:${TEMPORAL_UI_PORT}, payloads decoded via ${apiUrl}/codec; data ${join(config.dataDir, 'temporal.sqlite')})`}`,
      ...(process.env.TEMPORAL_ADDRESS
        ? []
        : [
            `              to read payloads in the Web UI: sign in at ${apiUrl}/session with the operator token, then turn on the UI's "Include cross-origin credentials"`,
          ]),
      `  Mail        ${sink ? `${sink.url} (local sink: files in ${join(config.dataDir, 'mail')}, page ${apiUrl}/dev/mail for a signed-in browser)` : config.mail.smtpUrl}; escalations to owner ${(config.mail.owner ?? config.mail.responders).join(', ')}, DPO ${(config.mail.dpo ?? config.mail.responders).join(', ')}, executive ${(config.mail.executive ?? config.mail.responders).join(', ')}`,
      `  Store       ${store.description}`,
      `  Worker      task queue "${config.temporal.taskQueue}"`,
      `  HTTP API    ${apiUrl}  (OpenAPI ${apiUrl}/openapi.json, Prometheus ${apiUrl}/metrics${process.env.BREACHLINE_METRICS_TOKEN ? ' with BREACHLINE_METRICS_TOKEN' : ''})`,
      `  Dashboard   ${apiUrl}/  (paste a token below)`,
      '',
      `Dev tokens (${tokensFile}):`,
      ...DEV_IDENTITIES.map(({ key, name, roles }) => `  ${key.padEnd(10)} ${name.padEnd(20)} ${roles.join(',').padEnd(9)} ${tokens[key]}`),
      '',
      'Try:',
      `  curl -s -XPOST ${apiUrl}/breaches -H 'content-type: application/json' -H 'authorization: Bearer ${tokens.detector}' \\`,
      `    -d '{"source":"demo","eventId":"1","detectedAt":"${new Date().toISOString()}","summary":"Synthetic leak","facts":{"jurisdictions":["JP"],"affectedCount":1200}}'`,
      '',
      'Ctrl-C stops everything; data stays in .data/.',
    ];
    console.log(lines.join('\n'));
    await running;
  } catch (error) {
    console.error(`breachline: ${(error as Error).message}`);
    await shutdown(1);
  }
}

await main().catch((error: Error) => {
  console.error(`breachline: ${error.message}`);
  process.exit(1);
});
