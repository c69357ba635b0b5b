// Each breach's status kept in the store by its worker (workflows/status-snapshot.ts, worker/status-sink.ts): a status
// read is then a row, not a replay of the breach on a worker that no longer holds it. What must hold: the row is the
// status the workflow would answer, a change an update made is in it when the update has answered (read your own
// writes), it is readable with no worker at all, its clocks are read at the time of the read, an older row never
// replaces a newer one, and a row that could not be brought up to date is removed rather than served stale.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusSnapshots } from '../activities/metrics';
import { openStore, type Store } from '../activities/store';
import { Breaches, statusAt } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { statusQuery, type BreachStatus } from '../workflows/definitions';
import { bundleWorkflows } from '../worker/worker';
import { statusSink } from '../worker/status-sink';
import { timeSkippingEnvironment } from './support/temporal';
import { type RunningWorker, startWorker } from './support/worker';

/** What differs between two reads of the same state at different times: the time of the read and the clocks. */
const unclocked = (status: BreachStatus) => ({
  ...status,
  asOf: undefined,
  obligations: status.obligations.map((o) => ({ ...o, timeLeftMs: undefined })),
});

describe('the status kept in the store', () => {
  let env: TestWorkflowEnvironment;
  let sink: MailSink;
  let store: Store;
  let worker: RunningWorker | undefined;
  let breaches: Breaches;
  let breachId = '';

  beforeAll(async () => {
    [env, sink, store] = await Promise.all([timeSkippingEnvironment(), startMailSink(), openStore('pglite:memory')]);
    worker = await startWorker(env, sink, await bundleWorkflows(), `status-snapshot-${randomUUID()}`, store);
    breaches = new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs(), snapshots: store.statusSnapshots });
  }, 240_000);

  afterAll(async () => {
    if (breachId)
      await env.client.workflow
        .getHandle(breachId)
        .terminate('test over')
        .catch(() => undefined);
    await worker?.stop();
    await store?.close();
    await sink?.close();
    await env?.teardown();
  });

  const query = (id: string) => env.client.workflow.getHandle(id).query(statusQuery);

  it('is the status the workflow answers, and has each change an update made once the update has answered', async () => {
    ({ breachId } = await breaches.start({
      source: 'test-siem',
      eventId: `evt-${randomUUID()}`,
      detectedAt: new Date(await env.currentTimeMs()).toISOString(),
      summary: 'Synthetic: a customer table export seen leaving the shop database',
      facts: { jurisdictions: ['JP'], affectedCount: 1200, dataCategories: ['name', 'email'], unfairPurpose: true },
    }));
    // The breach's first tasks (its assessment, its register entry) each write theirs: the last is the query's.
    const answered = unclocked(await query(breachId));
    await expect.poll(async () => unclocked((await store.statusSnapshots.latest(breachId))!.status), { timeout: 30_000 }).toEqual(answered);

    // Each answer below is read from the store at once: no poll, no query.
    await breaches.approve(breachId, { obligationId: 'JP-APPI/ppc-preliminary', approver: { id: 'alice@example.test' }, filingReference: 'PPC-PRE-1' });
    expect((await breaches.status(breachId)).obligations.find((o) => o.id === 'JP-APPI/ppc-preliminary')!.approvedBy).toEqual(['alice@example.test']);
    await breaches.updateFacts(breachId, { affectedCount: 2400 });
    expect((await breaches.status(breachId)).facts.affectedCount).toBe(2400);
    const task = (await breaches.status(breachId)).tasks.find((t) => t.state === 'open')!;
    await breaches.recordTask(breachId, { taskId: task.id, by: { id: 'mgr@example.test', roles: ['operator', 'manager'] }, waive: { reason: 'synthetic' } });
    expect((await breaches.status(breachId)).tasks.find((t) => t.id === task.id)!.state).toBe('waived');
    expect(unclocked(await breaches.status(breachId))).toEqual(unclocked(await query(breachId)));
  });

  it('keeps a closed breach closed, as the last change of its workflow left it', async () => {
    const { breachId: closed } = await breaches.start({
      source: 'test-siem',
      eventId: `evt-${randomUUID()}`,
      detectedAt: new Date(await env.currentTimeMs()).toISOString(),
      summary: 'Synthetic: an encrypted backup copied to an unknown host',
      facts: { jurisdictions: ['JP'], affectedCount: 30, dataCategories: ['email'], encrypted: true },
    });
    for (const task of (await breaches.status(closed)).tasks) {
      await breaches.recordTask(closed, { taskId: task.id, by: { id: 'mgr@example.test', roles: ['operator', 'manager'] }, waive: { reason: 'encrypted' } });
    }
    await breaches.close(closed, { by: { id: 'dpo@example.test' }, reason: 'Not reportable: strongly encrypted' });
    await env.client.workflow.getHandle(closed).result();
    const status = await breaches.status(closed);
    expect(status.phase).toBe('closed');
    expect(status.timeline.at(-1)).toMatchObject({ kind: 'closed', actor: 'dpo@example.test' });
    expect(unclocked(status)).toEqual(unclocked(await query(closed)));
  });

  it('is read with no worker running, its clocks at the time of the read', async () => {
    await worker!.stop();
    worker = undefined;
    // No worker could answer a query now: this is the row, with what the updates above made.
    const read = await breaches.status(breachId);
    expect(read.facts.affectedCount).toBe(2400);
    expect(read.obligations.find((o) => o.id === 'JP-APPI/ppc-preliminary')!.approvedBy).toEqual(['alice@example.test']);
    // Read by a reader whose clock is past the final report's deadline: the row's clock says so.
    const due = read.obligations.find((o) => o.id === 'JP-APPI/ppc-final')!;
    const later = new Breaches(env.client, 'unused', { now: () => Date.parse(due.dueAt) + 60_000, snapshots: store.statusSnapshots });
    const after = await later.status(breachId);
    expect(after.asOf).toBe(new Date(Date.parse(due.dueAt) + 60_000).toISOString());
    expect(after.obligations.find((o) => o.id === due.id)).toMatchObject({ state: 'open', overdue: true, timeLeftMs: -60_000 });
    expect(after.timeline).toEqual(read.timeline);
  });
});

describe('the status rows', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore('pglite:memory');
  });
  afterAll(() => store?.close());

  const status = (breachId: string, affectedCount: number) =>
    ({ breachId, phase: 'reporting', asOf: new Date(0).toISOString(), facts: { affectedCount }, obligations: [], tasks: [] }) as unknown as BreachStatus;

  it("never lets an older position replace a newer one, a later run's included", async () => {
    expect(await store.statusSnapshots.record(status('b-order', 2), { runStartedAt: 1, historyLength: 20, seq: 1 })).toBe('recorded');
    expect(await store.statusSnapshots.record(status('b-order', 1), { runStartedAt: 1, historyLength: 20, seq: 0 })).toBe('stale');
    expect(await store.statusSnapshots.record(status('b-order', 1), { runStartedAt: 1, historyLength: 11, seq: 4 })).toBe('stale');
    expect((await store.statusSnapshots.latest('b-order'))!.status.facts.affectedCount).toBe(2);
    expect(await store.statusSnapshots.record(status('b-order', 3), { runStartedAt: 1, historyLength: 26, seq: 0 })).toBe('recorded');
    expect((await store.statusSnapshots.latest('b-order'))!.status.facts.affectedCount).toBe(3);
    // A run that reset the workflow starts later: its first task replaces what the run before it wrote last.
    expect(await store.statusSnapshots.record(status('b-order', 4), { runStartedAt: 2, historyLength: 12, seq: 0 })).toBe('recorded');
    expect(await store.statusSnapshots.record(status('b-order', 5), { runStartedAt: 1, historyLength: 40, seq: 0 })).toBe('stale');
    expect((await store.statusSnapshots.latest('b-order'))!.status.facts.affectedCount).toBe(4);
  });

  it('removes a row it could not bring up to date, so that the breach is read by query, and counts the failure', async () => {
    await store.statusSnapshots.record(status('b-fail', 1), { runStartedAt: 1, historyLength: 5, seq: 0 });
    // The real store, with its writes refused (as by a database that turned read-only); its deletes go through.
    const refusing = {
      statusSnapshots: Object.assign(Object.create(store.statusSnapshots) as Store['statusSnapshots'], {
        record: () => Promise.reject(new Error('cannot execute INSERT in a read-only transaction')),
      }),
    };
    const failedBefore = (await statusSnapshots.get()).values.find((v) => v.labels.outcome === 'failed')?.value ?? 0;
    const sink = statusSink(refusing, { retryDelaysMs: [5, 5] });
    const info = { workflowId: 'b-fail' } as Parameters<(typeof sink.breachStatus.snapshot)['fn']>[0];
    await sink.breachStatus.snapshot.fn(info, status('b-fail', 2), { runStartedAt: 1, historyLength: 9, seq: 0 });
    await expect.poll(() => store.statusSnapshots.latest('b-fail')).toBeUndefined();
    expect((await statusSnapshots.get()).values.find((v) => v.labels.outcome === 'failed')?.value).toBe(failedBefore + 1);
  });
});

describe('a status read later', () => {
  it('reads each open deadline and task target against the time of the read', () => {
    const written = {
      asOf: '2026-01-01T00:00:00.000Z',
      obligations: [
        { id: 'a', state: 'open', dueAt: '2026-01-02T09:00:00.000+09:00', timeLeftMs: 86_400_000, overdue: false },
        { id: 'b', state: 'satisfied', dueAt: '2026-01-01T12:00:00.000Z', timeLeftMs: 43_200_000, overdue: false },
      ],
      tasks: [
        { id: 't', state: 'open', targetAt: '2026-01-01T06:00:00.000Z', overdue: false },
        { id: 'u', state: 'done', targetAt: '2026-01-01T06:00:00.000Z', overdue: false },
      ],
    } as unknown as BreachStatus;
    const now = Date.parse('2026-01-01T13:00:00.000Z');
    const read = statusAt(written, now);
    expect(read.asOf).toBe('2026-01-01T13:00:00.000Z');
    expect(read.obligations.map((o) => [o.id, o.timeLeftMs, o.overdue])).toEqual([
      ['a', 11 * 3_600_000, false],
      ['b', -3_600_000, false],
    ]);
    expect(read.tasks.map((t) => [t.id, t.overdue])).toEqual([
      ['t', true],
      ['u', false],
    ]);
  });
});
