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
import { sealStatus, statusReader, statusSink } from '../worker/status-sink';
import { testCodec, timeSkippingEnvironment } from './support/temporal';
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
  /** The row as the API reads it: the store's, opened with the codec; never the query. */
  const row = (id: string) => statusReader(store.statusSnapshots, testCodec).latest(id);

  beforeAll(async () => {
    [env, sink, store] = await Promise.all([timeSkippingEnvironment(), startMailSink(), openStore('pglite:memory')]);
    worker = await startWorker(env, sink, await bundleWorkflows(), `status-snapshot-${randomUUID()}`, store);
    breaches = new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs(), snapshots: statusReader(store.statusSnapshots, testCodec) });
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
    await expect.poll(async () => unclocked((await row(breachId))!), { timeout: 30_000 }).toEqual(answered);

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

  it('hands over one status a workflow task, not one for each local activity the task ran', async () => {
    const handedOver = async () => (await statusSnapshots.get()).values.reduce((sum, v) => sum + v.value, 0);
    const before = await handedOver();
    const { breachId: started } = await breaches.start({
      source: 'test-siem',
      eventId: `evt-${randomUUID()}`,
      detectedAt: new Date(await env.currentTimeMs()).toISOString(),
      summary: 'Synthetic: a support mailbox forwarded outside the company',
      facts: { jurisdictions: ['JP', 'DE'], affectedCount: 800, dataCategories: ['name', 'email'] },
    });
    const answered = unclocked(await query(started));
    await expect.poll(async () => unclocked((await row(started))!), { timeout: 30_000 }).toEqual(answered);
    const { events } = await env.client.workflow.getHandle(started).fetchHistory();
    const tasks = events!.filter((e) => e.workflowTaskCompletedEventAttributes).length;
    const localActivities = events!.filter((e) => e.markerRecordedEventAttributes).length;
    expect(localActivities, 'the first task records its outcomes through local activities').toBeGreaterThan(2 * tasks);
    // At most one a task (a task may complete while a local activity still runs, and hand over at the next).
    const statuses = (await handedOver()) - before;
    expect(statuses).toBeGreaterThanOrEqual(1);
    expect(statuses).toBeLessThanOrEqual(tasks);
    await env.client.workflow.getHandle(started).terminate('test over');
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
    // The row, not the query: the closure was in it before the workflow ended.
    expect((await row(closed))!.phase).toBe('closed');
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
    const later = new Breaches(env.client, 'unused', { now: () => Date.parse(due.dueAt) + 60_000, snapshots: statusReader(store.statusSnapshots, testCodec) });
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
  const record = async (breachId: string, affectedCount: number, at: { taskAt: number; historyLength: number; seq: number }) =>
    store.statusSnapshots.record(breachId, await sealStatus(testCodec, status(breachId, affectedCount)), at);
  const read = async (breachId: string) => (await statusReader(store.statusSnapshots, testCodec).latest(breachId))?.facts.affectedCount;

  it('is sealed by the codec: no status text in the store', async () => {
    await record('b-sealed', 777, { taskAt: 1, historyLength: 3, seq: 0 });
    const { rows } = await store.sql.query<{ sealed: Uint8Array }>("SELECT sealed FROM breach_status WHERE breach_id = 'b-sealed'");
    expect(Buffer.from(rows[0]!.sealed).toString('latin1')).not.toMatch(/affectedCount|777|reporting/);
    expect(await read('b-sealed')).toBe(777);
  });

  it('never lets an older position replace a newer one; a later task wins after an eviction or a reset', async () => {
    expect(await record('b-order', 2, { taskAt: 1000, historyLength: 20, seq: 1 })).toBe('recorded');
    expect(await record('b-order', 1, { taskAt: 1000, historyLength: 20, seq: 0 })).toBe('stale');
    expect(await record('b-order', 1, { taskAt: 900, historyLength: 30, seq: 4 })).toBe('stale');
    expect(await read('b-order')).toBe(2);
    // After an eviction the activation count starts again at 0, and an update a validator refused grew no history.
    expect(await record('b-order', 3, { taskAt: 2000, historyLength: 20, seq: 0 })).toBe('recorded');
    // A reset's run has a shorter history than the run it replaces; its tasks are later.
    expect(await record('b-order', 4, { taskAt: 3000, historyLength: 12, seq: 0 })).toBe('recorded');
    expect(await read('b-order')).toBe(4);
  });

  it('withdraws a status it could not bring up to date, keeps its place against older writes, and counts the failure', async () => {
    await record('b-fail', 1, { taskAt: 1, historyLength: 5, seq: 0 });
    // The real store, with its writes of statuses refused (as by a database that turned read-only for them).
    const refusing = {
      statusSnapshots: Object.assign(Object.create(store.statusSnapshots) as Store['statusSnapshots'], {
        record: () => Promise.reject(new Error('cannot execute INSERT in a read-only transaction')),
      }),
    };
    const failedBefore = (await statusSnapshots.get()).values.find((v) => v.labels.outcome === 'failed')?.value ?? 0;
    const sink = statusSink(refusing, testCodec, { retryDelaysMs: [5, 5] });
    const info = { workflowId: 'b-fail' } as Parameters<(typeof sink.breachStatus.snapshot)['fn']>[0];
    await sink.breachStatus.snapshot.fn(info, status('b-fail', 2), { taskAt: 2, historyLength: 9, seq: 0 });
    await expect.poll(() => read('b-fail')).toBeUndefined();
    expect((await statusSnapshots.get()).values.find((v) => v.labels.outcome === 'failed')?.value).toBe(failedBefore + 1);
    // A late write of the older status (another worker's retry) does not bring it back.
    expect(await record('b-fail', 1, { taskAt: 1, historyLength: 5, seq: 1 })).toBe('stale');
    expect(await read('b-fail')).toBeUndefined();
    expect(await record('b-fail', 3, { taskAt: 3, historyLength: 11, seq: 0 })).toBe('recorded');
    expect(await read('b-fail')).toBe(3);
  });
});

describe('a status read later', () => {
  it("reads each open deadline, task target and the damage estimate's response factor against the time of the read", () => {
    const written = {
      asOf: '2026-01-01T00:00:00.000Z',
      facts: { dataCategories: ['name', 'address'], sectors: [], affectedCount: 10 },
      damage: { perPersonYen: 0, coverage: [{ insurer: 'Synthetic Cyber', heads: ['legal'] }] },
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
    expect(read.damage).toMatchObject({ inputs: { response: 1 }, totalYen: read.damage.perPersonYen * 10, coverage: [{ insurer: 'Synthetic Cyber' }] });
    // Past the open deadline: missed, and the model doubles its estimate for a response that missed one.
    const missed = statusAt(written, Date.parse('2026-01-02T01:00:00.000Z'));
    expect(missed.obligations[0]).toMatchObject({ overdue: true });
    expect(missed.damage.inputs.response).toBe(2);
    expect(missed.damage.perPersonYen).toBe(2 * read.damage.perPersonYen);
  });
});
