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
import { type MailSink, startMailSink } from '../dev/mail-sink';
import { bundleWorkflows, createBreachWorker } from '../worker/worker';
import type { Wave } from '../workflows/campaign';
import type { CampaignStatus } from '../workflows/definitions';
import { startTestSmtp, type TestSmtp } from './support/smtp';
import { testCodec, timeSkippingEnvironment } from './support/temporal';

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
  worker = await createBreachWorker({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, codec: testCodec, store, mailer, sender, workflowBundle: await bundleWorkflows() });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  sender?.close();
  mailer?.close();
  await Promise.all([smtp?.close(), ownerMail?.close()]);
  await store?.close();
  await env?.teardown();
});

describe('an SMTP outage in the middle of a wave', () => {
  it('pauses the wave visibly, tells the owner once, and resumes: nobody bounced, mailed twice, or missed', async () => {
    const breaches = new Breaches(env.client, taskQueue);
    const { breachId } = await breaches.start({
      source: 'outage-test',
      eventId: randomUUID(),
      detectedAt: new Date(await env.currentTimeMs()).toISOString(),
      summary: 'Synthetic: order database copied',
      facts: { jurisdictions: ['JP'], affectedCount: PEOPLE, dataCategories: ['name', 'email'] },
    });
    const rows = Array.from({ length: PEOPLE }, (_, i) => JSON.stringify({ id: `o${i}`, name: `Person ${i}`, email: `o${i}@outage.example.test`, locale: 'en', dataCategories: ['email'] }));
    await importRecipients(store, breachId, Readable.from([rows.join('\n')]), 'jsonl');
    const operator = { id: 'olga@example.test' };
    const { campaignId } = await breaches.startCampaign(breachId, {
      notice: { companyName: 'Outage K.K.', incident: 'Synthetic.', measures: 'Synthetic.', advice: 'Synthetic.', contactDesk: { name: 'Desk', hours: '24/7' } },
      waveSize: PEOPLE,
      batchSize: 10,
      ratePerSecond: 200,
      unreachableThreshold: 0.05,
      requestedBy: operator,
    });
    const wave = async (): Promise<Wave> => ((await breaches.status(breachId)).campaigns[0] as CampaignStatus).waves[0] as Wave;
    const until = async (what: string, done: (w: Wave | undefined) => boolean): Promise<Wave> => {
      for (let i = 0; i < 300; i++) {
        const current = (await breaches.status(breachId)).campaigns[0]?.waves[0] as Wave | undefined;
        if (done(current)) return current!;
        await env.sleep(1000);
      }
      throw new Error(`the wave never ${what}: ${JSON.stringify(await wave())}`);
    };

    await until('awaited approval', (w) => w?.state === 'awaiting-approval');
    await breaches.approveWave(breachId, { campaignId, wave: 1, approver: operator });

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
    const ledger = await store.sql.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM delivery WHERE campaign_id = $1 GROUP BY status', [campaignId]);
    expect(ledger.rows.map((r) => [r.status, Number(r.n)])).toEqual([['sent', PEOPLE]]);
  }, 300_000);
});
