// Intake benchmark: detections per second through the HTTP API into breach workflows on a real dev server,
// and the latency of the status query. Run on demand:
//   npm run bench:intake -- --breaches 500 --concurrency 20   closed loop: 20 callers, each posting after its answer
//   npm run bench:intake -- --breaches 1500 --rate 50          open loop: a detection every 20 ms, answered or not,
//                                                              as an alert pipeline sends them (issue 17: p99 <= 50 ms)
//   … --worker built | tsx    the worker in its own process (`breachline worker`), worker and API on one PostgreSQL
//                              store, as production deploys them; default in-process, as `npm start` runs
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { startMailSink } from '../sandbox/mail-sink';
import { ResponsePolicy } from '../workflows/definitions';
import { boundWorkflowHeap, workerTuning } from '../worker/tuning';
import { bundleWorkflows } from '../worker/worker';
import { devServerEnvironment, testCodec } from '../test/support/temporal';
import { type RunningWorker, startWorker } from '../test/support/worker';
import { freePorts } from '../test/support/ports';
import { startPostgres } from '../test/support/postgres';
import { openStore } from '../activities/store';
import { startWorkerProcess } from './worker-process';
import { statusReader } from '../worker/status-sink';

const { values } = parseArgs({
  options: {
    breaches: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '20' },
    rate: { type: 'string' },
    worker: {
      type: 'string',
      default: 'in-process',
      description: 'in-process (as npm start, embedded store) | built | tsx (its own process, a shared PostgreSQL store)',
    },
    'worker-nice': { type: 'string', default: '0', description: "with built or tsx, the worker process's niceness (nice -n)" },
  },
});
if (!['in-process', 'built', 'tsx'].includes(values.worker)) throw new Error(`--worker: in-process, built or tsx, not ${values.worker}`);
const total = Number(values.breaches);
const concurrency = Number(values.concurrency);
const rate = values.rate === undefined ? undefined : Number(values.rate);

Runtime.install({ logger: new DefaultLogger('ERROR') });
const [env, sink] = await Promise.all([devServerEnvironment(), startMailSink()]);
const taskQueue = `bench-${randomUUID()}`;
// Or as production deploys them: the worker a process of its own (`breachline worker`), the API here, one PostgreSQL.
const postgres = values.worker === 'in-process' ? undefined : await startPostgres();
const worker = postgres
  ? await startWorkerProcess({
      kind: values.worker as 'built' | 'tsx',
      nice: Number(values['worker-nice']),
      address: env.address,
      taskQueue,
      storeUrl: postgres.url,
      smtpUrl: sink.url,
      metricsPort: (await freePorts(1))[0]!,
      log: (line) => console.error(line),
    })
  : // As a production worker runs (breachline worker): the workflow thread's heap bounded, the cache sized from it.
    // With the SDK's defaults (the thread's heap as large as the machine allows, every breach cached) the worker
    // died out of memory at 1,500 breaches.
    await startWorker(env, sink, await bundleWorkflows(), taskQueue, undefined, workerTuning(process.env, boundWorkflowHeap()).maxCachedWorkflows);
const store = postgres ? await openStore(postgres.url) : (worker as RunningWorker).store;
// Whatever fails below (a POST that is not 201, the worker out of memory), the dev server and the worker are stopped.
let api: Awaited<ReturnType<typeof buildApi>> | undefined;
try {
  const tokens = new Tokens(store);
  const detector = await tokens.issue('bench-siem', ['detector']);
  const manager = await tokens.issue('bench-manager', ['manager']);
  // The intake rate limits (600 a token, 120 a source a minute) would answer 429 long before the bench's rate.
  const policy = ResponsePolicy.parse({ intake: { perTokenPerMinute: 10_000_000, perSourcePerMinute: 10_000_000 } });
  // As `npm start` runs: the API reads each breach's status from the store the worker writes it to.
  api = buildApi({ breaches: await Breaches.connect(env.client, taskQueue, { policy, snapshots: statusReader(store.statusSnapshots, testCodec) }), tokens });
  const base = await api.listen({ host: '127.0.0.1', port: 0 });

  async function pool<T>(count: number, task: (i: number) => Promise<T>): Promise<T[]> {
    const results: T[] = new Array(count);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const i = next++;
          results[i] = await task(i);
        }
      }),
    );
    return results;
  }

  const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

  const detectedAt = new Date().toISOString();
  const startedAt = performance.now();
  const postLatencies: number[] = [];
  const post = async (i: number) => {
    const t = performance.now();
    const response = await fetch(`${base}/breaches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${detector}` },
      body: JSON.stringify({
        source: 'bench',
        eventId: `e-${i}-${randomUUID()}`,
        detectedAt,
        summary: 'Synthetic benchmark breach',
        facts: { jurisdictions: ['JP'], affectedCount: 1200 + i },
      }),
    });
    if (response.status !== 201) throw new Error(`POST /breaches answered ${response.status}`);
    const { breachId } = (await response.json()) as { breachId: string };
    postLatencies.push(performance.now() - t);
    return breachId;
  };
  // Open loop: each detection leaves at its time whether or not the earlier ones were answered.
  const ids = rate
    ? await Promise.all(
        Array.from({ length: total }, async (_, i) => {
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + (i * 1000) / rate - performance.now())));
          return post(i);
        }),
      )
    : await pool(total, post);
  const intakeSeconds = (performance.now() - startedAt) / 1000;
  postLatencies.sort((a, b) => a - b);

  // Settled: every breach has recorded its detection and its three opened obligations in the store.
  for (;;) {
    const { rows } = await store.sql.query<{ n: string }>("SELECT count(*) AS n FROM outcome WHERE kind IN ('detected', 'obligation-opened')");
    if (Number(rows[0]!.n) >= total * 4) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const settledSeconds = (performance.now() - startedAt) / 1000;

  const latencies = await pool(total, async (i) => {
    const t = performance.now();
    const response = await fetch(`${base}/breaches/${encodeURIComponent(ids[i]!)}`, { headers: { authorization: `Bearer ${manager}` } });
    if (response.status !== 200) throw new Error(`GET /breaches/:id answered ${response.status}`);
    const status = (await response.json()) as { obligations: unknown[] };
    if (status.obligations.length !== 3) throw new Error('status without the three APPI obligations');
    return performance.now() - t;
  });
  latencies.sort((a, b) => a - b);

  console.log(rate ? `breaches=${total} rate=${rate}/s offered (open loop)` : `breaches=${total} concurrency=${concurrency}`);
  console.log(`intake: ${(total / intakeSeconds).toFixed(1)} detections/s (${intakeSeconds.toFixed(2)} s for ${total})`);
  console.log(`POST /breaches -> 201: p50=${percentile(postLatencies, 50).toFixed(1)} ms p99=${percentile(postLatencies, 99).toFixed(1)} ms`);
  console.log(`settled: ${(total / settledSeconds).toFixed(1)} breaches/s fully recorded (${settledSeconds.toFixed(2)} s for ${total})`);
  console.log(`status query: p50=${percentile(latencies, 50).toFixed(1)} ms p99=${percentile(latencies, 99).toFixed(1)} ms`);
} finally {
  await api?.close();
  await worker.stop();
  if (postgres) await store.close();
  await postgres?.stop();
  await sink.close();
  await env.teardown();
}
