// Fault test: the worker process (`breachline worker`, as production runs it) is killed with SIGKILL in the middle of
// a wave, and a new one started. The store is PostgreSQL (a real server that survives the kill), the SMTP server a
// real one that keeps one message per Message-ID, as mailbox stores do. At the end every person has exactly one
// notice and nobody is missing. The few messages in flight at the kill (answered by the server, not yet settled in
// the ledger) are sent again by the new worker: the test checks that each such copy is the same message, with the
// same Message-ID, and how many there were.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRecipients } from '../activities/recipients';
import { openStore, type Store } from '../activities/store';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import type { CampaignStatus } from '../workflows/definitions';
import { type Postgres, startPostgres } from './support/postgres';
import { devServerEnvironment, TEST_CODEC_KEY } from './support/temporal';
import { syntheticNotice } from './fixtures/notice';

const PEOPLE = 300;
let env: TestWorkflowEnvironment;
let sink: MailSink;
let postgres: Postgres;
let store: Store;
const workers: ChildProcess[] = [];
const taskQueue = `fault-${randomUUID()}`;

beforeAll(async () => {
  [env, sink, postgres] = await Promise.all([devServerEnvironment(), startMailSink({ dedupeByMessageId: true }), startPostgres()]);
  store = await openStore(postgres.url);
}, 120_000);

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await store?.close();
  await postgres?.stop();
  await sink?.close();
  await env?.teardown();
});

/** `breachline worker` in its own process, configured only through the environment, as in production. */
function startWorkerProcess(): ChildProcess {
  const worker = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'breachline.mjs'), 'worker'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      BREACHLINE_TASK_QUEUE: taskQueue,
      BREACHLINE_STORE_URL: postgres.url,
      BREACHLINE_SMTP_URL: sink.url,
      BREACHLINE_CODEC_KEY: TEST_CODEC_KEY.toString('base64'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  worker.stderr.on('data', (chunk) => (stderr += chunk));
  worker.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL') console.error(`worker exited ${code ?? signal}:\n${stderr}`);
  });
  workers.push(worker);
  return worker;
}

const mine = () => sink.messages.filter((m) => m.envelopeTo[0]?.endsWith('@fault.example.test'));

describe('a worker killed mid-wave (SIGKILL)', () => {
  it('ends with every person mailed exactly once after a new worker takes over', async () => {
    const breaches = new Breaches(env.client, taskQueue);
    const { breachId } = await breaches.start({
      source: 'fault-test',
      eventId: randomUUID(),
      detectedAt: new Date().toISOString(),
      summary: 'Synthetic: customer table copied',
      facts: { jurisdictions: ['JP'], affectedCount: PEOPLE },
    });
    const rows = Array.from({ length: PEOPLE }, (_, i) =>
      JSON.stringify({ id: `f${i}`, name: `Person ${i}`, email: `f${i}@fault.example.test`, locale: 'en', dataCategories: ['email'] }),
    );
    expect((await importRecipients(store, breachId, Readable.from([rows.join('\n')]), 'jsonl')).imported).toBe(PEOPLE);

    const first = startWorkerProcess();
    const { campaignId } = await breaches.startCampaign(breachId, {
      notice: syntheticNotice('Fault K.K.'),
      waveSize: PEOPLE,
      ratePerSecond: 60,
      batchSize: 40,
      requestedBy: { id: 'olga@example.test' },
    });
    const campaign = async (): Promise<CampaignStatus | undefined> => (await breaches.status(breachId)).campaigns[0];
    for (let i = 0; (await campaign())?.waves[0]?.state !== 'awaiting-approval'; i++) {
      if (i > 600) throw new Error('the campaign never asked for approval');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await breaches.approveWave(breachId, { campaignId, wave: 1, approver: { id: 'olga@example.test' } });

    // Mid-wave: a third of the people mailed, the rest still to go, a batch in flight.
    for (let i = 0; mine().length < PEOPLE / 3; i++) {
      if (i > 600) throw new Error(`only ${mine().length} mails after a minute`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const atKill = mine().length;
    expect(atKill).toBeLessThan(PEOPLE);

    startWorkerProcess();
    for (let i = 0; (await campaign())?.state !== 'done'; i++) {
      if (i > 900) throw new Error(`the campaign did not finish after the restart: ${JSON.stringify(await campaign())}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const received = mine().map((m) => m.envelopeTo[0]!);
    const perPerson = new Map<string, number>();
    for (const address of received) perPerson.set(address, (perPerson.get(address) ?? 0) + 1);
    const missing = Array.from({ length: PEOPLE }, (_, i) => `f${i}@fault.example.test`).filter((a) => !perPerson.has(a));
    const twice = [...perPerson].filter(([, n]) => n > 1).map(([a]) => a);
    expect(missing).toEqual([]);
    expect(twice).toEqual([]);
    expect(received).toHaveLength(PEOPLE);
    expect((await campaign())!.waves[0]).toMatchObject({ sent: PEOPLE, pending: 0, bounced: 0 });
    // Copies sent again after the kill: each the same message (same Message-ID) as one already delivered, and no
    // more than one batch's worth.
    const resent = sink.suppressed.filter((m) => m.envelopeTo[0]?.endsWith('@fault.example.test'));
    const delivered = new Map(mine().map((m) => [m.envelopeTo[0], m.messageId]));
    for (const copy of resent) expect(copy.messageId).toBe(delivered.get(copy.envelopeTo[0]));
    expect(resent.length).toBeLessThanOrEqual(40);
    console.log(`fault test: killed after ${atKill} of ${PEOPLE}; ${resent.length} in-flight message(s) sent again with the same Message-ID and kept once`);
    const ledger = await store.sql.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM delivery WHERE campaign_id = $1 GROUP BY status', [
      campaignId,
    ]);
    expect(ledger.rows.map((r) => [r.status, Number(r.n)])).toEqual([['sent', PEOPLE]]);
  }, 240_000);
});
