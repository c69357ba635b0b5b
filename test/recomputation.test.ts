// Live recomputation on the time-skipping server: each kind of fact change moves the breach's obligations and
// their deadline clocks, and the escalations that really reach the SMTP server show the clocks that run.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { ResponsePolicy } from '../workflows/definitions';
import { completeFinalReport } from './support/final-report';
import { timeSkippingEnvironment } from './support/temporal';
import { AUDIENCES, type RunningWorker, startWorker } from './support/worker';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let breaches: Breaches;

beforeAll(async () => {
  [env, sink] = await Promise.all([timeSkippingEnvironment(), startMailSink()]);
  worker = await startWorker(env, sink, await bundleWorkflows(), 'recomputation-test');
  breaches = new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs() });
});

afterAll(async () => {
  await worker?.stop();
  await sink?.close();
  await env?.teardown();
});

async function detect(facts: Record<string, unknown>, using = breaches) {
  const detectedAt = new Date(await env.currentTimeMs()).toISOString();
  return using.start({ source: 'test-dlp', eventId: `evt-${randomUUID()}`, detectedAt, summary: 'Synthetic: export of a customer table', facts });
}

const obligation = async (breachId: string, id: string) => (await breaches.status(breachId)).obligations.find((o) => o.id === id);
const steps = (breachId: string, title: string) =>
  sink.messages.filter((m) => m.text.includes(breachId) && m.subject.includes(title)).map((m) => [m.subject.match(/\((.+?)\)/)![1], m.envelopeTo.join()]);
const sleepUntil = async (instant: number) => env.sleep(Math.max(0, instant - (await env.currentTimeMs())));

describe('live recomputation of obligations (time-skipping server)', () => {
  it('opens the APPI reports with running clocks when the head count crosses 1,000', async () => {
    const { breachId } = await detect({ jurisdictions: ['JP'], affectedCount: 1000, dataCategories: ['name', 'email'] });
    expect((await breaches.status(breachId)).obligations).toEqual([]);

    const crossed = await breaches.updateFacts(breachId, { affectedCount: 1001 });
    expect(crossed.opened).toEqual(['JP-APPI/ppc-preliminary', 'JP-APPI/ppc-final', 'JP-APPI/individuals']);
    const preliminary = (await obligation(breachId, 'JP-APPI/ppc-preliminary'))!;
    expect(preliminary.why).toEqual(['APPI Rules Art. 7(4): more than 1,000 people affected (affectedCount: 1001)']);

    await sleepUntil(Date.parse(preliminary.dueAt) + HOUR_MS);
    expect(steps(breachId, 'Preliminary report')).toEqual([
      ['at-50%', AUDIENCES.owner],
      ['at-80%', AUDIENCES.dpo],
      ['at-95%', AUDIENCES.executive],
      ['missed', AUDIENCES.executive],
    ]);
  });

  it("brings in the GDPR's 72-hour clock when an EU jurisdiction is added", async () => {
    const { breachId } = await detect({ jurisdictions: ['JP'], affectedCount: 40, dataCategories: ['email'] });
    const added = await breaches.updateFacts(breachId, { jurisdictions: ['JP', 'DE'] });
    expect(added.opened).toEqual(['EU-GDPR/supervisory-authority']);
    const status = await breaches.status(breachId);
    const notice = status.obligations[0]!;
    expect(Date.parse(notice.dueAt) - Date.parse(status.facts.awareAt)).toBe(72 * HOUR_MS);
    expect(notice.dueAt).toMatch(/\+01:00$/); // shown in Brussels time
    expect(status.notApplicable).toContainEqual({ regime: 'EU-GDPR', obligation: 'EU-GDPR/data-subjects', reason: expect.stringContaining('no high risk') });

    await sleepUntil(Date.parse(notice.dueAt) - HOUR_MS);
    expect(steps(breachId, 'supervisory authority').map(([step]) => step)).toEqual(['at-50%', 'at-80%', 'at-95%']);
  });

  it('starts the Form 8-K clock when materiality is determined, four US federal business days long', async () => {
    const { breachId } = await detect({ jurisdictions: ['US'], sectors: ['sec-registrant'] });
    expect((await breaches.status(breachId)).notApplicable).toContainEqual({
      regime: 'US-SEC',
      obligation: 'US-SEC/form-8-k',
      reason: expect.stringContaining('no materiality determination yet'),
    });
    await env.sleep(2 * DAY_MS);
    const materialityDeterminedAt = new Date(await env.currentTimeMs()).toISOString();
    const determined = await breaches.updateFacts(breachId, { materialityDeterminedAt });
    expect(determined.opened).toEqual(['US-SEC/form-8-k']);
    const filing = (await obligation(breachId, 'US-SEC/form-8-k'))!;
    expect(filing.counting).toContain('4 business days of the US-federal calendar');
    expect(filing.dueAt).toMatch(/T23:59:59\.999-0[45]:00$/); // the end of a New York day
    const days = (Date.parse(filing.dueAt) - Date.parse(materialityDeterminedAt)) / DAY_MS;
    expect(days).toBeGreaterThan(3);
    expect(days).toBeLessThan(10);
  });

  it('keeps a satisfied obligation satisfied, at the deadline it was met against, whatever the facts become', async () => {
    const { breachId } = await detect({ jurisdictions: ['JP'], affectedCount: 1500 });
    await completeFinalReport(breaches, breachId);
    await breaches.approve(breachId, { obligationId: 'JP-APPI/ppc-final', approver: { id: 'dana@example.test' }, filingReference: 'PPC-77' });
    await breaches.approve(breachId, { obligationId: 'JP-APPI/ppc-final', approver: { id: 'femi@example.test' } });
    const metAgainst = (await obligation(breachId, 'JP-APPI/ppc-final'))!.dueAt;

    const malicious = await breaches.updateFacts(breachId, { unfairPurpose: true });
    expect(malicious.moved).toEqual(['JP-APPI/individuals']);
    const encrypted = await breaches.updateFacts(breachId, { encrypted: true });
    expect(encrypted.withdrawn).toEqual(['JP-APPI/ppc-preliminary', 'JP-APPI/individuals']);

    const status = await breaches.status(breachId);
    expect(status.obligations.map((o) => [o.id, o.state])).toEqual([
      ['JP-APPI/ppc-preliminary', 'withdrawn'],
      ['JP-APPI/ppc-final', 'satisfied'],
      ['JP-APPI/individuals', 'withdrawn'],
    ]);
    expect((await obligation(breachId, 'JP-APPI/ppc-final'))!.dueAt).toBe(metAgainst);
    expect(status.timeline.filter((t) => t.kind === 'obligation-withdrawn').map((t) => t.obligationId)).toEqual([
      'JP-APPI/ppc-preliminary',
      'JP-APPI/individuals',
    ]);
    const outcomes = await worker.store.outcomes.forBreach(breachId);
    expect(outcomes.filter((o) => o.kind === 'obligation-withdrawn').map((o) => o.detail.summary)).toEqual([
      'strongly encrypted and the key did not leak (PPC General Guideline 3-5-3-1)',
      'strongly encrypted and the key did not leak (PPC General Guideline 3-5-3-1)',
    ]);
  });

  it("counts the NIS2 final report from the incident notification's actual submission", async () => {
    const { breachId } = await detect({ jurisdictions: ['DE'], sectors: ['nis2-entity'], riskUnlikely: true });
    const before = (await obligation(breachId, 'EU-NIS2/final-report'))!;
    expect(before.counting).toContain('not yet submitted: counted from its due instant');

    await env.sleep(10 * HOUR_MS);
    await breaches.approve(breachId, { obligationId: 'EU-NIS2/incident-notification', approver: { id: 'erik@example.test' } });
    expect((await obligation(breachId, 'EU-NIS2/final-report'))!.dueAt).toBe(before.dueAt); // one approval of two: not yet filed
    const submitted = await breaches.approve(breachId, { obligationId: 'EU-NIS2/incident-notification', approver: { id: 'gita@example.test' } });
    const after = (await obligation(breachId, 'EU-NIS2/final-report'))!;
    expect(after.counting).toContain(`EU-NIS2/incident-notification submitted`);
    expect(Date.parse(after.dueAt)).toBeLessThan(Date.parse(before.dueAt));
    const submittedDay = new Date(submitted.at + HOUR_MS).toISOString().slice(0, 10); // Brussels is UTC+1 in winter
    const oneMonthLater = new Date(Date.parse(`${submittedDay}T00:00:00Z`));
    oneMonthLater.setUTCMonth(oneMonthLater.getUTCMonth() + 1);
    expect(after.dueAt.slice(0, 10)).toBe(oneMonthLater.toISOString().slice(0, 10));
    const status = await breaches.status(breachId);
    expect(status.timeline.some((t) => t.kind === 'deadline-moved' && t.obligationId === 'EU-NIS2/final-report')).toBe(true);
  });

  it("escalates by the deployment's own ladder for an obligation, and repeats once it is missed", async () => {
    const policy = ResponsePolicy.parse({
      ladders: { 'EU-GDPR/supervisory-authority': { before: [{ atPercent: 25, audience: 'dpo' }], overdue: { audience: 'owner', everyHours: 1, times: 3 } } },
    });
    const withPolicy = new Breaches(env.client, worker.taskQueue, { policy, now: () => env.currentTimeMs() });
    const { breachId } = await detect({ jurisdictions: ['FR'], affectedCount: 12, dataCategories: ['email'] }, withPolicy);
    const notice = (await obligation(breachId, 'EU-GDPR/supervisory-authority'))!;
    await sleepUntil(Date.parse(notice.dueAt) + 3 * HOUR_MS);
    expect(steps(breachId, 'supervisory authority')).toEqual([
      ['at-25%', AUDIENCES.dpo],
      ['missed', AUDIENCES.owner],
      ['missed+1h', AUDIENCES.owner],
      ['missed+2h', AUDIENCES.owner],
    ]);
    const timeline = (await breaches.status(breachId)).timeline.filter((t) => t.kind === 'escalation-sent').map((t) => t.detail.split(':')[0]);
    expect(timeline).toEqual(['at-25% to the dpo', 'missed to the owner', 'missed+1h to the owner', 'missed+2h to the owner']);
  });
});
