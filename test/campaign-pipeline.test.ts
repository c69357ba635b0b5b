// One call of the wave sender runs several batches: it claims the next batch from the store while the last is still
// being sent, on both store engines, against a real SMTP server on loopback. Each person is claimed and mailed once
// (the next claim starts after the last person claimed, so it never takes the people still in flight), and the call
// returns to the campaign after its time budget.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignSender } from '../activities/campaign';
import { openStore, type Store } from '../activities/store';
import type { BatchResult, SendBatchInput } from '../activities/types';
import { storeEngines } from './support/postgres';
import { startTestSmtp, type TestSmtp } from './support/smtp';

const FROM = 'Breachline <notices@example.test>';
const notice = {
  companyName: 'Pipeline K.K.',
  incident: 'Synthetic.',
  measures: 'Synthetic.',
  advice: 'Synthetic.',
  contactDesk: { name: 'Desk', hours: '24/7' },
};

let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startTestSmtp();
});
afterAll(async () => smtp?.close());

const engines = storeEngines();

async function wave(store: Store, name: string, people: number): Promise<string> {
  const breachId = `breach-${name}`;
  await store.recipients.add(
    breachId,
    Array.from({ length: people }, (_, i) => ({
      id: `${name}${String(i).padStart(4, '0')}`,
      name: `Person ${i}`,
      email: `${name}${i}@pipe.example.test`,
      locale: 'en',
      dataCategories: ['email'],
      priority: 1,
    })),
  );
  await store.recipients.planDeliveries(`${breachId}/campaign-1`, breachId, people);
  return breachId;
}

function call(sender: CampaignSender, breachId: string, batchSize: number): Promise<BatchResult> {
  return new MockActivityEnvironment().run((input: SendBatchInput) => sender.sendBatch(input), {
    breachId,
    campaignId: `${breachId}/campaign-1`,
    wave: 1,
    batchSize,
    ratePerSecond: 100_000,
    maxAttempts: 5,
    notice,
    templates: {},
  });
}

const received = (name: string) => smtp.received.filter((m) => m.to.startsWith(name) && m.to.endsWith('@pipe.example.test'));

describe.each(engines)('a call of the wave sender on %s', (_, url) => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(url());
  });
  afterAll(async () => store?.close());

  it('sends a wave of many batches in one call, claiming each next batch while the last is in flight, each person once', async () => {
    const name = `many${url().length}`;
    const breachId = await wave(store, name, 300);
    const sender = new CampaignSender(store, { smtpUrl: smtp.url, from: FROM, maxConnections: 2 });
    const result = await call(sender, breachId, 20);
    sender.close();
    // 15 batches claimed in one call; a claim that took people still 'sending' again would send them twice.
    expect(result).toMatchObject({ claimed: 300, sent: 300, deferred: 0, bounced: 0 });
    expect(result.wave).toMatchObject({ sent: 300, pending: 0 });
    const to = received(name).map((m) => m.to);
    expect(to).toHaveLength(300);
    expect(new Set(to).size).toBe(300);
    const attempts = await store.sql.query<{ attempts: number; n: string }>(
      'SELECT attempts, count(*) AS n FROM delivery WHERE campaign_id = $1 GROUP BY attempts',
      [`${breachId}/campaign-1`],
    );
    expect(attempts.rows.map((r) => [Number(r.attempts), Number(r.n)])).toEqual([[1, 300]]);
  });

  it('returns to the campaign after one batch when its time budget is spent, and the next call goes on from there', async () => {
    const name = `budget${url().length}`;
    const breachId = await wave(store, name, 50);
    const sender = new CampaignSender(store, { smtpUrl: smtp.url, from: FROM, maxConnections: 2, sendForMs: 0 });
    const first = await call(sender, breachId, 20);
    expect(first).toMatchObject({ claimed: 20, sent: 20 });
    expect(first.wave).toMatchObject({ sent: 20, pending: 30 });
    const second = await call(sender, breachId, 20);
    expect(second).toMatchObject({ claimed: 20, sent: 20 });
    sender.close();
    expect(new Set(received(name).map((m) => m.to)).size).toBe(40);
    expect(received(name)).toHaveLength(40);
  });

  it('takes up the people a dead call left sending, once, with the same Message-ID', async () => {
    const name = `dead${url().length}`;
    const breachId = await wave(store, name, 60);
    const campaignId = `${breachId}/campaign-1`;
    // A call that claimed two batches and died before sending any of them.
    const dead = await store.recipients.claimDeliveries(campaignId, 1, 20);
    await store.recipients.claimDeliveries(campaignId, 1, 20, dead.at(-1)!.person_id);
    const sender = new CampaignSender(store, { smtpUrl: smtp.url, from: FROM, maxConnections: 2 });
    const result = await call(sender, breachId, 20);
    sender.close();
    expect(result).toMatchObject({ claimed: 60, sent: 60 });
    expect(received(name)).toHaveLength(60);
    expect(new Set(received(name).map((m) => m.messageId)).size).toBe(60);
    const { rows } = await store.sql.query<{ attempts: number; n: string }>(
      'SELECT attempts, count(*) AS n FROM delivery WHERE campaign_id = $1 GROUP BY attempts ORDER BY attempts',
      [campaignId],
    );
    expect(rows.map((r) => [Number(r.attempts), Number(r.n)])).toEqual([
      [1, 20],
      [2, 40],
    ]);
  });
});
