// Open-breach benchmark: N breach workflows with multi-regime facts (about ten pending timers each) held by ONE
// worker process (`breachline worker`, as deployed), against the start rate of an empty workflow on the same server
// in the same run. Prints, last: the start rates and their ratio, the worker's RSS, p50/p99 of GET /breaches/:id and
// of a filtered list, and the time to steady state (every breach assessed, its clocks running).
//   npm run bench:breaches -- --open 10000            (in-memory dev server)
//   npm run bench:breaches -- --open 10000 --server postgres   (temporal-server on a throwaway PostgreSQL)
//   TEMPORAL_ADDRESS=host:7233 npm run bench:breaches  (a running server)
// Breaches and empty workflows are started in alternating rounds, so that each kind's rate is taken on a server as
// full, and beside a worker as busy, as the other's. `--via client` (the default) starts a breach as the API does
// once a POST is authenticated (Breaches.start: validated, id derived, arguments and memo encrypted): the same layer
// as the empty workflow's start. `--via http` sends POST /breaches to the API, which then adds HTTP, authentication
// and two shared rate-limit counters to each start.
// The worker and the API share a PostgreSQL store (`--store postgres`, the default), as deployed: each in a process
// of its own (`--api in-process` runs the API in the bench instead); a status is read from the row the worker wrote.
// `--store pglite` gives each its own store, and every status is a query.
// The worker and the API run from the build (`node dist/breachline.mjs`, as production runs them) when dist/ exists
// (`npm run build`), else from the sources under tsx; `--worker tsx|built` chooses.
// Goals (issue 17): ratio >= 0.8, worker RSS <= 1 GiB, status p99 <= 50 ms, list p99 <= 200 ms at 10,000 open.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { openStore } from '../activities/store';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { startMailSink } from '../sandbox/mail-sink';
import { ResponsePolicy } from '../workflows/definitions';
import { BIN } from '../test/support/cli';
import { freePorts } from '../test/support/ports';
import { startPostgres } from '../test/support/postgres';
import { devServerEnvironment, testCodec } from '../test/support/temporal';
import { setupPostgresSchemas, startTemporalServer } from '../test/support/temporal-server';
import { statusReader } from '../worker/status-sink';
import { cpuSeconds, DIST, rss, startApiProcess, startWorkerProcess } from './worker-process';

const { values } = parseArgs({
  options: {
    open: { type: 'string', default: '1000' },
    empty: { type: 'string', description: 'empty workflows to start for the yardstick; default min(open, 2000)' },
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5', description: 'rounds in which empty workflows and breaches alternate' },
    samples: { type: 'string', default: '300' },
    wait: { type: 'string', description: 'seconds to wait for steady state before measuring anyway; default: until reached' },
    server: { type: 'string', default: 'dev', description: 'dev (in-memory dev server, or TEMPORAL_ADDRESS) | postgres' },
    worker: { type: 'string', description: 'built (node dist/breachline.mjs) | tsx; default built when dist/ exists' },
    store: { type: 'string', default: 'postgres', description: 'postgres (worker and API share it, as deployed) | pglite (each its own: status by query)' },
    'worker-nice': { type: 'string', default: '0', description: "the worker process's niceness (nice -n): 10 gives the API and the server the CPU first" },
    via: {
      type: 'string',
      default: 'client',
      description:
        "client (Breaches.start, the call the API makes once a POST is authenticated: the same layer as the empty yardstick's start) | http (POST /breaches, as security tooling sends them)",
    },
    api: {
      type: 'string',
      description:
        'process (`breachline api` in its own process, as deployed; needs --store postgres) | in-process (in the bench, sharing its event loop with the load); default process with --store postgres',
    },
    'worker-after-starts': {
      type: 'boolean',
      default: false,
      description:
        "start the breaches' worker once every breach is started: the start rate of the intake and server alone (the empty workflows' worker runs throughout, so the ratio flatters the breaches)",
    },
  },
});
if (!['postgres', 'pglite'].includes(values.store)) throw new Error(`--store: postgres or pglite, not ${values.store}`);
if (!['dev', 'postgres'].includes(values.server)) throw new Error(`--server: dev or postgres, not ${values.server}`);
const workerKind = values.worker ?? (existsSync(DIST) ? 'built' : 'tsx');
if (!['built', 'tsx'].includes(workerKind)) throw new Error(`--worker: built or tsx, not ${workerKind}`);
if (workerKind === 'built' && !existsSync(DIST)) throw new Error('--worker built: no dist/, run `npm run build`');
if (!['client', 'http'].includes(values.via)) throw new Error(`--via: client or http, not ${values.via}`);
const apiKind = values.api ?? (values.store === 'postgres' ? 'process' : 'in-process');
if (!['process', 'in-process'].includes(apiKind)) throw new Error(`--api: process or in-process, not ${apiKind}`);
if (apiKind === 'process' && values.store !== 'postgres')
  throw new Error('--api process needs --store postgres: the API process and the bench share the store the tokens are issued in');
const open = Number(values.open);
const emptyCount = Number(values.empty ?? Math.min(open, 2000));
for (const [name, value, least] of [
  ['open', open, 1],
  ['empty', emptyCount, 1],
  ['rounds', Number(values.rounds), 1],
  ['concurrency', Number(values.concurrency), 1],
] as const) {
  if (!Number.isInteger(value) || value < least) throw new Error(`--${name}: a whole number of at least ${least}, not ${value}`);
}
const rounds = Math.min(Number(values.rounds), open, emptyCount);
const concurrency = Number(values.concurrency);
const samples = Number(values.samples);
const waitSeconds = values.wait === undefined ? Number.POSITIVE_INFINITY : Number(values.wait);

Runtime.install({ logger: new DefaultLogger('ERROR') });
const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
/**
 * The load: a POST on kept-alive connections with node:http, lighter than fetch (whose web streams cost the bench
 * process about a millisecond a request), so that the CPU on this shared machine goes to the system measured.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function post(url: string, token: string, body: unknown): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${token}` },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** temporal-server (the production binary) on a throwaway PostgreSQL, set up by `breachline setup` as an operator does. */
async function postgresServer() {
  const postgres = storePostgres ?? (await startPostgres());
  const { hostname, port, username } = new URL(postgres.url);
  const persistence = { kind: 'postgres', host: hostname, port: Number(port), user: username } as const;
  await setupPostgresSchemas(persistence);
  const server = await startTemporalServer({ persistence });
  await promisify(execFile)(process.execPath, [BIN, 'setup'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      BREACHLINE_STORE_URL: 'pglite:memory',
      BREACHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'breachline-setup-')),
    },
  });
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address, client: { dataConverter: { payloadCodecs: [testCodec] } } });
  return {
    env,
    address: server.address,
    async teardown() {
      await env.teardown();
      await server.stop();
    },
  };
}
// The store the worker writes each breach's status to and the API reads it from: one PostgreSQL for both, as two
// processes are deployed (the same cluster as Temporal's own databases with --server postgres, its default database).
const storePostgres = values.store === 'postgres' || values.server === 'postgres' ? await startPostgres() : undefined;
const storeUrl = values.store === 'postgres' ? storePostgres!.url : undefined;
const [server, sink] = await Promise.all([
  values.server === 'postgres' ? postgresServer() : devServerEnvironment().then((env) => ({ env, address: env.address, teardown: () => env.teardown() })),
  startMailSink(),
]);
const { env } = server;
log(`server: ${values.server} at ${server.address}; worker: ${workerKind}${values['worker-nice'] !== '0' ? `, nice ${values['worker-nice']}` : ''}`);
const taskQueue = `bench-breaches-${randomUUID()}`;
const dataDir = mkdtempSync(join(tmpdir(), 'breachline-bench-'));
const [metricsPort] = (await freePorts(1)) as [number];

// The worker under test: its own process, configured as production configures it.
const startWorker = () =>
  startWorkerProcess({
    kind: workerKind as 'built' | 'tsx',
    nice: Number(values['worker-nice']),
    address: server.address,
    taskQueue,
    storeUrl: storeUrl ?? `pglite:${join(dataDir, 'store')}`,
    smtpUrl: sink.url,
    metricsPort,
    log,
  });
let worker = values['worker-after-starts'] ? undefined : await startWorker();
let peakRss = 0;
const sampler = setInterval(() => {
  if (worker && !worker.died) peakRss = Math.max(peakRss, rss(worker.pid).now);
}, 500);
let baseRss = worker ? rss(worker.pid).now : Number.NaN;
if (worker) log(`worker up (pid ${worker.pid}, RSS ${baseRss.toFixed(0)} MiB)`);

// The yardstick: empty workflows on their own queue and worker, started at the same concurrency. That worker runs in
// this process, beside the load it is timed under (its tasks are a 7-day timer each, next to nothing); the breaches'
// worker has a process of its own.
const emptyQueue = `bench-empty-${randomUUID()}`;
const emptyWorker = await Worker.create({
  connection: env.nativeConnection,
  namespace: env.namespace ?? 'default',
  taskQueue: emptyQueue,
  workflowsPath: new URL('./empty-workflow.ts', import.meta.url).pathname,
});
const emptyRunning = emptyWorker.run();

// The API the breaches are posted to with --via http, and the status and list reads go to. The bench's policy lifts
// the intake rate limits.
const policy = ResponsePolicy.parse({ intake: { perTokenPerMinute: 10_000_000, perSourcePerMinute: 10_000_000 } });
const store = await openStore(storeUrl ?? 'pglite:memory');
const tokens = new Tokens(store);
const detector = await tokens.issue('bench-siem', ['detector']);
const manager = await tokens.issue('bench-manager', ['manager']);
const api = apiKind === 'process' ? await apiProcess() : await inProcessApi();
const base = api.base;

/** `breachline api` as deployed: its own process on the shared store, the bench's policy in a file. */
async function apiProcess() {
  const policyFile = join(dataDir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(policy));
  const [port] = (await freePorts(1)) as [number];
  const child = await startApiProcess({
    kind: workerKind as 'built' | 'tsx',
    address: server.address,
    taskQueue,
    storeUrl: storeUrl!,
    smtpUrl: sink.url,
    port,
    env: { BREACHLINE_POLICY: policyFile, BREACHLINE_DATA_DIR: join(dataDir, 'api') },
    log,
  });
  return { base: `http://127.0.0.1:${port}`, close: () => child.stop() };
}

/** The API in the bench's own process: its event loop shared with the load it is measured under. */
async function inProcessApi() {
  const breaches = await Breaches.connect(env.client, taskQueue, {
    policy,
    ...(storeUrl ? { snapshots: statusReader(store.statusSnapshots, testCodec) } : {}),
  });
  const app = buildApi({ breaches, tokens, store });
  return { base: await app.listen({ host: '127.0.0.1', port: 0 }), close: () => app.close() };
}
const detectedAt = new Date(Date.now() - 3_600_000).toISOString();
// JP (APPI), two EU states (GDPR, Art. 33 and 34) and California: seven obligations and five playbook tasks, each
// with a clock: about ten pending timers per breach.
const facts = {
  jurisdictions: ['JP', 'DE', 'FR', 'US-CA'],
  affectedCount: 5000,
  dataCategories: ['name', 'email', 'address'],
  unfairPurpose: true,
  highRisk: true,
};
const detection = (i: number) => ({ source: 'bench', eventId: `e-${i}-${randomUUID()}`, detectedAt, summary: 'Synthetic benchmark breach', facts });
// Through the client, as the API calls it: validated, its id derived, its arguments and memo encrypted by the codec.
const direct = values.via === 'client' ? await Breaches.connect(env.client, taskQueue, { policy }) : undefined;
const startBreach = async (i: number): Promise<string> => {
  const body = detection(i); // the same event id on every attempt: a retried POST finds the breach it started
  if (direct) return (await direct.start(body)).breachId;
  for (let attempt = 0; ; attempt++) {
    const response = await post(`${base}/breaches`, detector, body);
    if (response.status === 201) return (JSON.parse(response.body) as { breachId: string }).breachId;
    if (worker?.died || attempt > 5) throw new Error(`POST /breaches answered ${response.status}: ${response.body}`);
    await sleep(1000);
  }
};
const startEmpty = (i: number) => env.client.workflow.start('emptyWorkflow', { taskQueue: emptyQueue, workflowId: `empty-${i}-${randomUUID()}` });

// Breaches and empty workflows in alternating rounds (empty first, then breaches first, ...): each kind is timed on a
// server holding as many workflows, with the worker as far behind, as the other. Timed one after the other instead,
// the second kind would start on a fuller server than the first (the dev server starts 352/s empty, 288/s with 12,000
// open), and the first with no worker catching up beside it.
const t = performance.now();
let cpuAtFirstStart = worker ? cpuSeconds(worker.pid) : 0;
const ids: string[] = [];
let breachMs = 0;
let emptyMs = 0;
let idleEmptyRate = Number.NaN;
const slice = (count: number, round: number) => Math.floor((count * (round + 1)) / rounds) - Math.floor((count * round) / rounds);
for (let round = 0; round < rounds; round++) {
  const emptyFirst = round % 2 === 0;
  for (const kind of emptyFirst ? (['empty', 'breach'] as const) : (['breach', 'empty'] as const)) {
    const started = performance.now();
    if (kind === 'empty') {
      const count = slice(emptyCount, round);
      await pool(count, concurrency, startEmpty);
      const ms = performance.now() - started;
      emptyMs += ms;
      if (round === 0) idleEmptyRate = count / (ms / 1000);
    } else {
      const offset = ids.length;
      ids.push(...(await pool(slice(open, round), concurrency, (i) => startBreach(offset + i))));
      breachMs += performance.now() - started;
    }
  }
  log(`round ${round + 1}/${rounds}: ${ids.length} breaches started; worker RSS ${worker ? rss(worker.pid).now.toFixed(0) : '-'} MiB`);
}
const emptyRate = emptyCount / (emptyMs / 1000);
const startSeconds = (performance.now() - t) / 1000;
const breachRate = open / (breachMs / 1000);
if (!worker) {
  worker = await startWorker();
  baseRss = rss(worker.pid).now;
  cpuAtFirstStart = cpuSeconds(worker.pid);
  log(`worker up after the starts (pid ${worker.pid}, RSS ${baseRss.toFixed(0)} MiB)`);
}
log(`breaches: ${breachRate.toFixed(1)} starts/s; RSS ${rss(worker.pid).now.toFixed(0)} MiB`);

// Steady state: every breach assessed (its next deadline searchable), so its obligations' clocks are running.
const assessed = `WorkflowType = 'breachWorkflow' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running' AND BreachNextDeadlineAt IS NOT NULL`;
let steadySeconds = Number.NaN;
let notReached: string | undefined;
for (let last = -1; ;) {
  const { count } = await env.client.workflow.count(assessed);
  if (count >= open) {
    steadySeconds = (performance.now() - t) / 1000;
    break;
  }
  if (worker.died) break;
  if ((performance.now() - t) / 1000 > startSeconds + waitSeconds) {
    notReached = `${count}/${open} assessed after ${((performance.now() - t) / 1000).toFixed(0)} s`;
    break;
  }
  if (count !== last) log(`steady state: ${count}/${open} assessed; RSS ${rss(worker.pid).now.toFixed(0)} MiB`);
  last = count;
  await sleep(1000);
}
log(`steady after ${steadySeconds.toFixed(1)} s`);
/** The worker's CPU for each breach, from its first start to every breach assessed: what its cores must give. */
const workerCpuMs = worker.died ? Number.NaN : ((cpuSeconds(worker.pid) - cpuAtFirstStart) * 1000) / open;

const firstText = await (await fetch(`${base}/breaches/${encodeURIComponent(ids[0]!)}`, { headers: { authorization: `Bearer ${manager}` } })).text();
const first = JSON.parse(firstText) as {
  obligations: { state: string }[];
  tasks?: unknown[];
};
const failures: Record<string, number> = {};
/** Milliseconds of one GET; undefined (counted by status in failures) when it was not answered with 200. */
const timed = async (path: string): Promise<number | undefined> => {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${manager}` } });
  await response.arrayBuffer();
  if (response.status === 200) return performance.now() - started;
  const key = `${path.startsWith('/breaches?') ? 'list' : 'status'} ${response.status}`;
  failures[key] = (failures[key] ?? 0) + 1;
  return undefined;
};
const answered = (values: (number | undefined)[]) => values.filter((v): v is number => v !== undefined);
// Status of breaches picked at random (most of them not in the worker's cache at 10,000), four callers at a time.
const statusMs = answered(await pool(samples, 4, () => timed(`/breaches/${encodeURIComponent(ids[Math.floor(Math.random() * ids.length)]!)}`)));
const listMs = answered(await pool(Math.min(samples, 100), 4, () => timed('/breaches?regime=EU-GDPR&dueWithinHours=72&limit=50')));
/** How many breaches the store holds a status row for: those read without a query. */
const statusRows = storeUrl ? Number((await store.sql.query<{ n: string }>('SELECT count(sealed) AS n FROM breach_status')).rows[0]!.n) : 0;
const finalRss = worker.died ? { now: Number.NaN, peak: Number.NaN } : rss(worker.pid);
clearInterval(sampler);

await api.close();
await worker.stop();
emptyWorker.shutdown();
await emptyRunning;
await store.close();
await sink.close();
await server.teardown();
await storePostgres?.stop();
rmSync(dataDir, { recursive: true, force: true });

const f = (n: number, digits = 1) => n.toFixed(digits);
console.log(
  `server=${values.server} store=${values.store} worker=${workerKind} api=${apiKind} via=${values.via} open=${open} empty=${emptyCount} concurrency=${concurrency} obligations/breach=${first.obligations.length} tasks/breach=${first.tasks?.length ?? 0} status=${(firstText.length / 1024).toFixed(1)} KiB`,
);
console.log(`worker: ${worker.died ? 'DIED' : 'alive'}${values['worker-after-starts'] ? ' (started after the starts)' : ''}`);
console.log(
  `breach start rate: ${f(breachRate)}/s (${open} in ${f(breachMs / 1000)} s, ${values.via === 'client' ? 'through the Temporal client as the API calls it' : 'through POST /breaches'})`,
);
console.log(
  `empty start rate: ${f(emptyRate)}/s (${emptyCount} in ${f(emptyMs / 1000)} s, in ${rounds} rounds alternating with the breaches; ${f(idleEmptyRate)}/s in the first, before any breach)`,
);
console.log(`ratio: ${f(breachRate / emptyRate, 2)} (against the first round's empty starts, on the idle server: ${f(breachRate / idleEmptyRate, 2)})`);
console.log(
  `worker CPU: ${f(workerCpuMs)} ms a breach to its steady state (at ${f(breachRate)} starts/s that is ${f((workerCpuMs * breachRate) / 1000, 2)} cores of the ${availableParallelism()} here)`,
);
console.log(
  `worker RSS: ${f(finalRss.now, 0)} MiB at the end, ${f(Math.max(peakRss, finalRss.peak), 0)} MiB peak (${f(baseRss, 0)} MiB idle; ${f(((finalRss.now - baseRss) * 1024) / open, 0)} KiB a breach)`,
);
console.log(
  `GET /breaches/:id: p50=${f(percentile(statusMs, 50))} ms p99=${f(percentile(statusMs, 99))} ms (${statusMs.length} of ${samples} random breaches answered; status rows in the store for ${statusRows} of ${open})`,
);
console.log(`GET /breaches?regime&dueWithinHours: p50=${f(percentile(listMs, 50))} ms p99=${f(percentile(listMs, 99))} ms`);
if (Object.keys(failures).length) console.log(`not answered with 200: ${JSON.stringify(failures)}`);
console.log(
  notReached
    ? `steady state: not reached (${notReached}); latencies measured while the worker caught up`
    : `steady state: ${f(steadySeconds)} s from the first start`,
);
process.exit(0);
