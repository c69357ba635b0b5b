// Open-breach benchmark: N breach workflows with multi-regime facts (about ten pending timers each) held by ONE
// worker process (`breachline worker`, as deployed), against the start rate of an empty workflow on the same server
// in the same run. Prints, last: the start rates and their ratio, the worker's RSS, p50/p99 of GET /breaches/:id and
// of a filtered list, and the time to steady state (every breach assessed, its clocks running).
//   npm run bench:breaches -- --open 10000            (in-memory dev server)
//   npm run bench:breaches -- --open 10000 --server postgres   (temporal-server on a throwaway PostgreSQL)
//   TEMPORAL_ADDRESS=host:7233 npm run bench:breaches  (a running server)
// The worker and the API share a PostgreSQL store (`--store postgres`, the default), as deployed on two processes: a
// status is then read from the row the worker wrote; `--store pglite` gives each its own, and every status is a query.
// The worker runs from the build (`node dist/breachline.mjs worker`, as production runs it) when dist/ exists
// (`npm run build`), else from the sources under tsx; `--worker tsx|built` chooses.
// Goals (issue 17): ratio >= 0.8, worker RSS <= 1 GiB, status p99 <= 50 ms, list p99 <= 200 ms at 10,000 open.
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
import { cpuSeconds, DIST, rss, startWorkerProcess } from './worker-process';

const { values } = parseArgs({
  options: {
    open: { type: 'string', default: '1000' },
    empty: { type: 'string', description: 'empty workflows to start for the yardstick; default min(open, 2000)' },
    concurrency: { type: 'string', default: '50' },
    samples: { type: 'string', default: '300' },
    wait: { type: 'string', description: 'seconds to wait for steady state before measuring anyway; default: until reached' },
    server: { type: 'string', default: 'dev', description: 'dev (in-memory dev server, or TEMPORAL_ADDRESS) | postgres' },
    worker: { type: 'string', description: 'built (node dist/breachline.mjs) | tsx; default built when dist/ exists' },
    store: { type: 'string', default: 'postgres', description: 'postgres (worker and API share it, as deployed) | pglite (each its own: status by query)' },
    'worker-nice': { type: 'string', default: '0', description: "the worker process's niceness (nice -n): 10 gives the API and the server the CPU first" },
  },
});
if (!['postgres', 'pglite'].includes(values.store)) throw new Error(`--store: postgres or pglite, not ${values.store}`);
if (!['dev', 'postgres'].includes(values.server)) throw new Error(`--server: dev or postgres, not ${values.server}`);
const workerKind = values.worker ?? (existsSync(DIST) ? 'built' : 'tsx');
if (!['built', 'tsx'].includes(workerKind)) throw new Error(`--worker: built or tsx, not ${workerKind}`);
if (workerKind === 'built' && !existsSync(DIST)) throw new Error('--worker built: no dist/, run `npm run build`');
const open = Number(values.open);
const emptyCount = Number(values.empty ?? Math.min(open, 2000));
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
const worker = await startWorkerProcess({
  kind: workerKind as 'built' | 'tsx',
  nice: Number(values['worker-nice']),
  address: server.address,
  taskQueue,
  storeUrl: storeUrl ?? `pglite:${join(dataDir, 'store')}`,
  smtpUrl: sink.url,
  metricsPort,
  log,
});
let peakRss = 0;
const sampler = setInterval(() => {
  if (!worker.died) peakRss = Math.max(peakRss, rss(worker.pid).now);
}, 500);
const baseRss = rss(worker.pid).now;
log(`worker up (pid ${worker.pid}, RSS ${baseRss.toFixed(0)} MiB)`);

// The yardstick: empty workflows on their own queue and worker, started at the same concurrency.
const emptyQueue = `bench-empty-${randomUUID()}`;
const emptyWorker = await Worker.create({
  connection: env.nativeConnection,
  namespace: env.namespace ?? 'default',
  taskQueue: emptyQueue,
  workflowsPath: new URL('./empty-workflow.ts', import.meta.url).pathname,
});
const emptyRunning = emptyWorker.run();
let t = performance.now();
await pool(emptyCount, concurrency, (i) => env.client.workflow.start('emptyWorkflow', { taskQueue: emptyQueue, workflowId: `empty-${i}-${randomUUID()}` }));
const emptyRate = emptyCount / ((performance.now() - t) / 1000);
log(`empty: ${emptyRate.toFixed(1)} starts/s`);

// The breaches, through the HTTP API as security tooling sends them. The bench's policy lifts the intake rate limits.
const policy = ResponsePolicy.parse({ intake: { perTokenPerMinute: 10_000_000, perSourcePerMinute: 10_000_000 } });
const store = await openStore(storeUrl ?? 'pglite:memory');
const tokens = new Tokens(store);
const detector = await tokens.issue('bench-siem', ['detector']);
const manager = await tokens.issue('bench-manager', ['manager']);
const breaches = await Breaches.connect(env.client, taskQueue, { policy, ...(storeUrl ? { snapshots: statusReader(store.statusSnapshots, testCodec) } : {}) });
const api = buildApi({ breaches, tokens, store });
const base = await api.listen({ host: '127.0.0.1', port: 0 });
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
t = performance.now();
const cpuAtFirstStart = cpuSeconds(worker.pid);
const ids = await pool(open, concurrency, async (i) => {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${base}/breaches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${detector}` },
      body: JSON.stringify({ source: 'bench', eventId: `e-${i}-${randomUUID()}`, detectedAt, summary: 'Synthetic benchmark breach', facts }),
    });
    if (response.status === 201) return ((await response.json()) as { breachId: string }).breachId;
    if (worker.died || attempt > 5) throw new Error(`POST /breaches answered ${response.status}: ${await response.text()}`);
    await sleep(1000);
  }
});
const startSeconds = (performance.now() - t) / 1000;
const breachRate = open / startSeconds;
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
  `server=${values.server} store=${values.store} worker=${workerKind} open=${open} empty=${emptyCount} concurrency=${concurrency} obligations/breach=${first.obligations.length} tasks/breach=${first.tasks?.length ?? 0} status=${(firstText.length / 1024).toFixed(1)} KiB`,
);
console.log(`worker: ${worker.died ? 'DIED' : 'alive'}`);
console.log(`breach start rate: ${f(breachRate)}/s (${open} in ${f(startSeconds)} s)`);
console.log(`empty start rate: ${f(emptyRate)}/s`);
console.log(`ratio: ${f(breachRate / emptyRate, 2)}`);
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
