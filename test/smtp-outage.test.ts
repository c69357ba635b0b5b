// A long SMTP outage in the middle of a wave, on the time-skipping server: the campaign's SMTP server (a real one on
// loopback) is stopped after some notices have left and stays down for 20 minutes, longer than MAX_ATTEMPTS rounds
// of deferral backoff (about 16 minutes) would take. Nobody may be counted as unreachable for it: the wave waits,
// visibly, tells the breach owner once, probes the server, and resumes when it answers.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignSender } from '../activities/campaign';
import { Mailer } from '../activities/mail';
import { importRecipients } from '../activities/recipients';
import { openStore, type Store } from '../activities/store';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows, createBreachWorker } from '../worker/worker';
import type { Wave } from '../workflows/campaign';
import type { CampaignStatus } from '../workflows/definitions';
import { startTestSmtp, type TestSmtp } from './support/smtp';
import { testCodec, timeSkippingEnvironment } from './support/temporal';
import { syntheticNotice } from './fixtures/notice';

const PEOPLE = 40;
const OWNER = 'owner@example.test';
const FROM = 'Breachline <breachline@example.test>';
let env: TestWorkflowEnvironment;
let smtp: TestSmtp;
let ownerMail: MailSink;
let store: Store;
let sender: CampaignSender;
let mailer: Mailer;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `outage-${randomUUID()}`;
/** One relay for everything, as many deployments have: the owner's outage mail is stuck behind the same outage. */
let relay: TestSmtp;
let relayWorker: { worker: Worker; running: Promise<void>; sender: CampaignSender; mailer: Mailer };
const relayQueue = `outage-relay-${randomUUID()}`;

beforeAll(async () => {
  // The campaign's server goes down right after the 15th notice is accepted.
  [env, smtp, ownerMail, store] = await Promise.all([
    timeSkippingEnvironment(),
    startTestSmtp({ onAccepted: (n) => void (n === 15 && smtp.down()) }),
    startMailSink(),
    openStore('pglite:memory'),
  ]);
  sender = new CampaignSender(store, { smtpUrl: smtp.url, from: FROM, maxConnections: 2 });
  // The owner's mail leaves through another server that stays up, so the escalation can be counted.
  mailer = new Mailer({ smtpUrl: ownerMail.url, from: FROM, responders: ['responders@example.test'], owner: [OWNER] }, store);
  worker = await createBreachWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    codec: testCodec,
    store,
    mailer,
    sender,
    workflowBundle: await bundleWorkflows(),
  });
  running = worker.run();

  relay = await startTestSmtp({ onAccepted: (n) => void (n === 5 && relay.down()) });
  const relaySender = new CampaignSender(store, { smtpUrl: relay.url, from: FROM, maxConnections: 2 });
  const relayMailer = new Mailer({ smtpUrl: relay.url, from: FROM, responders: ['responders@example.test'], owner: [OWNER] }, store);
  const relayed = await createBreachWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: relayQueue,
    codec: testCodec,
    store,
    mailer: relayMailer,
    sender: relaySender,
    workflowBundle: await bundleWorkflows(),
  });
  relayWorker = { worker: relayed, running: relayed.run(), sender: relaySender, mailer: relayMailer };
});

afterAll(async () => {
  worker?.shutdown();
  relayWorker?.worker.shutdown();
  await Promise.all([running, relayWorker?.running]);
  sender?.close();
  mailer?.close();
  relayWorker?.sender.close();
  relayWorker?.mailer.close();
  await Promise.all([smtp?.close(), ownerMail?.close(), relay?.close()]);
  await store?.close();
  await env?.teardown();
});

/** A breach of PEOPLE people at <tag>.example.test with one campaign of one wave, approved; and a poll of that wave. */
async function approvedWave(queue: string, tag: string) {
  const breaches = new Breaches(env.client, queue);
  const { breachId } = await breaches.start({
    source: 'outage-test',
    eventId: randomUUID(),
    detectedAt: new Date(await env.currentTimeMs()).toISOString(),
    summary: 'Synthetic: order database copied',
    facts: { jurisdictions: ['JP'], affectedCount: PEOPLE, dataCategories: ['name', 'email'] },
  });
  const rows = Array.from({ length: PEOPLE }, (_, i) =>
    JSON.stringify({ id: `o${i}`, name: `Person ${i}`, email: `o${i}@${tag}.example.test`, locale: 'en', dataCategories: ['email'] }),
  );
  await importRecipients(store, breachId, Readable.from([rows.join('\n')]), 'jsonl');
  const operator = { id: 'olga@example.test' };
  const { campaignId } = await breaches.startCampaign(breachId, {
    notice: syntheticNotice('Outage K.K.'),
    waveSize: PEOPLE,
    batchSize: 10,
    ratePerSecond: 200,
    unreachableThreshold: 0.05,
    requestedBy: operator,
  });
  const wave = async (): Promise<Wave> => ((await breaches.status(breachId)).campaigns[0] as CampaignStatus).waves[0] as Wave;
  const until = async (what: string, done: (w: Wave | undefined) => boolean): Promise<Wave> => {
    for (let i = 0; i < 300; i++) {
      const current = (await breaches.status(breachId)).campaigns[0]?.waves[0];
      if (done(current)) return current!;
      await env.sleep(1000);
    }
    throw new Error(`the wave never ${what}: ${JSON.stringify(await wave())}`);
  };
  await until('awaited approval', (w) => w?.state === 'awaiting-approval');
  await breaches.approveWave(breachId, { campaignId, wave: 1, approver: operator });
  return { breaches, breachId, campaignId, wave, until };
}

describe('an SMTP outage in the middle of a wave', () => {
  it('pauses the wave visibly, tells the owner once, and resumes: nobody bounced, mailed twice, or missed', async () => {
    const { breaches, breachId, campaignId, wave, until } = await approvedWave(taskQueue, 'outage');
    const paused = await until('showed the outage', (w) => Boolean(w?.outage));
    expect(paused.outage!.reason).toMatch(/^the SMTP server (cannot be reached|is unavailable): /);
    expect(paused.outage!.reason).not.toContain('@');
    expect(smtp.received.length).toBeLessThan(PEOPLE);

    // Twenty minutes of server time: five rounds of deferral backoff would have given everyone up by now.
    await env.sleep(20 * 60_000);
    const during = await wave();
    expect(during.outage).toMatchObject({ since: paused.outage!.since, escalation: 'sent' });
    expect(during).toMatchObject({ state: 'sending', bounced: 0 });
    expect(during.sent).toBeLessThan(PEOPLE);
    const attempts = await store.sql.query<{ max: number }>('SELECT max(attempts) AS max FROM delivery WHERE campaign_id = $1', [campaignId]);
    expect(Number(attempts.rows[0]!.max)).toBeLessThanOrEqual(1);

    await smtp.up();
    const done = await until('finished', (w) => w?.state === 'done');
    expect(done).toMatchObject({ sent: PEOPLE, bounced: 0, deferred: 0, pending: 0, postal: 0 });
    expect(done.outage).toBeUndefined();
    const status = await breaches.status(breachId);
    expect(status.campaigns[0]!.unreachable).toBe(0);
    expect(status.obligations.some((o) => o.id === 'JP-APPI/substitute-notice')).toBe(false);

    // Everyone exactly once: a notice in flight when the server stopped may arrive again, but only as the same message.
    const perPerson = new Map<string, Set<string | undefined>>();
    for (const m of smtp.received) perPerson.set(m.to, (perPerson.get(m.to) ?? new Set()).add(m.messageId));
    expect([...perPerson.keys()].sort()).toEqual(Array.from({ length: PEOPLE }, (_, i) => `o${i}@outage.example.test`).sort());
    expect([...perPerson.values()].filter((ids) => ids.size > 1)).toEqual([]);
    expect(smtp.received.length - PEOPLE).toBeLessThanOrEqual(4);

    // Probed with backoff while down: 30 s, doubling, at most 5 minutes.
    const history = await env.client.workflow.getHandle(campaignId).fetchHistory();
    const probes = history.events!.flatMap((e) => (e.timerStartedEventAttributes ? [Number(e.timerStartedEventAttributes.startToFireTimeout!.seconds)] : []));
    expect(probes.slice(0, 6)).toEqual([30, 60, 120, 240, 300, 300]);

    const told = ownerMail.messages.filter((m) => m.envelopeTo.includes(OWNER));
    expect(told).toHaveLength(1);
    expect(told[0]!.subject).toContain('Mail server down: wave 1 paused');
    expect(told[0]!.text).not.toContain('outage.example.test');
    const ledger = await store.sql.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM delivery WHERE campaign_id = $1 GROUP BY status', [
      campaignId,
    ]);
    expect(ledger.rows.map((r) => [r.status, Number(r.n)])).toEqual([['sent', PEOPLE]]);
  }, 300_000);

  it('carries on when the owner cannot be told because the same relay is down, and shows that the mail failed', async () => {
    const { breaches, breachId, wave, until } = await approvedWave(relayQueue, 'relay');
    await until('showed the outage', (w) => Boolean(w?.outage));
    await env.sleep(20 * 60_000);
    const during = await wave();
    expect(during.outage).toMatchObject({ escalation: 'failed' });
    expect(during.outage!.escalationError).toMatch(/the SMTP server (cannot be reached|is unavailable)/);
    expect(during.bounced).toBe(0);

    await relay.up();
    const done = await until('finished', (w) => w?.state === 'done');
    expect(done).toMatchObject({ sent: PEOPLE, bounced: 0, pending: 0 });
    expect(new Set(relay.received.filter((m) => m.to.endsWith('@relay.example.test')).map((m) => m.to)).size).toBe(PEOPLE);
    // The outage mail is not sent late, after the outage it was about.
    expect(relay.received.filter((m) => m.to === OWNER)).toEqual([]);
    const after = await breaches.status(breachId);
    expect(after.campaigns[0]!.unreachable).toBe(0);
    // The breach's own timeline tells the outage and its end, once each.
    expect(after.timeline.filter((t) => t.kind === 'wave-outage' || t.kind === 'wave-resumed').map((t) => t.kind)).toEqual(['wave-outage', 'wave-resumed']);
  }, 300_000);
});
