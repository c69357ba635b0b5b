// Attacks on the breach workflow that once wedged it, bypassed its controls or lost what it learned, on the
// time-skipping server with a real store (PGlite) and real SMTP servers. Each test failed before its fix.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
import { BreachIds } from '../client/breach-ids';
import { Breaches, UpdateRejected } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { InvalidInput } from '../workflows/domain/facts';
import { ResponsePolicy } from '../workflows/definitions';
import { importRecipients } from '../activities/recipients';
import { Readable } from 'node:stream';
import { timeSkippingEnvironment } from './support/temporal';
import { AUDIENCES, type RunningWorker, startWorker } from './support/worker';

let env: TestWorkflowEnvironment;
let sink: MailSink;
let refusingSink: MailSink;
let bundle: WorkflowBundle;
let store: Store;
let worker: RunningWorker;
let breaches: Breaches;

beforeAll(async () => {
  // The owner's mailbox does not exist on this server: every mail to it is refused for good (550).
  [env, sink, refusingSink, bundle, store] = await Promise.all([
    timeSkippingEnvironment(),
    startMailSink(),
    startMailSink({ refuse: (address) => address === AUDIENCES.owner }),
    bundleWorkflows(),
    openStore('pglite:memory'),
  ]);
  worker = await startWorker(env, sink, bundle, `hardening-${randomUUID()}`, store);
  breaches = new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs() });
});

afterAll(async () => {
  await worker?.stop();
  await store?.close();
  await Promise.all([sink?.close(), refusingSink?.close()]);
  await env?.teardown();
});

async function detection(overrides: Record<string, unknown> = {}) {
  return {
    source: 'test-siem',
    eventId: `evt-${randomUUID()}`,
    detectedAt: new Date(await env.currentTimeMs()).toISOString(),
    summary: 'Synthetic: order table copied to an unknown host',
    facts: { jurisdictions: ['JP'], dataCategories: ['name', 'payment_card'], affectedCount: 1500 },
    ...overrides,
  };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error) => error,
  );

describe('text and instants at the boundary', () => {
  it.each([
    ['a NUL in the event id', { eventId: 'evt\u0000x' }, 'eventId', 'U+0000'],
    ['a bidi override in the summary', { summary: 'payroll \u202Egnp.exe' }, 'summary', 'U+202E'],
    ['a lone surrogate in the source', { source: 'siem\uD800' }, 'source', 'lone surrogate'],
    ['a line break in the source', { source: 'siem\nfake: line' }, 'source', 'one line'],
    ['a detection dated 9999', { detectedAt: '9999-01-01T00:00:00Z' }, 'detectedAt', 'more than a day after now'],
    ['a detection dated 1970', { detectedAt: '1970-01-01T00:00:00Z' }, 'detectedAt', 'before 2000-01-01'],
  ])('refuses %s, naming the field, and starts nothing', async (_what, overrides, field, reason) => {
    const bad = await detection(overrides);
    const error = await rejection(breaches.start(bad));
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).errors).toContainEqual(expect.objectContaining({ field, message: expect.stringContaining(reason) }));
  });

  it('refuses a NUL in an approval note before anything is recorded, and the approval goes through without it', async () => {
    const { breachId } = await breaches.start(await detection());
    const nul = await rejection(breaches.approve(breachId, { obligationId: 'JP-APPI/individuals', approver: { id: 'op@example.test' }, note: 'sent\u0000' }));
    expect(nul).toBeInstanceOf(InvalidInput);
    expect((nul as InvalidInput).errors[0]).toMatchObject({ field: 'note' });
    await breaches.approve(breachId, { obligationId: 'JP-APPI/individuals', approver: { id: 'op@example.test' }, note: 'sent' });
    const status = await breaches.status(breachId);
    expect(status.obligations.find((o) => o.id === 'JP-APPI/individuals')!.state).toBe('satisfied');
    expect(status.storeFailures).toEqual([]);
  });
});

describe('a breach found days late', () => {
  it('sends each audience one summary of everything already overdue, not a burst of mails', async () => {
    const now = await env.currentTimeMs();
    const { breachId } = await breaches.start(await detection({ detectedAt: new Date(now - 6 * 86_400_000).toISOString() }));
    const status = await breaches.status(breachId);
    const overdue = [...status.obligations.filter((o) => o.overdue), ...status.tasks.filter((t) => t.overdue)];
    expect(overdue.length).toBeGreaterThan(5); // the preliminary report and most first-day tasks
    await sink.waitFor((m) => m.text.includes(breachId));
    await env.sleep(60_000); // a minute of server time: anything else due now has gone out
    const mails = sink.messages.filter((m) => m.text.includes(breachId));
    const audiences = mails.map((m) => m.envelopeTo.join());
    expect(new Set(audiences).size).toBe(audiences.length); // one mail per audience
    expect(mails.length).toBeLessThanOrEqual(3);
    const listed = mails.flatMap((m) => m.text.split('\n').filter((l) => /^(OVERDUE|Due soon) \(/.test(l)));
    expect(listed.length).toBeGreaterThanOrEqual(overdue.length);
    expect(mails.some((m) => /^\[Breachline\] OVERDUE: \d+ of \d+: /.test(m.subject))).toBe(true);
    expect(mails.filter((m) => m.text.includes('JP-APPI/ppc-preliminary'))).toHaveLength(1);
    // Each item's clock records the one step it sent, the latest already due, through the summary.
    const after = await breaches.status(breachId);
    expect(after.obligations.find((o) => o.id === 'JP-APPI/ppc-preliminary')!.escalations.map((e) => e.step)).toEqual([expect.stringMatching(/^missed/)]);
  });
});

describe('breach ids', () => {
  it('keeps Acme/DLP and Acme DLP apart, and puts neither source nor event id into the id', async () => {
    const eventId = 'jane.doe@example.com';
    const a = await breaches.start(await detection({ source: 'Acme/DLP', eventId }));
    const b = await breaches.start(await detection({ source: 'Acme DLP', eventId }));
    expect(a.created && b.created).toBe(true);
    expect(a.breachId).not.toBe(b.breachId);
    for (const id of [a.breachId, b.breachId]) {
      expect(id).toMatch(/^breach-[0-9a-f]{32}$/);
      expect(id).not.toContain('jane');
    }
    expect(await breaches.start(await detection({ source: 'Acme/DLP', eventId }))).toEqual({ breachId: a.breachId, created: false });
  });

  it('gives the same id in another process that shares the key, and another id under another key', () => {
    const key = Buffer.alloc(32, 7);
    expect(new BreachIds(key).forDetection('s', 'e')).toBe(new BreachIds(Buffer.from(key)).forDetection('s', 'e'));
    expect(new BreachIds(key).forDetection('s', 'e')).not.toBe(BreachIds.ephemeral().forDetection('s', 'e'));
    // Moving the separator does not make two detections one.
    expect(new BreachIds(key).forDetection('a:b', 'c')).not.toBe(new BreachIds(key).forDetection('a', 'b:c'));
  });
});

describe('correlated detections', () => {
  it('joins a detection with the same correlation key to the open breach, learns its facts, and records it once', async () => {
    const correlationKey = `case-${randomUUID()}`;
    const first = await breaches.start(await detection({ correlationKey }));
    const second = await detection({ source: 'edr', correlationKey, facts: { affectedCount: 4000, jurisdictions: ['JP'] } });
    expect(await breaches.start(second)).toEqual({ breachId: first.breachId, created: false, attached: true });
    expect(await breaches.start(second)).toEqual({ breachId: first.breachId, created: false, attached: false });
    const status = await breaches.status(first.breachId);
    expect(status.facts.affectedCount).toBe(4000);
    const attached = status.timeline.filter((t) => t.kind === 'detection-attached');
    expect(attached).toHaveLength(1);
    expect(attached[0]).toMatchObject({ actor: 'edr', detail: expect.stringContaining(second.eventId) });
    expect(status.timeline.find((t) => t.kind === 'facts-updated')).toMatchObject({ actor: 'edr' });
  });
});

describe('a detector cannot lift an obligation', () => {
  it('adds what a correlated detection saw, and leaves what would withdraw an obligation to an operator', async () => {
    const correlationKey = `case-${randomUUID()}`;
    const first = await breaches.start(
      await detection({ correlationKey, facts: { jurisdictions: ['JP', 'DE'], dataCategories: ['name'], affectedCount: 5000, unfairPurpose: true } }),
    );
    const before = await breaches.status(first.breachId);
    const open = before.obligations.filter((o) => o.state === 'open').map((o) => o.id);
    expect(open).toEqual(expect.arrayContaining(['JP-APPI/ppc-final', 'EU-GDPR/supervisory-authority']));
    const hostile = await detection({
      source: 'noisy-tool',
      correlationKey,
      facts: {
        jurisdictions: ['KR'],
        affectedCount: 0,
        riskUnlikely: true,
        encrypted: true,
        unfairPurpose: false,
        dataCategories: ['payment_card'],
        awareAt: new Date(Date.parse(before.facts.awareAt) + 3_600_000).toISOString(),
      },
    });
    expect(await breaches.start(hostile)).toMatchObject({ breachId: first.breachId, attached: true });
    const after = await breaches.status(first.breachId);
    expect(after.facts).toMatchObject({
      jurisdictions: ['JP', 'DE', 'KR'],
      affectedCount: 5000,
      unfairPurpose: true,
      dataCategories: ['name', 'payment_card'],
      awareAt: before.facts.awareAt,
    });
    expect(after.facts.riskUnlikely).toBeUndefined();
    expect(after.facts.encrypted).toBeUndefined();
    expect(after.obligations.filter((o) => o.state === 'withdrawn')).toEqual([]);
    expect(after.obligations.map((o) => o.id)).toEqual(expect.arrayContaining([...open, 'KR-PIPA/pipc']));
    expect(after.timeline.find((t) => t.kind === 'detection-attached')?.detail).toContain(
      "not applied, an operator's to decide: affectedCount, awareAt, unfairPurpose, encrypted, riskUnlikely",
    );
  });
});

describe('an update sent the moment a breach starts', () => {
  it('finds the obligations and tasks it names, even in the same workflow task as the start', async () => {
    // No worker polls this queue yet: the start and the updates wait together, and reach the workflow in one activation.
    const queue = `first-task-${randomUUID()}`;
    const early = new Breaches(env.client, queue, { now: () => env.currentTimeMs() });
    const { breachId } = await early.start(await detection());
    const approval = early.approve(breachId, { obligationId: 'JP-APPI/ppc-preliminary', approver: { id: 'fast@example.test' } });
    const task = early.recordTask(breachId, { taskId: 'task-force', by: { id: 'fast@example.test', roles: ['operator'] }, outcome: {} });
    await new Promise((resolve) => setTimeout(resolve, 500)); // both updates are with the server before a worker takes the first task
    const late = await startWorker(env, sink, bundle, queue, store);
    try {
      expect((await approval).action).toBe('approved');
      expect((await task).state).toBe('done');
    } finally {
      // A breach left running on a queue nobody polls would hold the test server's time still for the tests after it.
      await env.client.workflow.getHandle(breachId).terminate('test over');
      await late.stop();
    }
  });
});

describe('who did what', () => {
  it('records the actor of a facts update on the timeline and in the store', async () => {
    const { breachId } = await breaches.start(await detection());
    await breaches.updateFacts(breachId, { unfairPurpose: true }, { id: 'analyst@example.test' });
    const entry = (await breaches.status(breachId)).timeline.find((t) => t.kind === 'facts-updated');
    expect(entry).toMatchObject({ actor: 'analyst@example.test', detail: 'changed: unfairPurpose' });
    const stored = (await store.outcomes.forBreach(breachId)).find((o) => o.kind === 'facts-updated');
    expect(stored?.actor).toBe('analyst@example.test');
  });

  it.each([
    ['case', 'ALICE@example.test'],
    ['a zero-width space', 'alice\u200B@example.test'],
    ['full-width letters', 'ａｌｉｃｅ@example.test'],
    ['a soft hyphen', 'al\u00ADice@example.test'],
  ])('does not count the same person twice for four eyes when the name differs by %s', async (_how, twin) => {
    const { breachId } = await breaches.start(await detection());
    await breaches.approve(breachId, { obligationId: 'JP-APPI/ppc-preliminary', approver: { id: 'alice@example.test' } });
    const second = await rejection(breaches.approve(breachId, { obligationId: 'JP-APPI/ppc-preliminary', approver: { id: twin } }));
    expect(second).toBeInstanceOf(UpdateRejected);
    expect((second as Error).message).toContain('four-eyes');
    const preliminary = (await breaches.status(breachId)).obligations.find((o) => o.id === 'JP-APPI/ppc-preliminary')!;
    expect(preliminary).toMatchObject({ state: 'open', approvedBy: ['alice@example.test'] });
  });
});

describe('test notices', () => {
  it("go only to the requester's own address or one the policy lists, never to anyone else", async () => {
    const policy = ResponsePolicy.parse({ testRecipients: ['proof-reader@example.test'] });
    const withPolicy = new Breaches(env.client, worker.taskQueue, { policy, now: () => env.currentTimeMs() });
    const { breachId } = await withPolicy.start(await detection());
    await importRecipients(store, breachId, Readable.from(['{"id":"p1","name":"Synthetic Person","email":"p1@example.test"}\n']), 'jsonl');
    const notice = {
      companyName: 'Example K.K.',
      incident: 'A copy of the order table left.',
      cause: 'Synthetic cause.',
      secondaryDamage: 'None known so far.',
      measures: 'Closed.',
      advice: 'Watch statements.',
      contactDesk: { name: 'Desk', email: 'desk@example.test', hours: '9-18' },
    };
    const { campaignId } = await withPolicy.startCampaign(breachId, { notice, requestedBy: { id: 'olga@example.test' } });
    const refused = await rejection(withPolicy.sendTestNotice(breachId, { campaignId, to: 'victim@elsewhere.test', requestedBy: { id: 'olga@example.test' } }));
    expect(refused).toBeInstanceOf(UpdateRejected);
    expect((refused as Error).message).toContain("to: a test notice goes only to the requester's own address");
    await withPolicy.sendTestNotice(breachId, { campaignId, to: 'Olga@example.test', requestedBy: { id: 'olga@example.test' } });
    await withPolicy.sendTestNotice(breachId, { campaignId, to: 'proof-reader@example.test', requestedBy: { id: 'olga@example.test' } });
    const tests = sink.messages.filter((m) => m.subject.startsWith('[TEST]')).map((m) => m.envelopeTo.join());
    expect(tests).toContain('proof-reader@example.test');
    expect(tests).not.toContain('victim@elsewhere.test');
  });
});

describe('a store that refuses', () => {
  it('leaves the obligation open when its approval cannot be recorded, shows why, and tells the owner', async () => {
    const { breachId } = await breaches.start(await detection());
    // A real refusal by the database (SQLSTATE 23514), of this breach's approvals only: the rest still records.
    await store.sql.query(`ALTER TABLE outcome ADD CONSTRAINT refuse_approvals CHECK (NOT (kind = 'approval-recorded' AND breach_id = '${breachId}'))`);
    try {
      const error = await rejection(breaches.approve(breachId, { obligationId: 'JP-APPI/individuals', approver: { id: 'op@example.test' } }));
      expect(error).toBeInstanceOf(UpdateRejected);
      expect((error as Error).message).toMatch(/the store could not record this approval-recorded \(the store refused the value \(SQLSTATE 23514\)/);
      const status = await breaches.status(breachId);
      expect(status.obligations.find((o) => o.id === 'JP-APPI/individuals')).toMatchObject({ state: 'open', approvedBy: [] });
      expect(status.approvals).toEqual([]);
      expect(status.storeFailures).toEqual([expect.objectContaining({ kind: 'approval-recorded', reason: expect.stringContaining('23514') })]);
      expect(status.timeline.find((t) => t.kind === 'approval-recorded')).toMatchObject({ unrecorded: expect.stringContaining('23514') });
      const alert = await sink.waitFor((m) => m.text.includes(breachId) && m.subject.includes('store could not record'));
      expect(alert.envelopeTo).toEqual([AUDIENCES.owner]);
    } finally {
      await store.sql.query('ALTER TABLE outcome DROP CONSTRAINT refuse_approvals');
    }
    // Once the store takes it again, the same approval goes through.
    await breaches.approve(breachId, { obligationId: 'JP-APPI/individuals', approver: { id: 'op@example.test' } });
    expect((await breaches.status(breachId)).obligations.find((o) => o.id === 'JP-APPI/individuals')!.state).toBe('satisfied');
  });
});

describe('an escalation that cannot be mailed', () => {
  it('is reported failed with its reason and handed to the next audience', async () => {
    const refusing = await startWorker(env, refusingSink, bundle, `refusing-${randomUUID()}`);
    try {
      const viaRefusing = new Breaches(env.client, refusing.taskQueue, { now: () => env.currentTimeMs() });
      const { breachId } = await viaRefusing.start(await detection());
      const status = await viaRefusing.status(breachId);
      const preliminary = status.obligations.find((o) => o.id === 'JP-APPI/ppc-preliminary')!;
      // Past half the preliminary report's window: the owner's step is due, and the owner's mailbox refuses it.
      await env.sleep((Date.parse(preliminary.dueAt) - Date.parse(preliminary.startAt)) * 0.55);
      const fallback = await refusingSink.waitFor((m) => m.text.includes(breachId) && m.subject.includes('at-50%'));
      expect(fallback.envelopeTo).toEqual([AUDIENCES.dpo]);
      const after = await viaRefusing.status(breachId);
      const step = after.obligations.find((o) => o.id === 'JP-APPI/ppc-preliminary')!.escalations.find((e) => e.step === 'at-50%');
      expect(step).toMatchObject({ audience: 'dpo', failed: expect.stringMatching(/^owner: .*550/) });
      expect(after.timeline.find((t) => t.kind === 'escalation-failed' && t.obligationId === 'JP-APPI/ppc-preliminary')).toMatchObject({
        detail: expect.stringContaining('trying the dpo'),
      });
      // The SMTP server's reply is in the history only encrypted: failures travel as codec-sealed payloads.
      const history = await env.client.workflow.getHandle(breachId).fetchHistory();
      const failures = history.events!.flatMap((e) => (e.activityTaskFailedEventAttributes?.failure ? [e.activityTaskFailedEventAttributes.failure] : []));
      expect(failures.length).toBeGreaterThan(0);
      for (const failure of failures) {
        expect(failure.message).toBe('Encoded failure');
        expect(failure.stackTrace ?? '').toBe('');
        expect(Buffer.from(failure.encodedAttributes?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
      }
    } finally {
      await refusing.stop();
    }
  });
});
