// Notification benchmark: (a) raw nodemailer pooled sending of N messages, and (b) Breachline's whole path for N
// recipients (campaign child workflow on a dev server, batches claimed from and settled in the store, notices
// rendered per person, pooled SMTP), both into the same counting SMTP sink in its own process. Prints both rates,
// their ratio, and the sink's duplicate and lost counts. The import of the N people is timed separately.
//   npm run bench:notify -- --recipients 100000 [--connections 5] [--batch 1000] [--store pglite:memory|postgres|<url>] [--mixed]
// --store postgres starts a throwaway PostgreSQL server (as the tests do), for runs too large for memory.
// --mixed: the receiving side misbehaves as it does in life: 1 % of the people are accepted and then bounced by a
// delivery status notification to their return path (to Breachline's bounce listener), and 0.5 % are at a domain
// that defers their first two attempts (450); the last line says whether every recipient ended delivered or
// bounced exactly once. The raw run is skipped: the figure that matters there is the outcome, not the rate.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import { listenForBounces } from '../activities/bounces';
import { CampaignSender } from '../activities/campaign';
import { storeSeconds } from '../activities/metrics';
import { Mailer } from '../activities/mail';
import { renderNotice } from '../activities/notices';
import { importRecipients } from '../activities/recipients';
import { openStore } from '../activities/store';
import { Breaches } from '../client/breaches';
import { startPostgres } from '../test/support/postgres';
import { devServerEnvironment, testCodec } from '../test/support/temporal';
import { bundleWorkflows, createBreachWorker } from '../worker/worker';

const { values } = parseArgs({
  options: {
    recipients: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '5' },
    batch: { type: 'string', default: '1000' },
    store: { type: 'string', default: 'pglite:memory' },
    mixed: { type: 'boolean', default: false },
  },
});
const mixed = values.mixed;
const BOUNCE_DOMAIN = 'bounces.bench.test';
const THROTTLED = 'throttled.bench.test';
const HARD_EVERY = 100;
const N = Number(values.recipients);
const connections = Number(values.connections);
const batchSize = Number(values.batch);

Runtime.install({ logger: new DefaultLogger('ERROR') });

// The sink, in its own process.
const sinkProcess = fork(new URL('./counting-sink.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'] });
const ask = <T>(type: string) =>
  new Promise<T>((resolve) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      sinkProcess.off('message', onMessage);
      resolve(message as T);
    };
    sinkProcess.on('message', onMessage);
    sinkProcess.send({ type });
  });
const { port } = await new Promise<{ port: number }>((resolve) => sinkProcess.once('message', resolve as never));
const smtpUrl = `smtp://127.0.0.1:${port}`;
const from = 'Breachline <bench@breachline.test>';
const address = (i: number) => (mixed && i % 200 === 1 ? `r${i}@${THROTTLED}` : `r${i}@bench.test`);

async function waitForSink(expected: number): Promise<void> {
  for (;;) {
    const { messages } = await ask<{ messages: number }>('counts');
    if (messages >= expected) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const notice = {
  companyName: 'Bench K.K.',
  incident: 'Synthetic incident.',
  cause: 'Synthetic cause.',
  secondaryDamage: 'None known so far.',
  measures: 'Synthetic measures.',
  advice: 'Synthetic advice.',
  contactDesk: { name: 'Desk', phone: '0120-000-000', hours: '24/7' },
};

// The dev server is up for both runs, so that they share the same machine.
const env = await devServerEnvironment();
const postgres = values.store === 'postgres' ? await startPostgres() : undefined;

// (a) Raw nodemailer: a pooled transport, the same connections, the same notice (rendered once, so the messages
// are the size Breachline sends), queued in slices of the batch size.
const raw = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: connections, maxMessages: Number.POSITIVE_INFINITY });
const sample = renderNotice(notice, { name: 'Person 0', locale: 'ja', dataCategories: ['name', 'email'] });
// CPU time of this process per message, beside the rates: a figure a busy shared machine disturbs far less.
const rawCpu = process.cpuUsage();
const rawStart = performance.now();
for (let from_ = 0; from_ < (mixed ? 0 : N); from_ += batchSize) {
  const slice = Array.from({ length: Math.min(batchSize, N - from_) }, (_, k) => from_ + k);
  await Promise.all(slice.map((i) => raw.sendMail({ from, to: address(i), subject: sample.subject, text: sample.text, html: sample.html })));
}
if (!mixed) await waitForSink(N);
const rawSeconds = (performance.now() - rawStart) / 1000;
const rawCpuMicros = ((c) => c.user + c.system)(process.cpuUsage(rawCpu));
raw.close();
await ask('reset');

// (b) Breachline: import, then a one-wave campaign approved at once, at an unlimited rate.
const store = await openStore(postgres?.url ?? values.store);
const taskQueue = `bench-notify-${randomUUID()}`;
const bounces = mixed ? await listenForBounces(store, { domain: BOUNCE_DOMAIN, port: 0 }) : undefined;
if (bounces) {
  sinkProcess.send({ type: 'mixed', bouncePort: bounces.port, throttled: THROTTLED, hardEvery: HARD_EVERY });
  await new Promise((resolve) => sinkProcess.once('message', resolve));
}
const sender = new CampaignSender(store, { smtpUrl, from, maxConnections: connections, ...(mixed ? { bounceDomain: BOUNCE_DOMAIN } : {}) });
const worker = await createBreachWorker({
  connection: env.nativeConnection,
  namespace: env.namespace ?? 'default',
  taskQueue,
  codec: testCodec,
  store,
  mailer: new Mailer({ smtpUrl, from, responders: ['responders@breachline.test'] }, store),
  sender,
  workflowBundle: await bundleWorkflows(),
});
const running = worker.run();
const breaches = new Breaches(env.client, taskQueue);
const { breachId } = await breaches.start({
  source: 'bench',
  eventId: randomUUID(),
  detectedAt: new Date().toISOString(),
  summary: 'Synthetic benchmark breach',
  facts: { jurisdictions: ['JP'], affectedCount: N },
});

function* rows() {
  for (let i = 0; i < N; i++)
    yield `${JSON.stringify({ id: `p${i}`, name: `Person ${i}`, email: address(i), locale: i % 2 ? 'en' : 'ja', dataCategories: ['name', 'email'] })}\n`;
}
const importStart = performance.now();
const imported = await importRecipients(store, breachId, Readable.from(rows()), 'jsonl');
const importSeconds = (performance.now() - importStart) / 1000;
if (imported.imported !== N) throw new Error(`imported ${imported.imported} of ${N}`);

const operator = { id: 'bench-operator@breachline.test' };
const { campaignId } = await breaches.startCampaign(breachId, {
  notice,
  waveSize: N,
  ratePerSecond: 100_000,
  batchSize,
  requestedBy: operator,
  ...(mixed ? { domainPacing: { backoffSeconds: 1, maxBackoffSeconds: 2 } } : {}),
});
for (;;) {
  const campaign = (await breaches.status(breachId)).campaigns[0];
  if (campaign?.waves[0]?.state === 'awaiting-approval') break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
// Memory while the wave is sent: this process holds the worker (and, on PGlite, the store); on PostgreSQL the
// store's backends are read from /proc (their peak resident set, which counts the shared buffers they touched).
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
const rssAtStart = process.memoryUsage().rss;
let workerPeakRss = rssAtStart;
const sampler = setInterval(() => (workerPeakRss = Math.max(workerPeakRss, process.memoryUsage().rss)), 250);
const pathCpu = process.cpuUsage();
const pathStart = performance.now();
await breaches.approveWave(breachId, { campaignId, wave: 1, approver: operator });
await waitForSink(N);
const pathSeconds = (performance.now() - pathStart) / 1000;
const pathCpuMicros = ((c) => c.user + c.system)(process.cpuUsage(pathCpu));
clearInterval(sampler);
async function storeMemory(): Promise<string> {
  if (!postgres) return values.store.startsWith('pglite') ? 'in the worker process' : 'not measured (remote server)';
  const { rows } = await store.sql.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'");
  const peaks = rows.flatMap(({ pid }) => {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return kb ? [Number(kb) * 1024] : [];
    } catch {
      return [];
    }
  });
  return `PostgreSQL backends peak ${mb(Math.max(0, ...peaks))} each (max of ${peaks.length}, incl. shared buffers touched)`;
}
const storeRss = await storeMemory();
// The ledger's statements on the mail path: how many, and the time they took (on PGlite, on the worker's thread).
const storeCalls = await storeSeconds.get().then(({ values: series }) =>
  ['deliveries-claim', 'deliveries-settle']
    .map((operation) => {
      const of = (name: string) => series.find((v) => v.metricName === name && v.labels.operation === operation)?.value ?? 0;
      return `${operation.slice('deliveries-'.length)} ${of('breachline_store_seconds_count')} statements, ${of('breachline_store_seconds_sum').toFixed(1)} s`;
    })
    .join('; '),
);
for (;;) {
  const campaign = (await breaches.status(breachId)).campaigns[0];
  if (campaign?.state === 'done') break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await new Promise((resolve) => setTimeout(resolve, 500)); // any late duplicate would arrive by now
const counts = await ask<{ messages: number; recipients: number; duplicates: number; dsnSent: number; deferred: number }>('counts');
let outcome: string | undefined;
if (mixed) {
  // The notifications come after the messages were accepted: wait until each one sent has been recorded.
  const hard = async () => (await store.recipients.bounceReports(campaignId)).find((r) => r.outcome === 'hard')?.n ?? 0;
  for (let i = 0; i < 600 && (await hard()) < counts.dsnSent; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  const byOutcome = (await store.recipients.deliveryCounts(campaignId))[1] ?? {};
  const sent = byOutcome.sent ?? 0;
  const bounced = byOutcome.bounced ?? 0;
  const other = Object.entries(byOutcome).filter(([k]) => k !== 'sent' && k !== 'bounced');
  const once = sent + bounced === N && bounced === counts.dsnSent && counts.duplicates === 0 && counts.recipients === N && other.every(([, n]) => n === 0);
  outcome = `mixed: delivered=${sent} bounced=${bounced} (DSNs sent ${counts.dsnSent}, recorded ${await hard()}) deferrals=${counts.deferred} at ${THROTTLED}; duplicates=${counts.duplicates} lost=${N - counts.recipients}; every recipient delivered or bounced exactly once: ${once ? 'yes' : `NO (${JSON.stringify(byOutcome)})`}`;
}
// The wave's whole history: every run of the campaign (it continues as new at its bound), events summed.
const history = { runs: 0, events: 0 };
for await (const run of env.client.workflow.list({ query: `WorkflowId = '${campaignId}'` })) {
  history.runs++;
  history.events += run.historyLength;
}

worker.shutdown();
await running;
sender.close();
await bounces?.close();
await store.close();
await postgres?.stop();
await env.teardown();
sinkProcess.send({ type: 'stop' });

const rawRate = N / rawSeconds;
const pathRate = N / pathSeconds;
console.log(`recipients=${N} connections=${connections} batch=${batchSize} store=${values.store}`);
console.log(`import: ${(N / importSeconds).toFixed(0)} rows/s (${importSeconds.toFixed(1)} s)`);
if (!mixed) console.log(`(a) raw nodemailer pooled: ${rawRate.toFixed(0)} msg/s (${rawSeconds.toFixed(1)} s)`);
console.log(
  `(b) breachline campaign:   ${pathRate.toFixed(0)} msg/s (${pathSeconds.toFixed(1)} s), campaign history ${history.events} events in ${history.runs} run(s)`,
);
console.log(
  `cpu of this process: ${mixed ? '' : `raw ${(rawCpuMicros / N).toFixed(0)} µs/msg, `}breachline ${(pathCpuMicros / N).toFixed(0)} µs/msg (worker${postgres || !values.store.startsWith('pglite') ? '' : ' and store'})`,
);
console.log(`store on the mail path: ${storeCalls}`);
console.log(`memory: worker process rss ${mb(rssAtStart)} at approval, peak ${mb(workerPeakRss)} while sending; store: ${storeRss}`);
if (outcome) console.log(outcome);
else console.log(`ratio=${(pathRate / rawRate).toFixed(2)} duplicates=${counts.duplicates} lost=${N - counts.recipients}`);
