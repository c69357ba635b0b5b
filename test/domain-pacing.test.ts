// Per-domain pacing against a real SMTP server on loopback: one recipient domain that defers (450, as a large
// provider throttling a sender does) is held back on its own while the rest of the wave goes out; caps per domain
// space its messages; a domain held round after round is stuck, and the owner's mail names it from the store.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignSender } from '../activities/campaign';
import { Mailer } from '../activities/mail';
import { openStore, type Store } from '../activities/store';
import type { BatchResult, SendBatchInput } from '../activities/types';
import { DomainPacing } from '../workflows/definitions';
import { startTestSmtp, type TestSmtp } from './support/smtp';

const FROM = 'Breachline <notices@example.test>';
const notice = {
  companyName: 'Pacing K.K.',
  incident: 'Synthetic.',
  measures: 'Synthetic.',
  advice: 'Synthetic.',
  contactDesk: { name: 'Desk', hours: '24/7' },
};

let store: Store;
let smtp: TestSmtp;
const rcptAt: { address: string; at: number }[] = [];
beforeAll(async () => {
  store = await openStore('pglite:memory');
  smtp = await startTestSmtp({
    answerRcpt(address) {
      rcptAt.push({ address, at: Date.now() });
      return address.endsWith('@slow.example.test') ? { code: 450, text: '4.7.28 Too many messages from your IP, try again later' } : undefined;
    },
  });
});
afterAll(async () => {
  await smtp?.close();
  await store?.close();
});

async function campaign(name: string, people: string[]): Promise<string> {
  const breachId = `breach-${name}`;
  await store.recipients.add(
    breachId,
    people.map((email, i) => ({
      id: `${name}${String(i).padStart(2, '0')}`,
      name: `Person ${i}`,
      email,
      locale: 'en',
      dataCategories: ['email'],
      priority: 1,
    })),
  );
  await store.recipients.planDeliveries(`${breachId}/campaign-1`, breachId, 1000);
  return breachId;
}

async function batch(sender: CampaignSender, breachId: string, domainPacing: DomainPacing): Promise<BatchResult> {
  return new MockActivityEnvironment().run((input: SendBatchInput) => sender.sendBatch(input), {
    breachId,
    campaignId: `${breachId}/campaign-1`,
    wave: 1,
    batchSize: 100,
    ratePerSecond: 1000,
    maxAttempts: 5,
    notice,
    templates: {},
    domainPacing,
  });
}

describe('per-domain pacing', () => {
  it('holds back only the domain that defers: its other people are not tried, the rest of the wave is sent, and later batches skip it', async () => {
    const fast = Array.from({ length: 10 }, (_, i) => `f${i}@fast.example.test`);
    const slow = Array.from({ length: 10 }, (_, i) => `s${i}@slow.example.test`);
    const breachId = await campaign('held', [...fast, ...slow]);
    const sender = new CampaignSender(store, { smtpUrl: smtp.url, from: FROM, maxConnections: 2 });
    const pacing = DomainPacing.parse({ limits: { 'slow.example.test': { concurrency: 1 } } });
    rcptAt.length = 0;
    const first = await batch(sender, breachId, pacing);
    expect(first).toMatchObject({ claimed: 20, sent: 10, deferred: 1, bounced: 0 });
    // One refusal from the throttled domain, and nobody else there tried: hammering it would only deepen the throttle.
    expect(rcptAt.filter((r) => r.address.endsWith('@slow.example.test'))).toHaveLength(1);
    expect(first.wave).toMatchObject({ sent: 10, deferred: 1, pending: 9 });
    expect(first.heldDomains).toEqual({ domains: 1, waiting: 10, stuck: 0 });

    rcptAt.length = 0;
    const second = await batch(sender, breachId, pacing);
    expect(second).toMatchObject({ claimed: 0, sent: 0, deferred: 10 }); // nothing to try: the wave backs off
    expect(rcptAt).toHaveLength(0);
    const held = await store.recipients.heldDomains(`${breachId}/campaign-1`, 1);
    expect(held).toEqual([{ domain: 'slow.example.test', rounds: 1, until: expect.any(String), waiting: 10, lastResponse: expect.stringContaining('4.7.28') }]);
    expect(Date.parse(held[0]!.until) - Date.now()).toBeGreaterThan(50_000); // the policy's 60 s first backoff
    sender.close();
  });

  it('spaces the messages to a capped domain at its rate while other domains go at theirs', async () => {
    const capped = Array.from({ length: 5 }, (_, i) => `c${i}@capped.example.test`);
    const free = Array.from({ length: 5 }, (_, i) => `o${i}@open.example.test`);
    const breachId = await campaign('rate', [...capped, ...free]);
    const sender = new CampaignSender(store, { smtpUrl: smtp.url, from: FROM, maxConnections: 2 });
    rcptAt.length = 0;
    const result = await batch(sender, breachId, DomainPacing.parse({ limits: { 'capped.example.test': { ratePerSecond: 10, concurrency: 1 } } }));
    expect(result).toMatchObject({ sent: 10, deferred: 0 });
    const at = rcptAt.filter((r) => r.address.endsWith('@capped.example.test')).map((r) => r.at);
    expect(at).toHaveLength(5);
    // Five messages at 10/s are four intervals (400 ms) apart; the first may wait on its connection's set-up, so
    // the bound is three. Uncapped, five messages over two pooled connections arrive within a few milliseconds.
    expect(at[4]! - at[0]!).toBeGreaterThanOrEqual(290);
    sender.close();
  });

  it('counts the rounds a domain is held in a row, and the owner’s mail names the stuck domains from the store', async () => {
    const breachId = await campaign('stuck', ['x0@stuck.example.test', 'x1@stuck.example.test']);
    const campaignId = `${breachId}/campaign-1`;
    for (let round = 1; round <= 3; round++) {
      expect(await store.recipients.holdDomain(campaignId, 'stuck.example.test', '451 4.7.1 Greylisted', 1, 10)).toBe(round);
      await store.sql.query("UPDATE domain_pacing SET backoff_until = now() - interval '1 second' WHERE campaign_id = $1", [campaignId]); // its backoff ran out
    }
    expect(await store.recipients.holdDomain(campaignId, 'stuck.example.test', '451 4.7.1 Greylisted', 60_000, 60_000)).toBe(4);
    await store.recipients.releaseDomains(campaignId, ['other.example.test']);
    expect((await store.recipients.heldDomains(campaignId))[0]).toMatchObject({ domain: 'stuck.example.test', rounds: 4, waiting: 2 });

    const mailer = new Mailer({ smtpUrl: smtp.url, from: FROM, responders: ['owner@example.test'] }, store);
    await mailer.send({
      idempotencyKey: `${campaignId}/wave-1/domains-deferring`,
      audience: 'owner',
      notice: { template: 'domains-deferring', breachId, campaignId, wave: 1, domains: 1, waiting: 2 },
    });
    mailer.transport.close();
    const mail = smtp.received.find((m) => /deferring wave/.test(m.subject))!;
    expect(mail.text).toContain('stuck.example.test: 2 waiting, 4 rounds deferred');
    expect(mail.text).toContain('451 4.7.1 Greylisted');

    await store.recipients.releaseDomains(campaignId, ['stuck.example.test']);
    expect(await store.recipients.heldDomains(campaignId)).toEqual([]);
  });

  it('refuses a pacing policy with a domain that is not one, naming it', () => {
    const parsed = DomainPacing.safeParse({ limits: { 'not a domain': { concurrency: 1 } } });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('a mail domain');
  });
});
