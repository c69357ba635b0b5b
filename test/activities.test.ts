// The activities against real parts: an SMTP server on loopback, and the store on both of its engines
// (embedded PGlite and a PostgreSQL server). Retries and repeats are simulated by calling again.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { Mailer, messageIdFor } from '../activities/mail';
import { importRecipients } from '../activities/recipients';
import { openStore, type Store } from '../activities/store';
import type { SendMailInput } from '../activities/types';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { postgresAvailable, storeEngines } from './support/postgres';

const FROM = 'Breachline <breachline@example.test>';
const engines = storeEngines();

describe.each(engines)('activities on %s', (engine, storeUrl) => {
  const test = it.skipIf(engine.startsWith('PostgreSQL') && !postgresAvailable);
  let store: Store;
  let sink: MailSink;
  const refused = 'gone@example.test';

  beforeAll(async () => {
    if (engine.startsWith('PostgreSQL') && !postgresAvailable) return;
    store = await openStore(storeUrl());
    await store.sql.query('TRUNCATE outcome, mail_ledger');
    sink = await startMailSink({ refuse: (address) => address === refused });
  });
  afterAll(async () => {
    await sink?.close();
    await store?.close();
  });

  const mailer = (responders: string[], smtpUrl = sink.url) => new Mailer({ smtpUrl, from: FROM, responders }, store);
  const input = (key: string): SendMailInput => ({
    idempotencyKey: key,
    audience: 'responders',
    notice: {
      template: 'escalation',
      breachId: 'breach-t',
      obligationId: 'JP-APPI/ppc-final',
      title: 'Final report',
      citation: 'Rules Art. 8(2)',
      dueAt: Date.parse('2027-01-22T14:59:59.999Z'),
      zone: 'Asia/Tokyo',
      guidance: false,
      step: 'due-in-24h',
      overdue: false,
    },
  });

  test('sends a mail once per idempotency key, however often it is asked', async () => {
    const m = mailer(['dpo@example.test']);
    const first = await m.send(input(`${engine}/once`));
    const again = await m.send(input(`${engine}/once`));
    m.close();
    expect(first.status).toBe('sent');
    expect(again).toEqual({ ...first, status: 'already-sent' });
    const received = sink.messages.filter((mail) => mail.messageId === first.messageId);
    expect(received).toHaveLength(1);
    expect(received[0]!.text).toContain('2027-01-22T23:59:59.999+09:00');
    expect((await store.mail.forBreach('breach-t')).find((r) => r.idempotency_key === `${engine}/once`)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  test('resends a mail whose fate is unknown with the same Message-ID', async () => {
    const key = `${engine}/crashed-mid-send`;
    await store.mail.claim(key, 'breach-t', messageIdFor(key, FROM)); // an attempt that died before settling
    const m = mailer(['dpo@example.test']);
    const result = await m.send(input(key));
    m.close();
    expect(result.messageId).toBe(messageIdFor(key, FROM));
    expect(sink.messages.filter((mail) => mail.messageId === result.messageId)).toHaveLength(1);
    expect((await store.mail.forBreach('breach-t')).find((r) => r.idempotency_key === key)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  test('marks a mail refused with SMTP 5xx as failed, for good', async () => {
    const m = mailer([refused]);
    const error = await m.send(input(`${engine}/refused`)).catch((e) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toContain('550');
    const again = await m.send(input(`${engine}/refused`)).catch((e) => e);
    m.close();
    expect((again as ApplicationFailure).nonRetryable).toBe(true);
    expect((await store.mail.forBreach('breach-t')).find((r) => r.idempotency_key === `${engine}/refused`)).toMatchObject({ status: 'failed' });
  });

  test('leaves a mail retryable when the SMTP server cannot be reached', async () => {
    const m = mailer(['dpo@example.test'], 'smtp://127.0.0.1:1');
    const error = await m.send(input(`${engine}/unreachable`)).catch((e) => e);
    m.close();
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'MailTransport', nonRetryable: false });
    expect((await store.mail.forBreach('breach-t')).find((r) => r.idempotency_key === `${engine}/unreachable`)).toMatchObject({ status: 'sending' });
  });

  test('keeps all of a transaction or none of it', async () => {
    const key = (name: string) => `${engine}/tx/${name}`;
    const outcome = (name: string) => ({ idempotencyKey: key(name), breachId: 'breach-tx', kind: 'approval-recorded' as const, at: 0, detail: {} });
    expect(await store.transaction(async (tx) => (await tx.outcomes.record(outcome('kept'))) && tx.outcomes.record(outcome('kept-too')))).toBe('new');
    const failure = await store
      .transaction(async (tx) => {
        await tx.outcomes.record(outcome('undone'));
        throw new Error('changed my mind');
      })
      .catch((e) => e);
    expect((failure as Error).message).toBe('changed my mind');
    expect((await store.outcomes.forBreach('breach-tx')).map((r) => r.idempotency_key).sort()).toEqual([key('kept'), key('kept-too')]);
    expect(await store.outcomes.record(outcome('after'))).toBe('new'); // the connection is usable again
  });

  test('keeps nothing of an import the store fails part-way, and says which lines it was storing', async () => {
    const breachId = `breach-store-fails-${engine.split(' ')[0]}`;
    await store.sql.query(`CREATE OR REPLACE FUNCTION refuse_p2500() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.person_id = 'p2500' THEN RAISE EXCEPTION 'disk full (simulated by a trigger)'; END IF; RETURN NEW; END $$`);
    await store.sql.query('CREATE OR REPLACE TRIGGER refuse_p2500 BEFORE INSERT ON recipient FOR EACH ROW EXECUTE FUNCTION refuse_p2500()');
    try {
      const csv = 'id,name,email\n' + Array.from({ length: 3000 }, (_, i) => `p${i},Person ${i},p${i}@example.test\n`).join('');
      const error = await importRecipients(store, breachId, Readable.from([csv]), 'csv').catch((e) => e);
      expect((error as Error).message).toMatch(/lines 2002.3001.*disk full/);
      expect((error as Error).cause).toBeUndefined(); // the driver's error holds the rows it was given: not passed on to be logged
      expect((await store.recipients.counts(breachId)).total).toBe(0);
    } finally {
      await store.sql.query('DROP TRIGGER refuse_p2500 ON recipient');
    }
  });

  test('records an outcome once per idempotency key', async () => {
    const outcome = {
      idempotencyKey: `${engine}/o1`,
      breachId: 'breach-o',
      kind: 'approval-recorded' as const,
      at: Date.parse('2026-11-24T00:00:00Z'),
      actor: 'dpo@example.test',
      detail: { action: 'submitted' },
    };
    expect(await store.outcomes.record(outcome)).toBe('new');
    expect(await store.outcomes.record({ ...outcome, actor: 'someone-else' })).toBe('duplicate');
    const rows = await store.outcomes.forBreach('breach-o');
    expect(rows.filter((r) => r.idempotency_key === `${engine}/o1`).map((r) => [r.actor, r.detail, r.at.toISOString()])).toEqual([
      ['dpo@example.test', { action: 'submitted' }, '2026-11-24T00:00:00.000Z'],
    ]);
  });
});

describe('mail transport security', () => {
  it('sends over implicit TLS with SMTP AUTH, configured by URL alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'breachline-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    const tlsSink = await startMailSink({
      tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      auth: { user: 'breachline', pass: 's3cret' },
    });
    const store = await openStore('pglite:memory');
    const notice = {
      template: 'escalation' as const,
      breachId: 'breach-tls',
      obligationId: 'JP-APPI/ppc-final',
      title: 'Final report',
      citation: 'Rules Art. 8(2)',
      dueAt: 0,
      zone: 'Asia/Tokyo',
      guidance: false,
      step: 'missed',
      overdue: true,
    };
    // The test certificate is self-signed; production points tls.ca-trusted servers at a real certificate.
    const url = (pass: string) => `smtps://breachline:${pass}@127.0.0.1:${tlsSink.port}/?tls.rejectUnauthorized=false`;
    try {
      const good = new Mailer({ smtpUrl: url('s3cret'), from: FROM, responders: ['dpo@example.test'] }, store);
      const sent = await good.send({ idempotencyKey: 'tls/1', audience: 'responders', notice });
      good.close();
      expect(tlsSink.messages.map((m) => m.messageId)).toEqual([sent.messageId]);

      // A refused login is the worker's configuration to fix: not retried, but its ledger row stays open, so once fixed it goes out once.
      const bad = new Mailer({ smtpUrl: url('wrong'), from: FROM, responders: ['dpo@example.test'] }, store);
      const refusal = await bad.send({ idempotencyKey: 'tls/2', audience: 'responders', notice }).catch((e) => e);
      bad.close();
      expect(refusal).toBeInstanceOf(ApplicationFailure);
      expect(refusal).toMatchObject({ type: 'MailAuth', nonRetryable: true });
      expect(tlsSink.messages).toHaveLength(1);
      const fixed = new Mailer({ smtpUrl: url('s3cret'), from: FROM, responders: ['dpo@example.test'] }, store);
      await fixed.send({ idempotencyKey: 'tls/2', audience: 'responders', notice });
      fixed.close();
      expect(tlsSink.messages).toHaveLength(2);
    } finally {
      await tlsSink.close();
      await store.close();
    }
  });
});
