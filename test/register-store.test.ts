// The breach register and the hash chains in the store, on both engines: revisions written once, searched with
// filters and pages, purged only past retention; a rewritten approver or register row is named by verify; and
// concurrent writers of one breach's chain on PostgreSQL never fork it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
import { verifyChains } from '../activities/store/verify';
import type { RegisterEntry } from '../workflows/domain/register';
import { postgresAvailable, storeEngines } from './support/postgres';

const engines = storeEngines();

/** A synthetic register entry: counts and categories, no person. */
function entry(breachId: string, revision: number, over: Partial<RegisterEntry> = {}): RegisterEntry {
  return {
    breachId,
    revision,
    status: 'open',
    notifiable: true,
    awareAt: '2026-03-01T09:00:00.000Z',
    detection: { source: 'test-siem', eventId: `evt-${breachId}`, detectedAt: '2026-03-01T09:00:00.000Z', summary: 'Synthetic' },
    facts: { awareAt: '2026-03-01T09:00:00.000Z', jurisdictions: ['JP'], dataCategories: ['email'], sectors: [], affectedCount: 1200 },
    decisions: [{ regime: 'JP-APPI', notifiable: true, obligations: ['JP-APPI/ppc-final'], reasons: ['JP-APPI/ppc-final: more than 1,000 people'] }],
    obligations: [
      {
        id: 'JP-APPI/ppc-final',
        regime: 'JP-APPI',
        title: 'Final report to the PPC',
        recipient: 'regulator',
        citation: 'APPI Art. 26(1)',
        dueAt: '2026-04-30T23:59:59.999+09:00',
        state: 'satisfied',
        why: ['more than 1,000 people'],
        approvals: [
          { by: 'alice@example.test', at: '2026-03-02T09:00:00.000Z', action: 'approved', filingReference: 'PPC-1' },
          { by: 'bob@example.test', at: '2026-03-02T10:00:00.000Z', action: 'submitted' },
        ],
      },
    ],
    campaigns: [],
    tasks: [],
    ...over,
  };
}

describe.each(engines)('the register on %s', (engine, storeUrl) => {
  const test = it.skipIf(engine.startsWith('PostgreSQL') && !postgresAvailable);
  let store: Store;
  const tag = engine.split(' ')[0]!.toLowerCase();

  beforeAll(async () => {
    if (engine.startsWith('PostgreSQL') && !postgresAvailable) return;
    store = await openStore(storeUrl());
  });
  afterAll(async () => store?.close());

  test('keeps each revision once and lists the latest of each breach, filtered and paged', async () => {
    const id = (n: number) => `breach-list-${tag}-${n}`;
    expect(await store.register.record(entry(id(1), 1))).toBe('new');
    expect(await store.register.record(entry(id(1), 1))).toBe('duplicate');
    await store.register.record(entry(id(1), 2, { status: 'closed', closedAt: '2026-05-01T00:00:00.000Z' }));
    await store.register.record(entry(id(2), 1, { notifiable: false, awareAt: '2026-06-01T00:00:00.000Z', decisions: [], obligations: [] }));
    await store.register.record(entry(id(3), 1, { awareAt: '2026-07-01T00:00:00.000Z' }));

    const base = { limit: 100, offset: 0 };
    const all = await store.register.list(base);
    expect(all.entries.filter((e) => e.breachId.startsWith(`breach-list-${tag}`)).map((e) => [e.breachId, e.revision, e.status])).toEqual([
      [id(3), 1, 'open'],
      [id(2), 1, 'open'],
      [id(1), 2, 'closed'],
    ]);
    expect((await store.register.list({ ...base, status: 'closed' })).entries.map((e) => e.breachId)).toContain(id(1));
    expect((await store.register.list({ ...base, status: 'closed' })).entries.map((e) => e.breachId)).not.toContain(id(3));
    expect((await store.register.list({ ...base, notifiable: false })).entries.map((e) => e.breachId)).toEqual([id(2)]);
    expect((await store.register.list({ ...base, regime: 'JP-APPI', from: '2026-06-15', to: '2026-07-02' })).entries.map((e) => e.breachId)).toEqual([id(3)]);
    const page = await store.register.list({ limit: 1, offset: 1, from: '2026-01-01', to: '2026-12-31' });
    expect(page.total).toBe(3);
    expect(page.entries.map((e) => e.breachId)).toEqual([id(2)]);
  });

  test('verify passes an untouched store and names the outcome whose approver was rewritten in SQL', async () => {
    const breachId = `breach-chain-${tag}`;
    const record = (n: number, kind: 'detected' | 'approval-recorded', actor?: string) =>
      store.outcomes.record({
        idempotencyKey: `${breachId}/timeline/${n}`,
        breachId,
        kind,
        at: Date.UTC(2026, 2, 1, 9, n),
        actor,
        detail: { summary: `entry ${n}`, n },
      });
    await record(1, 'detected');
    await record(2, 'approval-recorded', 'alice@example.test');
    await record(3, 'approval-recorded', 'bob@example.test');
    expect(await record(3, 'approval-recorded', 'bob@example.test')).toBe('duplicate');
    const clean = await verifyChains(store);
    expect(clean.broken).toBeUndefined();
    expect(clean.ok).toBe(true);

    await store.sql.query(`UPDATE outcome SET actor = 'alice@example.test' WHERE idempotency_key = $1`, [`${breachId}/timeline/3`]);
    const report = await verifyChains(store);
    expect(report.ok).toBe(false);
    expect(report.broken).toEqual({
      table: 'outcome',
      breachId,
      entry: `${breachId}/timeline/3`,
      chainSeq: 3,
      reason: 'its content does not match its hash: the row was rewritten',
    });
    await store.sql.query(`UPDATE outcome SET actor = 'bob@example.test' WHERE idempotency_key = $1`, [`${breachId}/timeline/3`]);
    expect((await verifyChains(store)).ok).toBe(true);

    // A row deleted from the middle breaks the link of the row after it.
    await store.sql.query(`DELETE FROM outcome WHERE idempotency_key = $1`, [`${breachId}/timeline/2`]);
    expect((await verifyChains(store)).broken).toMatchObject({
      entry: `${breachId}/timeline/3`,
      reason: expect.stringContaining('a row before it was deleted'),
    });
    await store.sql.query('DELETE FROM outcome WHERE breach_id = $1', [breachId]);
  });

  test('verify names the register revision whose approver, or whose columns, were rewritten in SQL', async () => {
    const breachId = `breach-regchain-${tag}`;
    await store.register.record(entry(breachId, 1));
    await store.register.record(entry(breachId, 2, { status: 'closed', closedAt: '2026-05-01T00:00:00.000Z' }));
    expect((await verifyChains(store)).ok).toBe(true);
    const { rows } = await store.sql.query<{ entry: RegisterEntry }>('SELECT entry FROM register_entry WHERE breach_id = $1 AND revision = 1', [breachId]);
    const forged = rows[0]!.entry;
    forged.obligations[0]!.approvals[1]!.by = 'alice@example.test';
    await store.sql.query('UPDATE register_entry SET entry = $2 WHERE breach_id = $1 AND revision = 1', [breachId, JSON.stringify(forged)]);
    expect((await verifyChains(store)).broken).toEqual({
      table: 'register_entry',
      breachId,
      entry: 'revision 1',
      chainSeq: 1,
      reason: 'its content does not match its hash: the row was rewritten',
    });
    await store.sql.query('DELETE FROM register_entry WHERE breach_id = $1', [breachId]);

    await store.register.record(entry(breachId, 1));
    await store.sql.query(`UPDATE register_entry SET status = 'closed' WHERE breach_id = $1`, [breachId]);
    expect((await verifyChains(store)).broken).toMatchObject({ entry: 'revision 1', reason: expect.stringContaining('(status) do not match its entry') });
    await store.sql.query('DELETE FROM register_entry WHERE breach_id = $1', [breachId]);
  });

  test('purges only closed breaches past retention, with their timelines, leaving other chains intact', async () => {
    const old = `breach-purge-old-${tag}`;
    const recent = `breach-purge-recent-${tag}`;
    const open = `breach-purge-open-${tag}`;
    await store.register.record(entry(old, 1, { status: 'closed', closedAt: '2020-01-01T00:00:00.000Z', awareAt: '2019-12-01T00:00:00.000Z' }));
    await store.register.record(entry(recent, 1, { status: 'closed', closedAt: '2026-01-01T00:00:00.000Z' }));
    await store.register.record(entry(open, 1, { awareAt: '2019-01-01T00:00:00.000Z' }));
    await store.outcomes.record({ idempotencyKey: `${old}/timeline/1`, breachId: old, kind: 'detected', at: Date.UTC(2019, 11, 1), detail: {} });
    const cutoff = new Date('2021-01-01T00:00:00.000Z'); // five years before 2026-01-01
    expect(await store.register.purge(cutoff, { dryRun: true })).toEqual([old]);
    expect(await store.register.latest(old)).toBeDefined();
    expect(await store.register.purge(cutoff)).toEqual([old]);
    expect(await store.register.latest(old)).toBeUndefined();
    expect(await store.outcomes.forBreach(old)).toEqual([]);
    expect(await store.register.latest(recent)).toBeDefined();
    expect(await store.register.latest(open)).toBeDefined();
    expect((await verifyChains(store)).ok).toBe(true);
  });

  test('concurrent writers of one breach make one chain, never a fork', async () => {
    const breachId = `breach-concurrent-${tag}`;
    // Two stores: on PostgreSQL, two pools, as two worker processes would be.
    const other = engine.startsWith('PostgreSQL') ? await openStore(storeUrl()) : store;
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, n) =>
          (n % 2 ? other : store).outcomes.record({
            idempotencyKey: `${breachId}/timeline/${n}`,
            breachId,
            kind: 'escalation-sent',
            at: Date.UTC(2026, 0, 1, 0, n),
            detail: { n },
          }),
        ),
      );
      await Promise.all(Array.from({ length: 10 }, (_, n) => (n % 2 ? other : store).register.record(entry(breachId, n + 1))));
    } finally {
      if (other !== store) await other.close();
    }
    const { rows } = await store.sql.query<{ chain_seq: number }>('SELECT chain_seq FROM outcome WHERE breach_id = $1 ORDER BY chain_seq', [breachId]);
    expect(rows.map((r) => r.chain_seq)).toEqual(Array.from({ length: 40 }, (_, n) => n + 1));
    const report = await verifyChains(store);
    expect(report.broken).toBeUndefined();
  });
});
