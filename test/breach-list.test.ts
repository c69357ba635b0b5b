// The list of open breaches read from the store's status rows (worker/status-sink.ts) rather than from Temporal's
// visibility, on the dev server (the only one here with search attributes). What must hold: the rows list what
// visibility lists, field for field, for every filter; a limit keeps the soonest deadlines of all that match; and
// while a running breach has no listed row (its write failed, or it predates the rows) the list asks visibility, so
// no open breach is ever left out. The detection's free text is sealed in the store like the status.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Breaches, type BreachSummary, type ListFilter } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { statusReader } from '../worker/status-sink';
import { devServerEnvironment, testCodec } from './support/temporal';
import { type RunningWorker, startWorker } from './support/worker';

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
const SUMMARY = 'Synthetic: backup bucket left public';
/** Four breaches whose deadlines, regimes and severities differ. */
const DETECTIONS = [
  { detectedAt: hoursAgo(60), severity: 'high', facts: { jurisdictions: ['DE'], affectedCount: 300, dataCategories: ['email'] } },
  { detectedAt: hoursAgo(2), severity: 'critical', facts: { jurisdictions: ['JP', 'FR'], affectedCount: 5000, unfairPurpose: true, dataCategories: ['name'] } },
  { detectedAt: hoursAgo(30), severity: 'low', facts: { jurisdictions: ['US-CA'], affectedCount: 40, dataCategories: ['name', 'government_id'] } },
  { detectedAt: hoursAgo(1), facts: { jurisdictions: ['JP'], affectedCount: 2, dataCategories: ['name'], unfairPurpose: true } },
] as const;
const FILTERS: ListFilter[] = [{}, { regime: 'EU-GDPR' }, { regime: 'JP-APPI' }, { severity: 'critical' }, { dueWithinHours: 24 }, { phase: 'reporting' }];

describe('the list of open breaches from the status rows', () => {
  let env: TestWorkflowEnvironment;
  let sink: MailSink;
  let worker: RunningWorker;
  let fromVisibility: Breaches;
  let fromRows: Breaches;
  /** How many lists the store answered (the reader is the API's own, observed, not replaced). */
  let listedFromRows = 0;
  const ids: string[] = [];

  beforeAll(async () => {
    [env, sink] = await Promise.all([devServerEnvironment(), startMailSink()]);
    worker = await startWorker(env, sink, await bundleWorkflows(), `breach-list-${randomUUID()}`);
    const reader = statusReader(worker.store.statusSnapshots, testCodec);
    const observed = {
      ...reader,
      listOpen: (query: Parameters<typeof reader.listOpen>[0]) => {
        listedFromRows++;
        return reader.listOpen(query);
      },
    };
    fromVisibility = await Breaches.connect(env.client, worker.taskQueue);
    fromRows = await Breaches.connect(env.client, worker.taskQueue, { snapshots: observed, coverageTtlMs: 0 });
    for (const [i, detection] of DETECTIONS.entries()) {
      const { breachId } = await fromVisibility.start({ source: 'list-siem', eventId: `evt-${i}-${randomUUID()}`, summary: `${SUMMARY} #${i}`, ...detection });
      ids.push(breachId);
    }
  }, 240_000);

  afterAll(async () => {
    for (const id of ids) {
      await env.client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    }
    await worker?.stop();
    await sink?.close();
    await env?.teardown();
  });

  /** Both lists once every breach is assessed in both places (visibility is eventually consistent). */
  async function settled(filter: ListFilter): Promise<{ rows: BreachSummary[]; visibility: BreachSummary[] }> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [rows, visibility] = await Promise.all([fromRows.list(filter), fromVisibility.list(filter)]);
      const assessed = (list: BreachSummary[]) => list.length > 0 && list.every((b) => b.phase !== 'triage');
      if ((assessed(visibility) && JSON.stringify(rows) === JSON.stringify(visibility)) || Date.now() > deadline) return { rows, visibility };
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('lists what visibility lists, field for field, for every filter, read from the store', async () => {
    const all = await settled({});
    expect(all.visibility.map((b) => b.breachId).sort()).toEqual([...ids].sort());
    for (const filter of FILTERS) {
      const before = listedFromRows;
      const { rows, visibility } = await settled(filter);
      expect(rows, JSON.stringify(filter)).toEqual(visibility);
      expect(listedFromRows, `${JSON.stringify(filter)} was read from the store`).toBeGreaterThan(before);
    }
    // The filters did filter: each keeps some breaches and leaves some out (all four are reporting, so not phase).
    const sizes = await Promise.all(FILTERS.filter((f) => !f.phase && Object.keys(f).length).map(async (filter) => (await fromRows.list(filter)).length));
    for (const size of sizes) {
      expect(size).toBeGreaterThan(0);
      expect(size).toBeLessThan(ids.length);
    }
    expect(all.rows.map((b) => b.summary).sort()).toEqual(DETECTIONS.map((_, i) => `${SUMMARY} #${i}`).sort());
  });

  it('keeps the soonest deadlines of all that match under a limit', async () => {
    const everything = (await settled({})).rows;
    const deadlines = everything.map((b) => Date.parse(b.nextDeadlineAt!));
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
    expect(new Set(deadlines).size, 'four different nearest deadlines').toBe(ids.length);
    for (const limit of [1, 2, 3]) expect(await fromRows.list({ limit })).toEqual(everything.slice(0, limit));
  });

  it('keeps the detection’s free text sealed in the store', async () => {
    const { rows } = await worker.store.sql.query<{ summary: Uint8Array; sealed: Uint8Array }>(
      'SELECT summary, sealed FROM breach_status WHERE breach_id = ANY($1)',
      [ids],
    );
    expect(rows).toHaveLength(ids.length);
    for (const row of rows) {
      expect(Buffer.from(row.summary).toString('latin1')).not.toContain('Synthetic');
      expect(Buffer.from(row.sealed).toString('latin1')).not.toContain('Synthetic');
    }
  });

  it('asks visibility while a running breach has no listed row, so none is left out', async () => {
    const expected = (await settled({})).visibility;
    const [withdrawn, missing] = [ids[1]!, ids[2]!];
    // A write that failed: the row is withdrawn in place (a later position, no status).
    const { rows } = await worker.store.sql.query<{ task_at: Date; history_length: number; seq: number }>(
      'SELECT task_at, history_length, seq FROM breach_status WHERE breach_id = $1',
      [withdrawn],
    );
    const at = rows[0]!;
    await worker.store.statusSnapshots.forget(withdrawn, { taskAt: at.task_at.getTime(), historyLength: at.history_length + 1, seq: 0 });
    let before = listedFromRows;
    expect(await fromRows.list({})).toEqual(expected);
    expect(listedFromRows, 'not read from the store').toBe(before);

    // A breach with no row at all (started before the rows existed).
    await worker.store.sql.query('DELETE FROM breach_status WHERE breach_id = $1', [missing]);
    before = listedFromRows;
    expect((await fromRows.list({ regime: 'US-CA' })).map((b) => b.breachId)).toEqual([missing]);
    expect(listedFromRows, 'not read from the store').toBe(before);
  });
});
