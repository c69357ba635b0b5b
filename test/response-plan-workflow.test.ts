// The response plan's stages in the breach workflow, on the time-skipping server with a real SMTP sink and store:
// tasks the facts switch on mid-breach, gates, the insurer's contractual clock and its escalation, takedown
// follow-ups, the final announcement assembled from outcomes, and a consolation gesture issued once per person.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRecipients } from '../activities/recipients';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { type CampaignStatus, ResponsePolicy } from '../workflows/definitions';
import { DEFAULT_PLAYBOOK } from '../workflows/domain/playbook';
import { timeSkippingEnvironment } from './support/temporal';
import { AUDIENCES, type RunningWorker, startWorker } from './support/worker';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const EVERY_BREACH = DEFAULT_PLAYBOOK.tasks.filter((t) => !t.when && !t.each).map((t) => t.id);

let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let breaches: Breaches;
const operator = { id: 'olga@example.test', roles: ['operator' as const] };
const manager = { id: 'max@example.test', roles: ['manager' as const] };
const hash = 'c'.repeat(64);

beforeAll(async () => {
  [env, sink] = await Promise.all([timeSkippingEnvironment(), startMailSink()]);
  worker = await startWorker(env, sink, await bundleWorkflows(), 'response-plan-test');
  breaches = new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs() });
});

afterAll(async () => {
  await worker?.stop();
  await sink?.close();
  await env?.teardown();
});

async function detect(facts: Record<string, unknown> = {}, with_: Breaches = breaches) {
  return with_.start({
    source: 'response-plan-test',
    eventId: randomUUID(),
    detectedAt: new Date(await env.currentTimeMs()).toISOString(),
    summary: 'Synthetic: member table copied',
    facts: { jurisdictions: ['JP'], ...facts },
  });
}

const taskIds = async (breachId: string) => (await breaches.status(breachId)).tasks.map((t) => t.id);
const refusal = (p: Promise<unknown>) => p.then(() => undefined).catch((e: Error) => e.message);

describe('response plan stages (time-skipping server)', () => {
  it('opens only the tasks of every breach for a plain breach, and the police when the cause turns criminal, gated by the evidence', async () => {
    const { breachId } = await detect({ affectedCount: 20, dataCategories: ['email'] });
    expect(await taskIds(breachId)).toEqual(EVERY_BREACH);

    await env.sleep(2 * DAY_MS);
    await breaches.updateFacts(breachId, { causeType: 'unauthorised-access' }, { id: operator.id });
    const status = await breaches.status(breachId);
    const police = status.tasks.find((t) => t.id === 'police-consultation')!;
    // Its target counts from the moment the facts switched it on, not from awareness two days before.
    expect(Date.parse(police.targetAt) - (await env.currentTimeMs())).toBeGreaterThan(71 * HOUR_MS);
    expect(police).toMatchObject({
      state: 'open',
      overdue: false,
      openedBecause: 'a crime is suspected (causeType: unauthorised-access)',
      after: ['evidence-preserved'],
    });
    expect(status.timeline.find((t) => t.kind === 'task-opened')?.detail).toContain('police-consultation (legal): a crime is suspected');
    expect(status.storeFailures).toEqual([]);

    const consultation = { with: 'prefectural police cybercrime desk', reference: 'consultation 42', decision: 'criminal-complaint' };
    expect(await refusal(breaches.recordTask(breachId, { taskId: 'police-consultation', by: operator, outcome: consultation }))).toBe(
      'invalid task record: taskId: "police-consultation" waits for evidence-preserved: record or waive it first',
    );
    await breaches.recordTask(breachId, { taskId: 'evidence-preserved', by: operator, outcome: { items: [{ name: 'web01 access log', sha256: hash }] } });
    await breaches.recordTask(breachId, { taskId: 'police-consultation', by: operator, outcome: consultation });
    expect(await taskIds(breachId)).toContain('police-filing');
    expect(await refusal(breaches.recordTask(breachId, { taskId: 'police-filing', by: operator, outcome: { filed: 'criminal-complaint' } }))).toContain(
      'reference: ',
    );
    await breaches.recordTask(breachId, { taskId: 'police-filing', by: operator, outcome: { filed: 'criminal-complaint', reference: 'case 2026-123' } });
    expect((await breaches.status(breachId)).plan.announcement.police).toEqual({ decision: 'criminal-complaint', reference: 'case 2026-123' });
  });

  it("runs each insurer's notice period as a contractual clock, warned before it runs out, apart from the legal obligations", async () => {
    const policy = ResponsePolicy.parse({
      insurers: [{ name: 'Synthetic Cyber Insurance', noticeHours: 48, contact: 'claims@insurer.example.test', covers: ['forensics', 'liability'] }],
    });
    const insured = new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs(), policy });
    const { breachId } = await detect({ affectedCount: 2000, dataCategories: ['name', 'email'] }, insured);
    const status = await breaches.status(breachId);
    const notice = status.tasks.find((t) => t.id === 'insurer-notice-1')!;
    expect(notice).toMatchObject({
      kind: 'contractual',
      state: 'open',
      title: 'Notify the cyber insurer under the policy: Synthetic Cyber Insurance (claims@insurer.example.test)',
    });
    expect(Date.parse(notice.targetAt) - Date.parse(status.facts.awareAt)).toBe(48 * HOUR_MS);
    expect(status.obligations.map((o) => o.id)).not.toContain('insurer-notice-1');
    expect(status.damage.coverage).toEqual([{ insurer: 'Synthetic Cyber Insurance', heads: ['liability', 'forensics'] }]);
    // 50 % of the period: the owner; 80 %: the executive; before it is missed.
    await env.sleep(40 * HOUR_MS);
    const warned = await sink.waitFor(
      (m) => m.text.includes(breachId) && m.text.includes('task/insurer-notice-1') && m.envelopeTo.includes(AUDIENCES.executive),
    );
    expect(warned.text).toContain('contract term, not a law');
    expect(sink.messages.filter((m) => m.text.includes(breachId) && m.text.includes('task/insurer-notice-1')).map((m) => m.envelopeTo[0])).toEqual([
      AUDIENCES.owner,
      AUDIENCES.executive,
    ]);
    await breaches.recordTask(breachId, { taskId: 'insurer-notice-1', by: operator, outcome: { reference: 'claim 77' } });
    await env.sleep(3 * DAY_MS);
    expect(sink.messages.filter((m) => m.text.includes(breachId) && m.text.includes('task/insurer-notice-1'))).toHaveLength(2);
  });

  it('requests one takedown per location found, follows each up until removed, and monitors until its own end date', async () => {
    const { breachId } = await detect({ affectedCount: 300 });
    await breaches.updateFacts(breachId, { publishedLocations: ['paste site https://paste.example.test/abc'] });
    await env.sleep(DAY_MS);
    await breaches.updateFacts(breachId, { publishedLocations: ['paste site https://paste.example.test/abc', 'forum thread https://forum.example.test/t/9'] });
    const status = await breaches.status(breachId);
    expect(status.tasks.filter((t) => t.id.startsWith('takedown')).map((t) => t.id)).toEqual(['takedown-1', 'takedown-monitoring', 'takedown-2']);
    const monitoring = status.tasks.find((t) => t.id === 'takedown-monitoring')!;
    expect(status.plan.takedown).toEqual({ locations: 2, monitoringEndsAt: monitoring.targetAt });
    expect(Date.parse(monitoring.targetAt) - Date.parse(status.facts.awareAt)).toBeGreaterThanOrEqual(90 * DAY_MS);

    const requested = await breaches.recordTask(breachId, {
      taskId: 'takedown-1',
      by: operator,
      outcome: { status: 'requested', to: 'the paste site operator' },
    });
    expect(requested.state).toBe('open');
    expect(Date.parse(requested.targetAt) - Date.parse(requested.records[0]!.at)).toBe(3 * DAY_MS);
    const removed = await breaches.recordTask(breachId, { taskId: 'takedown-1', by: operator, outcome: { status: 'removed', reference: 'ticket 5' } });
    expect(removed).toMatchObject({ state: 'done', records: [{}, {}] });
  });

  it('records who investigates with the criteria, gates the recurrence plan on the investigation report, and assembles the final announcement', async () => {
    const { breachId } = await detect({ affectedCount: 5000, dataCategories: ['name', 'credentials'], highPublicInterest: true, managementImplicated: true });
    const status = await breaches.status(breachId);
    expect(status.tasks.map((t) => t.id)).toEqual(
      expect.arrayContaining(['investigation-body', 'holding-statement', 'expected-questions', 'press-conference']),
    );
    expect(status.tasks.find((t) => t.id === 'holding-statement')!.targetAt).toBe(new Date(Date.parse(status.facts.awareAt) + 3 * HOUR_MS).toISOString());
    expect(status.plan.investigationBody.recommended).toBe('third-party-committee');
    expect(status.plan.expectedQuestions?.some((q) => q.topic === 'responsibility')).toBe(true);
    expect(status.plan.contactDesk.expectedContacts).toBe(250);

    const body = await breaches.recordTask(breachId, {
      taskId: 'investigation-body',
      by: manager,
      outcome: { body: 'third-party-committee', reason: 'management implicated' },
    });
    expect(body.records[0]!.outcome).toMatchObject({ criteria: { scale: 5000, publicInterest: true, managementImplicated: true } });
    expect(await refusal(breaches.recordTask(breachId, { taskId: 'press-conference', by: operator, outcome: {} }))).toContain('waits for expected-questions');

    const measures = { measures: [{ measure: 'two-factor authentication for administrators', owner: 'CISO', dueAt: '2027-01-31T00:00:00Z' }] };
    expect(await refusal(breaches.recordTask(breachId, { taskId: 'recurrence-plan', by: operator, outcome: measures }))).toContain(
      'waits for cause-established',
    );
    await breaches.recordTask(breachId, {
      taskId: 'cause-established',
      by: operator,
      outcome: {
        note: 'an administrator password stolen by phishing',
        facts: { unfairPurpose: true, causeType: 'unauthorised-access' },
        body: 'third-party-committee',
      },
    });
    const afterReport = await breaches.status(breachId);
    expect(afterReport.reports.find((r) => r.obligationId === 'JP-APPI/ppc-final')!.items.find((i) => i.no === 4)?.value).toBe(
      'an administrator password stolen by phishing',
    );
    expect(afterReport.tasks.map((t) => t.id)).toContain('police-consultation'); // the report's findings are facts
    await breaches.recordTask(breachId, { taskId: 'recurrence-plan', by: operator, outcome: measures });
    await breaches.recordTask(breachId, { taskId: 'counsel-review', by: manager, outcome: { note: 'reviewed by outside counsel' } });
    await breaches.recordTask(breachId, {
      taskId: 'disciplinary-follow-up',
      by: operator,
      outcome: { measures: [{ against: 'head of the operations department', measure: 'pay cut for three months' }] },
    });
    const { announcement, faq } = (await breaches.status(breachId)).plan;
    expect(announcement).toMatchObject({
      cause: 'an administrator password stolen by phishing',
      investigationBody: 'third-party-committee',
      recurrencePrevention: [{ measure: 'two-factor authentication for administrators' }],
      counselReview: 'reviewed by outside counsel',
      disciplinaryMeasures: [{ against: 'head of the operations department', measure: 'pay cut for three months' }],
    });
    expect(announcement.missing).toEqual(['response to victims: neither the contact desk nor a notice yet']);
    expect(faq.find((q) => q.topic === 'cause')?.answer).toBe('an administrator password stolen by phishing');
  });

  it('issues a consolation gesture with a wave, once per person, and adds its cost to the damage estimate', async () => {
    const { breachId } = await detect({ affectedCount: 6, dataCategories: ['name', 'email'] });
    const rows = Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: `p${i}`, name: `Person ${i}`, email: `p${i}@gesture.example.test`, locale: 'en' }));
    await importRecipients(worker.store, breachId, Readable.from([rows.join('\n')]), 'jsonl');
    const notice = {
      companyName: 'Gesture K.K.',
      incident: 'Synthetic.',
      cause: 'Synthetic cause.',
      secondaryDamage: 'None known so far.',
      measures: 'As an apology we send each of you a ¥500 gift code.',
      advice: 'Synthetic.',
      contactDesk: { name: 'Desk', email: 'desk@gesture.example.test', hours: 'every day' },
    };
    const consolation = { gesture: 'a ¥500 gift code', valueYen: 500 };
    const { campaignId } = await breaches.startCampaign(breachId, { notice, consolation, requestedBy: { id: operator.id } });
    expect(await refusal(breaches.startCampaign(breachId, { notice, consolation, requestedBy: { id: operator.id } }))).toContain(
      `consolation: ${campaignId} already issues one`,
    );
    const campaign = async (until: (c: CampaignStatus) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const c = (await breaches.status(breachId)).campaigns.find((x) => x.campaignId === campaignId);
        if (c && until(c)) return c;
        await env.sleep(1000);
      }
      throw new Error('campaign stuck');
    };
    await campaign((c) => c.waves[0]?.state === 'awaiting-approval');
    await breaches.approveWave(breachId, { campaignId, wave: 1, approver: { id: operator.id } });
    await campaign((c) => c.state === 'done');
    const received = sink.messages.filter((m) => m.envelopeTo[0]?.endsWith('@gesture.example.test')).map((m) => m.envelopeTo[0]);
    expect(new Set(received).size).toBe(6);
    expect(received).toHaveLength(6);
    const status = await breaches.status(breachId);
    expect(status.damage.consolation).toEqual({ gestures: [{ ...consolation, people: 6, issued: 6 }], totalYen: 3000 });
    expect(status.plan.announcement.responseToVictims.consolation).toMatchObject(consolation);
  });
});
