// The store's parts (outcomes, mail ledger, tokens, recipients) inside one transaction, on both engines: each part
// of the transaction's store writes on the transaction's connection, never beside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
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
});
