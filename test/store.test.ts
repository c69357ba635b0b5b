// The store's parts (outcomes, mail ledger, tokens, recipients) inside one transaction, on both engines: each part
// of the transaction's store writes on the transaction's connection, never beside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
import { ApiTokens } from '../activities/store/tokens';
import { postgresAvailable, storeEngines } from './support/postgres';

const engines = storeEngines();

describe.each(engines)('the store on %s', (engine, storeUrl) => {
  const test = it.skipIf(engine.startsWith('PostgreSQL') && !postgresAvailable);
  let store: Store;

  beforeAll(async () => {
    if (engine.startsWith('PostgreSQL') && !postgresAvailable) return;
    store = await openStore(storeUrl());
  });
  afterAll(async () => store?.close());

  test('sees, within a transaction, what every part wrote in it, and keeps none of it when the transaction fails', async () => {
    const breachId = `breach-parts-${engine.split(' ')[0]}`;
    const tokenName = `holder-${engine.split(' ')[0]}`;
    const seenInside = await store
      .transaction(async (tx) => {
        await tx.outcomes.record({ idempotencyKey: `${breachId}/detected`, breachId, kind: 'detected', at: 0, detail: {} });
        await tx.mail.claim(`${breachId}/mail`, breachId, '<m@example.test>');
        await tx.tokens.insert(`hash-${tokenName}`, tokenName, ['operator']);
        await tx.recipients.add(breachId, [{ id: 'p1', name: 'Person One', email: 'p1@example.test', locale: 'en', dataCategories: ['contact'], priority: 1 }]);
        await tx.recipients.planDeliveries(`${breachId}/campaign`, breachId, 10);
        const seen = {
          outcomes: (await tx.outcomes.forBreach(breachId)).length,
          mail: (await tx.mail.forBreach(breachId)).length,
          token: Boolean(await tx.tokens.find(`hash-${tokenName}`)),
          recipients: (await tx.recipients.counts(breachId)).total,
          deliveries: (await tx.recipients.deliveryCounts(`${breachId}/campaign`))[1]?.pending,
        };
        throw Object.assign(new Error('changed my mind'), { seen });
      })
      .catch((error: Error & { seen?: unknown }) => error.seen);
    expect(seenInside).toEqual({ outcomes: 1, mail: 1, token: true, recipients: 1, deliveries: 1 });

    expect(await store.outcomes.forBreach(breachId)).toEqual([]);
    expect(await store.mail.forBreach(breachId)).toEqual([]);
    expect(await store.tokens.find(`hash-${tokenName}`)).toBeUndefined();
    expect(await store.recipients.counts(breachId)).toEqual({ total: 0, withEmail: 0, postalOnly: 0 });
    expect(await store.recipients.deliveryCounts(`${breachId}/campaign`)).toEqual({});
  });

  test('looks up the tokens of requests arriving together in one statement, and keeps nothing a revocation could miss', async () => {
    const name = `burst-${engine.split(' ')[0]}`;
    await store.tokens.insert(`hash-${name}`, name, ['detector']);
    const statements: string[] = [];
    const counting = new ApiTokens({ ...store.sql, query: (text, params) => (statements.push(text), store.sql.query(text, params)) });
    const found = await Promise.all([...Array.from({ length: 30 }, () => counting.find(`hash-${name}`)), counting.find('hash-nobody')]);
    expect(statements).toHaveLength(1);
    expect(found.slice(0, 30).every((row) => row?.name === name && row.revoked_at === null)).toBe(true);
    expect(found[30]).toBeUndefined();
    // Revoked through another instance (another replica, the CLI): the next look-up sees it.
    expect(await store.tokens.revoke(name)).toBe(1);
    expect((await counting.find(`hash-${name}`))?.revoked_at).toBeInstanceOf(Date);
    expect(statements).toHaveLength(2);
  });
});

describe.each(engines)('wave counts and claims on %s', (engine, storeUrl) => {
  const test = it.skipIf(engine.startsWith('PostgreSQL') && !postgresAvailable);
  let store: Store;
  beforeAll(async () => {
    if (engine.startsWith('PostgreSQL') && !postgresAvailable) return;
    store = await openStore(storeUrl());
  });
  afterAll(async () => store?.close());

  /** What the kept counts must equal: a plain recount of the deliveries. */
  async function recount(campaignId: string): Promise<Record<number, Record<string, number>>> {
    const { rows } = await store.sql.query<{ wave: number; status: string; n: string }>(
      'SELECT wave, status, count(*) AS n FROM delivery WHERE campaign_id = $1 GROUP BY wave, status',
      [campaignId],
    );
    const counts: Record<number, Record<string, number>> = {};
    for (const r of rows) (counts[Number(r.wave)] ??= {})[r.status] = Number(r.n);
    return counts;
  }

  test('keeps each wave’s counts equal to a recount through claims, settlements, releases, give-ups and a rolled-back claim', async () => {
    const breachId = `breach-counts-${engine.split(' ')[0]}`;
    const campaignId = `${breachId}/campaign`;
    const people = Array.from({ length: 250 }, (_, i) => ({
      id: `p${String(i).padStart(3, '0')}`,
      name: `Person ${i}`,
      ...(i % 10 === 0 ? {} : { email: `p${i}@example.test` }),
      locale: 'en',
      dataCategories: ['contact'],
      priority: i % 3,
    }));
    await store.recipients.add(breachId, people);
    await store.recipients.planDeliveries(campaignId, breachId, 100);
    expect(await store.recipients.deliveryCounts(campaignId)).toEqual(await recount(campaignId));

    const first = await store.recipients.claimDeliveries(campaignId, 1, 40);
    expect(first).toHaveLength(40);
    await store.recipients.settleDeliveries(
      campaignId,
      first.map((p, i) => ({
        personId: p.person_id,
        status: i % 4 === 0 ? 'deferred' : i % 7 === 0 ? 'bounced' : 'sent',
        messageId: `<${i}@x>`,
        smtpResponse: '250 ok',
      })),
    );
    const second = await store.recipients.claimDeliveries(campaignId, 1, 30);
    await store.recipients.releaseDeliveries(
      campaignId,
      second.slice(0, 10).map((p) => p.person_id),
    );
    await store.recipients.giveUpDeferred(campaignId, 1, 1);
    await store
      .transaction(async (tx) => {
        await tx.recipients.claimDeliveries(campaignId, 2, 50);
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    const counts = await store.recipients.deliveryCounts(campaignId);
    expect(counts).toEqual(await recount(campaignId));
    expect(Object.values(counts[1] ?? {}).reduce((a, b) => a + b, 0)).toBe(100);
    // People already sent are never claimed again; the claim takes people in order from those still to send.
    const sent = new Set(first.filter((_, i) => !(i % 4 === 0) && !(i % 7 === 0)).map((p) => p.person_id));
    const third = await store.recipients.claimDeliveries(campaignId, 1, 100);
    expect(third.some((p) => sent.has(p.person_id))).toBe(false);
    expect(third.map((p) => p.person_id)).toEqual([...third.map((p) => p.person_id)].sort());
  });

  test('claims a batch from the index of people still to send, without sorting the wave', async () => {
    // Planner settings make a small table's plan what a large one's is: no full scan, no sort where an index can serve.
    const rows = await store.transaction(async (tx) => {
      await tx.sql.query('SET LOCAL enable_seqscan = off');
      await tx.sql.query('SET LOCAL enable_sort = off');
      return (
        await tx.sql.query<Record<string, string>>(
          `EXPLAIN SELECT person_id FROM delivery WHERE campaign_id = 'c' AND wave = 1 AND status IN ('pending', 'deferred', 'sending')
       ORDER BY person_id LIMIT 500 FOR UPDATE SKIP LOCKED`,
        )
      ).rows;
    });
    const plan = rows.map((r) => Object.values(r)[0]).join('\n');
    expect(plan).toMatch(/delivery_to_send/);
    expect(plan).not.toMatch(/Sort/);
  });
});
