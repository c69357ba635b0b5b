// `npm run test:production`: Breachline as a company runs it. PostgreSQL; a Temporal server built from Go on it
// (not the dev server) behind mutual TLS; `breachline setup`; two workers and two API processes from the compiled
// build under plain `node`, all on one PostgreSQL store. Breaches come in through both APIs; a worker is killed
// mid-wave, an API process is killed, and the Temporal server is restarted in the middle: every person is still
// mailed exactly once (SMTP sink and delivery ledger agree), no deadline moves, and an escalation timer set to fire
// after the restart (a policy ladder step at 0.03 % of the GDPR's 72 hours: 78 s after awareness) fires on time.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { importRecipients } from '../activities/recipients';
import { openStore, type Store } from '../activities/store';
import { Tokens } from '../client/auth';
import { BreachIds } from '../client/breach-ids';
import { Breaches, connectClient } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { Worker } from '@temporalio/worker';
import * as proto from '@temporalio/proto';
import { loadTemporalConnection } from '../worker/connection';
import type { CampaignStatus } from '../workflows/definitions';
import { freePorts } from './support/ports';
import { type Postgres, startPostgres } from './support/postgres';
import { TEST_CODEC_KEY, testCodec } from './support/temporal';
import { makePki, setupPostgresSchemas, startTemporalServer, type TemporalServer, tlsEnv } from './support/temporal-server';
import { syntheticNotice } from './fixtures/notice';

const DIST = join(import.meta.dirname, '..', 'dist', 'breachline.mjs');
const BUNDLE = join(import.meta.dirname, '..', 'dist', 'workflow-bundle.js');
const PEOPLE = 300;
/** The GDPR clock's first escalation, moved by the policy from 50 % of 72 h to 0.03 %: 77.8 s after awareness. */
const EARLY_STEP = { obligation: 'EU-GDPR/supervisory-authority', atPercent: 0.03, step: 'at-0.03%' };
/** How late a timer may fire and still be on time: the worker's poll and the escalation mail's round trip. */
const ON_TIME_MS = 15_000;
const ID_KEY = randomBytes(32);
const started = Date.now();
let failed = false;
let postgres: Postgres;
let server: TemporalServer;
let sink: MailSink;
let store: Store;
let baseEnv: Record<string, string>;
/** What the failing run's histories are fetched with, to be kept for replay (see afterAll). */
let historyOf: ((workflowId: string) => Promise<Uint8Array>) | undefined;
const workflowIds: string[] = [];
const processes: { role: string; child: ChildProcess; output: () => string; env: Record<string, string> }[] = [];

function log(line: string) {
  console.log(`[production ${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`);
}

async function startProcess(role: 'worker' | 'api', extra: Record<string, string> = {}) {
  // Each worker serves its own /metrics: two on one machine need two ports.
  if (role === 'worker' && !extra.BREACHLINE_WORKER_METRICS_PORT) extra = { ...extra, BREACHLINE_WORKER_METRICS_PORT: String((await freePorts(1))[0]) };
  const child = spawn(process.execPath, [DIST, role], { env: { ...process.env, ...baseEnv, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const entry = { role, child, output: () => output, env: extra };
  processes.push(entry);
  const ready = role === 'worker' ? /breachline worker: task queue/ : /breachline api: http/;
  for (let waited = 0; !ready.test(output); waited += 100) {
    if (child.exitCode !== null || waited > 180_000) throw new Error(`breachline ${role} did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return entry;
}

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error('no dist/: run `npm run build` (npm run test:production does)');
  [postgres, sink] = await Promise.all([startPostgres(), startMailSink({ dedupeByMessageId: true })]);
  const { hostname, port, username } = new URL(postgres.url);
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('CREATE DATABASE breachline');
  await admin.end();
  const storeUrl = postgres.url.replace(/\/postgres$/, '/breachline');
  let step = Date.now();
  await setupPostgresSchemas({ kind: 'postgres', host: hostname, port: Number(port), user: username });
  log(`temporal schemas installed with temporal-sql-tool in ${Date.now() - step} ms`);
  const pki = await makePki();
  step = Date.now();
  server = await startTemporalServer({ persistence: { kind: 'postgres', host: hostname, port: Number(port), user: username }, pki });
  log(`temporal-server on PostgreSQL with mutual TLS up in ${Date.now() - step} ms at ${server.address}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'breachline-production-'));
  const policyFile = join(dataDir, 'policy.json');
  writeFileSync(
    policyFile,
    JSON.stringify({
      ladders: {
        [EARLY_STEP.obligation]: {
          before: [{ atPercent: EARLY_STEP.atPercent, audience: 'owner' }],
          overdue: { audience: 'executive', everyHours: 24, times: 1 },
        },
      },
    }),
  );
  baseEnv = {
    HOME: '/nonexistent',
    BREACHLINE_POLICY: policyFile,
    BREACHLINE_OWNER: 'owner@ops.example.test',
    TEMPORAL_ADDRESS: server.address,
    ...tlsEnv(pki),
    BREACHLINE_STORE_URL: storeUrl,
    BREACHLINE_SMTP_URL: sink.url,
    BREACHLINE_CODEC_KEY: TEST_CODEC_KEY.toString('base64'),
    BREACHLINE_ID_KEY: ID_KEY.toString('base64'),
    BREACHLINE_DATA_DIR: dataDir,
  };
  const setup = await promisify(execFile)(process.execPath, [DIST, 'setup'], { env: { ...process.env, ...baseEnv } });
  log(`breachline setup:\n${setup.stdout}`);
  store = await openStore(storeUrl);
}, 600_000);

afterAll(async () => {
  // Each process's last lines when the test failed (or when asked): what a worker or an API said is the diagnosis.
  if (failed || process.env.BREACHLINE_TEST_VERBOSE) for (const { role, output } of processes) console.log(`--- ${role}\n${output().slice(-6000)}`);
  // A failed run's histories are its reproduction: each kept as encoded protobuf, as test/fixtures/histories holds
  // them, to replay with Worker.runReplayHistory. The afterAll runs before the server stops.
  if (failed && historyOf) {
    const dir = mkdtempSync(join(tmpdir(), 'breachline-failed-histories-'));
    // The run's codec key (random, for synthetic data only): the payloads are sealed with it.
    writeFileSync(join(dir, 'codec.key'), TEST_CODEC_KEY.toString('base64'));
    for (const workflowId of workflowIds) {
      const history = await historyOf(workflowId).catch(() => undefined);
      if (history) writeFileSync(join(dir, `${workflowId.replace(/[^\w.-]/g, '_')}.bin`), history);
    }
    log(`the histories of this run are kept in ${dir}`);
  }
  for (const { child } of processes) if (child.exitCode === null) child.kill('SIGKILL');
  await store?.close();
  await server?.stop();
  await sink?.close();
  await postgres?.stop();
  log('done');
});

const mine = () => sink.messages.filter((m) => m.envelopeTo[0]?.endsWith('@prod.example.test'));

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (done(value)) return value;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('production: PostgreSQL, mutual TLS, two workers, two APIs', () => {
  it('runs breaches through both APIs and mails everyone exactly once through a killed worker, a killed API and a server restart', async () => {
    onTestFailed(() => void (failed = true));
    const [portA, portB] = (await freePorts(2)) as [number, number];
    // The first worker alone until mid-wave: it holds every breach in its cache and the wave's sending call when it is
    // killed, the harder case for the second, which must take over all of it.
    const workers = [await startProcess('worker')];
    const [apiA, apiB] = await Promise.all([
      startProcess('api', { BREACHLINE_API_PORT: String(portA) }),
      startProcess('api', { BREACHLINE_API_PORT: String(portB) }),
    ]);
    log('a worker and two API processes (node dist/breachline.mjs) are up; a second worker joins mid-wave');
    const tokens = new Tokens(store);
    const detector = await tokens.issue('detector@prod.example.test', ['detector']);
    const manager = await tokens.issue('manager@prod.example.test', ['manager']);
    const post = (port: number, eventId: string) =>
      fetch(`http://127.0.0.1:${port}/breaches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${detector}` },
        body: JSON.stringify({
          source: 'prod-test',
          eventId,
          detectedAt: new Date().toISOString(),
          summary: 'Synthetic',
          facts: { jurisdictions: ['JP', 'DE'], affectedCount: PEOPLE },
        }),
      });
    const statusVia = async (port: number, id: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/breaches/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${manager}` } });
      if (response.status !== 200) throw new Error(`GET status ${response.status}: ${await response.text()}`);
      return (await response.json()) as {
        obligations: {
          id: string;
          dueAt?: string;
          status: string;
          escalations: { step: string; at: string }[];
          nextEscalation?: { step: string; at: string };
        }[];
      };
    };

    // Breaches through both APIs; the same detection through the other API is the same breach (shared id key).
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const eventId = randomUUID();
      const response = await post(i % 2 ? portB : portA, eventId);
      expect(response.status, await response.clone().text()).toBe(201);
      const { breachId } = (await response.json()) as { breachId: string };
      ids.push(breachId);
      workflowIds.push(breachId);
      const again = await post(i % 2 ? portA : portB, eventId);
      expect(((await again.json()) as { breachId: string }).breachId).toBe(breachId);
    }
    const before = await Promise.all(
      ids.map((id) =>
        until(
          'status',
          () => statusVia(portB, id),
          (s) => s.obligations.length > 0,
        ),
      ),
    );
    log(`${ids.length} breaches through both APIs, each readable through the other`);

    // A wave of notices on the first breach, by the in-process client over the same mutual TLS.
    const client = await connectClient({ ...loadTemporalConnection(baseEnv), codec: testCodec });
    const breaches = new Breaches(client, 'breachline', { ids: new BreachIds(ID_KEY) });
    historyOf = async (workflowId) => {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      return proto.temporal.api.history.v1.History.encode(history).finish();
    };
    const breachId = ids[0]!;
    const rows = Array.from({ length: PEOPLE }, (_, i) =>
      JSON.stringify({ id: `p${i}`, name: `Person ${i}`, email: `p${i}@prod.example.test`, locale: 'en', dataCategories: ['email'] }),
    );
    expect((await importRecipients(store, breachId, Readable.from([rows.join('\n')]), 'jsonl')).imported).toBe(PEOPLE);
    const { campaignId } = await breaches.startCampaign(breachId, {
      notice: syntheticNotice('Prod K.K.'),
      waveSize: PEOPLE,
      ratePerSecond: 30,
      batchSize: 20,
      requestedBy: { id: 'olga@prod.example.test' },
    });
    const campaign = async (): Promise<CampaignStatus | undefined> => (await breaches.status(breachId)).campaigns[0];
    await until('approval request', campaign, (c) => c?.waves[0]?.state === 'awaiting-approval');
    await breaches.approveWave(breachId, { campaignId, wave: 1, approver: { id: 'olga@prod.example.test' } });
    workflowIds.push(campaignId);

    await until(
      'a quarter of the wave',
      () => Promise.resolve(mine().length),
      (n) => n >= PEOPLE / 4,
    );
    workers.push(await startProcess('worker'));
    // One worker only: the other keeps the wave going, and the killed one leaves the batch it held.
    workers[0]!.child.kill('SIGKILL');
    log(`worker 1 killed (SIGKILL) after ${mine().length} of ${PEOPLE} mails`);
    apiA.child.kill('SIGKILL');
    log('API A killed (SIGKILL)');
    await until(
      'half the wave',
      () => Promise.resolve(mine().length),
      (n) => n >= PEOPLE / 2,
    );
    await server.stop();
    log(`Temporal server stopped after ${mine().length} mails`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await server.start();
    const restartedAt = Date.now();
    log('Temporal server started again');

    await until('the wave to finish', campaign, (c) => c?.state === 'done', 600_000);
    log('the wave finished');

    const perPerson = new Map<string, number>();
    for (const m of mine()) perPerson.set(m.envelopeTo[0]!, (perPerson.get(m.envelopeTo[0]!) ?? 0) + 1);
    const missing = Array.from({ length: PEOPLE }, (_, i) => `p${i}@prod.example.test`).filter((a) => !perPerson.has(a));
    expect(missing).toEqual([]);
    expect([...perPerson].filter(([, n]) => n > 1)).toEqual([]);
    const ledger = await store.sql.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM delivery WHERE campaign_id = $1 GROUP BY status', [
      campaignId,
    ]);
    expect(ledger.rows.map((r) => [r.status, Number(r.n)])).toEqual([['sent', PEOPLE]]);
    const resent = sink.suppressed.filter((m) => m.envelopeTo[0]?.endsWith('@prod.example.test')).length;
    log(`exactly once: ${PEOPLE} people, ${PEOPLE} mails kept; ${resent} in-flight copies sent again with the same Message-ID`);

    // Deadlines did not move through the kills and the restart; the surviving API still answers for every breach.
    const after = await Promise.all(ids.map((id) => statusVia(portB, id)));
    for (const [i, status] of after.entries()) {
      const due = (s: typeof status) => s.obligations.map((o) => [o.id, o.dueAt]);
      expect(due(status)).toEqual(due(before[i]!));
    }

    // The early GDPR escalation of each breach, scheduled before the restart to fire after it, fires on time.
    const scheduled = before.map((status) => {
      const gdpr = status.obligations.find((o) => o.id === EARLY_STEP.obligation);
      expect(gdpr?.nextEscalation?.step).toBe(EARLY_STEP.step);
      return Date.parse(gdpr!.nextEscalation!.at);
    });
    expect(Math.min(...scheduled), 'the escalations were due after the server restart').toBeGreaterThan(restartedAt);
    const ownerMails = await until(
      `the early escalations (${ids.length} due at ${scheduled.map((at) => new Date(at).toISOString()).join(', ')})`,
      () => Promise.resolve(sink.messages.filter((m) => m.envelopeTo.includes('owner@ops.example.test'))),
      (mails) => mails.length >= ids.length,
      Math.max(...scheduled) - Date.now() + 120_000,
    ).catch(async (error: unknown) => {
      const statuses = await Promise.all(ids.map((id) => statusVia(portB, id).catch((e: Error) => e.message)));
      for (const [i, status] of statuses.entries()) {
        const gdpr = typeof status === 'string' ? status : status.obligations.find((o) => o.id === EARLY_STEP.obligation);
        log(`breach ${i}: ${JSON.stringify(typeof gdpr === 'string' ? gdpr : { escalations: gdpr?.escalations, next: gdpr?.nextEscalation })}`);
      }
      log(`owner mails: ${sink.messages.filter((m) => m.envelopeTo.includes('owner@ops.example.test')).length}`);
      throw error;
    });
    // The mail leaves inside the escalation's activity; the breach records the escalation when that activity has
    // answered, a workflow task later. Wait for that record rather than read a status the mail arrived ahead of.
    const escalationOf = (status: Awaited<ReturnType<typeof statusVia>>) =>
      status.obligations.find((o) => o.id === EARLY_STEP.obligation)?.escalations.find((e) => e.step === EARLY_STEP.step);
    const sent = (
      await until(
        'the early escalations recorded in every breach’s status',
        () => Promise.all(ids.map((id) => statusVia(portB, id))),
        (statuses) => statuses.every((status) => escalationOf(status) !== undefined),
        60_000,
      )
    ).map((status) => escalationOf(status)!);
    const late = sent.map((record, i) => Date.parse(record.at) - scheduled[i]!);
    const arrivals = ownerMails.map((m) => m.receivedAt.getTime()).sort((a, b) => a - b);
    const mailLate = [...scheduled].sort((a, b) => a - b).map((at, i) => arrivals[i]! - at);
    log(`early escalations fired ${late.map((ms) => `${ms} ms`).join(', ')} after their instants; mailed ${mailLate.map((ms) => `${ms} ms`).join(', ')} after`);
    for (const ms of [...late, ...mailLate]) {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(ON_TIME_MS);
    }
    expect(ownerMails).toHaveLength(ids.length);

    // The surviving worker's /metrics carries Breachline's figures and the Temporal SDK's, in one scrape.
    const metrics = await (await fetch(`http://127.0.0.1:${workers[1]!.env.BREACHLINE_WORKER_METRICS_PORT}/metrics`)).text();
    expect(metrics).toMatch(/^breachline_mails_sent_total\b.* [1-9]\d*$/m);
    expect(metrics).toMatch(/^breachline_escalations_sent_total\b.* [1-9]\d*$/m);
    expect(metrics).toMatch(/^temporal_/m);

    const replacement = await startProcess('api', { BREACHLINE_API_PORT: String(portA) });
    expect((await statusVia(portA, ids[1]!)).obligations.length).toBeGreaterThan(0);
    log('a replacement API on the killed one’s port answers');
    expect(apiB.child.exitCode).toBeNull();
    expect(replacement.child.exitCode).toBeNull();
    // Every breach's history, as recorded through the kill and the restart, replays with the built workflow code:
    // what a worker that takes a breach over does, checked on each history rather than left to the timing of a run.
    const histories = await Promise.all(
      workflowIds.map(async (workflowId) => ({ workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory() })),
    );
    const replays = Worker.runReplayHistories({ workflowBundle: { codePath: BUNDLE }, dataConverter: { payloadCodecs: [testCodec] } }, histories);
    const replayed: string[] = [];
    for await (const { workflowId, error } of replays) replayed.push(error ? `${workflowId}: ${error.message}` : 'ok');
    expect(replayed).toEqual(histories.map(() => 'ok'));
    log(`${histories.length} histories replay with the built workflow code`);
    await client.connection.close();
  });
});
