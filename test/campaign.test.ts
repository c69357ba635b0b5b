// Notification campaigns on the time-skipping server: people imported into a real store (PGlite), notices received
// by a real SMTP server that refuses some mailboxes, waves approved by operators, and the breach's obligations
// reacting when too many people cannot be reached.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRecipients } from '../activities/recipients';
import { Breaches, UpdateRejected } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import type { CampaignNotice, CampaignStatus } from '../workflows/definitions';
import { timeSkippingEnvironment } from './support/temporal';
import { type RunningWorker, startWorker } from './support/worker';

let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let breaches: Breaches;
let workflowBundle: Awaited<ReturnType<typeof bundleWorkflows>>;

beforeAll(async () => {
  [env, sink] = await Promise.all([timeSkippingEnvironment(), startMailSink({ refuse: (address) => address.startsWith('gone-') })]);
  workflowBundle = await bundleWorkflows();
  worker = await startWorker(env, sink, workflowBundle, 'campaign-test');
  breaches = new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs() });
});

afterAll(async () => {
  await worker?.stop();
  await sink?.close();
  await env?.teardown();
});

const notice: CampaignNotice = {
  companyName: 'Example Shop K.K.',
  incident: 'An attacker copied part of the order database.',
  cause: 'Synthetic cause.',
  secondaryDamage: 'None known so far.',
  measures: 'We closed the hole and reported to the PPC.',
  advice: 'Watch your card statements.',
  contactDesk: { name: 'Incident desk', email: 'desk@example.test', hours: 'weekdays 9:00-18:00 JST' },
};
const operator = { id: 'olga@example.test' };

/** A breach with `people` imported; their e-mails are c<i>@<tag>.example.test, so each test reads its own mail. */
async function breachWith(tag: string, people: number, extra: (i: number) => Record<string, unknown> = () => ({}), on = breaches) {
  const { breachId } = await on.start({
    source: 'campaign-test',
    eventId: randomUUID(),
    detectedAt: new Date(await env.currentTimeMs()).toISOString(),
    summary: 'Synthetic: order database copied',
    facts: { jurisdictions: ['JP'], affectedCount: people, dataCategories: ['name', 'email', 'payment_card'] },
  });
  const rows = Array.from({ length: people }, (_, i) =>
    JSON.stringify({
      id: `c${i}`,
      name: `Customer ${i}`,
      email: `c${i}@${tag}.example.test`,
      locale: i % 2 ? 'en' : 'ja',
      dataCategories: i < 5 ? ['payment_card'] : ['email'],
      ...extra(i),
    }),
  );
  const report = await importRecipients(worker.store, breachId, Readable.from([rows.join('\n')]), 'jsonl');
  return { breachId, report };
}

async function campaignOf(breachId: string, until: (c: CampaignStatus) => boolean): Promise<CampaignStatus> {
  return campaignOn(breaches, breachId, until);
}

async function campaignOn(on: Breaches, breachId: string, until: (c: CampaignStatus) => boolean): Promise<CampaignStatus> {
  for (let i = 0; i < 200; i++) {
    const campaign = (await on.status(breachId)).campaigns[0];
    if (campaign && until(campaign)) return campaign;
    await env.sleep(1000);
  }
  throw new Error(`campaign never reached the state: ${JSON.stringify((await on.status(breachId)).campaigns[0])}`);
}

const mailsTo = (tag: string) => sink.messages.filter((m) => m.envelopeTo[0]?.endsWith(`@${tag}.example.test`));

describe('notification campaigns (time-skipping server)', () => {
  it('sends each wave once it is approved, most exposed people first, each person exactly once', async () => {
    const TAG = 'waves';
    const { breachId, report } = await breachWith('waves', 25);
    expect(report).toMatchObject({ imported: 25, invalid: 0 });
    const { campaignId } = await breaches.startCampaign(breachId, { notice, waveSize: 10, ratePerSecond: 100, batchSize: 4, requestedBy: operator });
    const ready = await campaignOf(breachId, (c) => c.waves[0]?.state === 'awaiting-approval');
    expect(ready.waves.map((w) => [w.wave, w.total, w.state])).toEqual([
      [1, 10, 'awaiting-approval'],
      [2, 10, 'planned'],
      [3, 5, 'planned'],
    ]);
    expect(ready.preview?.ja?.text).toContain('見本 太郎 様'); // a synthetic person, never a real recipient
    expect(mailsTo(TAG)).toEqual([]); // nothing leaves before approval

    await breaches.approveWave(breachId, { campaignId, wave: 1, approver: operator });
    await campaignOf(breachId, (c) => c.waves[0]?.state === 'done' && c.waves[1]?.state === 'awaiting-approval');
    const first = mailsTo(TAG).map((m) => m.envelopeTo[0]);
    expect(first).toHaveLength(10);
    // The five who lost card data are in the first wave.
    expect(first).toEqual(expect.arrayContaining([0, 1, 2, 3, 4].map((i) => `c${i}@waves.example.test`)));

    // Paused while the next wave awaits approval: the status says so at once, and the approved wave waits.
    await breaches.controlCampaign(breachId, { campaignId, action: 'pause', by: operator });
    await campaignOf(breachId, (c) => c.state === 'paused');
    await breaches.approveWave(breachId, { campaignId, wave: 2, approver: operator });
    await env.sleep(60_000);
    const paused = (await breaches.status(breachId)).campaigns[0]!;
    expect([paused.state, paused.waves[1]!.state, paused.waves[1]!.sent]).toEqual(['paused', 'sending', 0]);
    expect(mailsTo(TAG)).toHaveLength(10);
    await breaches.controlCampaign(breachId, { campaignId, action: 'resume', by: operator });
    await campaignOf(breachId, (c) => c.waves[2]?.state === 'awaiting-approval');
    await breaches.approveWave(breachId, { campaignId, wave: 3, approver: operator });
    const done = await campaignOf(breachId, (c) => c.state === 'done');
    expect(done.waves.map((w) => [w.sent, w.bounced, w.pending])).toEqual([
      [10, 0, 0],
      [10, 0, 0],
      [5, 0, 0],
    ]);

    const received = mailsTo(TAG).map((m) => m.envelopeTo[0]!);
    expect(received).toHaveLength(25);
    expect(new Set(received).size).toBe(25);
    const english = mailsTo(TAG).find((m) => m.envelopeTo[0] === 'c1@waves.example.test')!;
    expect(english.text).toContain('Dear Customer 1,');
    expect(english.text).toContain('desk@example.test');
    const status = await breaches.status(breachId);
    expect(status.timeline.filter((t) => t.kind === 'wave-approved').map((t) => t.actor)).toEqual([operator.id, operator.id, operator.id]);
    expect(status.timeline.filter((t) => t.kind === 'wave-sent')).toHaveLength(3);
    const ledger = await worker.store.sql.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM delivery WHERE campaign_id = $1 GROUP BY status`,
      [campaignId],
    );
    expect(ledger.rows.map((r) => [r.status, Number(r.n)])).toEqual([['sent', 25]]);
  });

  it('puts bounced and mail-less people on the postal list, and requires the public notice above the threshold', async () => {
    const { breachId } = await breachWith('postal', 10, (i) =>
      i < 2
        ? { email: `gone-${i}@postal.example.test`, postalAddress: `${i + 2}-1 Chiyoda, Tokyo` }
        : i === 9
          ? { email: undefined, postalAddress: '1-1 Chiyoda, Tokyo' }
          : {},
    );
    const { campaignId } = await breaches.startCampaign(breachId, {
      notice,
      waveSize: 100,
      ratePerSecond: 100,
      unreachableThreshold: 0.2,
      requestedBy: operator,
    });
    await campaignOf(breachId, (c) => c.waves[0]?.state === 'awaiting-approval');
    await breaches.approveWave(breachId, { campaignId, wave: 1, approver: operator });
    const done = await campaignOf(breachId, (c) => c.state === 'done');
    expect(done.waves[0]).toMatchObject({ sent: 7, bounced: 2, postal: 1, pending: 0 });
    expect(done.unreachable).toBe(3);

    const postal = await worker.store.recipients.postalList(breachId);
    expect(postal.map((p) => [p.person_id, p.reason])).toEqual([
      ['c0', 'bounced'],
      ['c1', 'bounced'],
      ['c9', 'postal'],
    ]);
    expect(postal[0]!.smtp_response).toContain('550');

    // 3 of 10 is above 20 %: the APPI substitute measure becomes an open obligation.
    let status = await breaches.status(breachId);
    for (let i = 0; i < 20 && !status.obligations.some((o) => o.id === 'JP-APPI/substitute-notice'); i++) {
      await env.sleep(1000);
      status = await breaches.status(breachId);
    }
    expect(status.facts.unreachableCount).toBe(3);
    expect(status.obligations.find((o) => o.id === 'JP-APPI/substitute-notice')).toMatchObject({ state: 'open', recipient: 'public' });
    expect(status.timeline.map((t) => t.kind)).toContain('public-notice-required');
  });

  it('keeps who approved each wave through the progress the campaign reports after the approval', async () => {
    const { breachId } = await breachWith('approver', 6);
    const { campaignId } = await breaches.startCampaign(breachId, { notice, waveSize: 3, ratePerSecond: 100, requestedBy: operator });
    await campaignOf(breachId, (c) => c.waves[0]?.state === 'awaiting-approval');
    const approved = await breaches.approveWave(breachId, { campaignId, wave: 1, approver: operator });
    expect(approved.approvedBy).toBe(operator.id);
    const sent = await campaignOf(breachId, (c) => c.waves[0]?.state === 'done' && c.waves[1]?.state === 'awaiting-approval');
    expect(sent.waves.map((w) => w.approvedBy)).toEqual([operator.id, undefined]);
    await breaches.controlCampaign(breachId, { campaignId, action: 'cancel', by: operator });
    const cancelled = await campaignOf(breachId, (c) => c.state === 'cancelled');
    expect(cancelled.waves.map((w) => w.approvedBy)).toEqual([operator.id, undefined]);
  });

  it('refuses to approve a wave whose template names a missing variable, and sends nothing', async () => {
    const TAG = 'template';
    const { breachId } = await breachWith(TAG, 3);
    const templates = { ja: { subject: '{{company.name}}', text: '{{person.name}} 様 {{incidnet}}', html: '<p>{{person.name}}</p>' } };
    const { campaignId } = await breaches.startCampaign(breachId, { notice, templates, requestedBy: operator });
    const ready = await campaignOf(breachId, (c) => c.waves[0]?.state === 'awaiting-approval');
    expect(ready.waves[0]!.templateError).toBe('the ja text template is invalid: missing variable {{incidnet}}');
    const refused = await breaches.approveWave(breachId, { campaignId, wave: 1, approver: operator }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(UpdateRejected);
    expect((refused as Error).message).toContain('missing variable {{incidnet}}');
    await breaches.controlCampaign(breachId, { campaignId, action: 'cancel', by: operator });
    const cancelled = await campaignOf(breachId, (c) => c.state === 'cancelled');
    expect(cancelled.waves[0]!.state).toBe('cancelled');
    expect(mailsTo(TAG)).toEqual([]);
  });

  it('keeps every run of a long campaign under its history bound by continuing as new, and still sends each person once', async () => {
    const TAG = 'bounded';
    // One batch a call (a worker whose sender has no time budget), so that the campaign makes 60 calls.
    const oneBatchACall = await startWorker(env, sink, workflowBundle, 'campaign-test-one-batch', worker.store, undefined, undefined, { sendForMs: 0 });
    const breaches = new Breaches(env.client, oneBatchACall.taskQueue, { now: () => env.currentTimeMs() });
    const campaignOf = (breachId: string, until: (c: CampaignStatus) => boolean) => campaignOn(breaches, breachId, until);
    const { breachId } = await breachWith(TAG, 60, undefined, breaches);
    const { campaignId } = await breaches.startCampaign(breachId, {
      notice,
      waveSize: 60,
      batchSize: 1,
      ratePerSecond: 1000,
      historyLimit: 60,
      requestedBy: operator,
    });
    await campaignOf(breachId, (c) => c.waves[0]?.state === 'awaiting-approval');
    await breaches.approveWave(breachId, { campaignId, wave: 1, approver: operator });
    await campaignOf(breachId, (c) => c.state === 'done');
    expect(new Set(mailsTo(TAG).map((m) => m.envelopeTo[0])).size).toBe(60);
    expect(mailsTo(TAG)).toHaveLength(60);

    const description = await env.client.workflow.getHandle(campaignId).describe();
    expect(description.historyLength).toBeLessThanOrEqual(60 + 20);
    expect(description.status.name).toBe('COMPLETED');
    // More than one run: 60 batches of one person cannot fit under a 60-event bound in one.
    const started = await env.client.workflow.getHandle(campaignId).fetchHistory();
    expect(started.events![0]!.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
    await oneBatchACall.stop();
  });
});
