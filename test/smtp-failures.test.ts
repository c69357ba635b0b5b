// SMTP failures told apart and visible: each failure of the sendMail activity is an ApplicationFailure with a
// stable type and a one-line reason, retried only when retrying can help, and noted on the mail's ledger row.
// Against real SMTP servers on loopback: one offering STARTTLS with a self-signed certificate, as a stock
// Debian Postfix does, one without STARTTLS, one refusing logins, mailboxes, or closing with 421.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mailer, type SmtpTls } from '../activities/mail';
import { openStore, type Store } from '../activities/store';
import type { SendMailInput } from '../activities/types';
import { loadConfig } from '../worker/config';
import { selfSignedCertificate, startTestSmtp, type TestSmtp } from './support/smtp';

let store: Store;
let certificate: { key: string; cert: string };
let starttls: TestSmtp;
let plain: TestSmtp;
const caFile = join(mkdtempSync(join(tmpdir(), 'smtp-ca-')), 'ca.pem');

beforeAll(async () => {
  certificate = await selfSignedCertificate();
  writeFileSync(caFile, certificate.cert);
  [store, starttls, plain] = await Promise.all([openStore('pglite:memory'), startTestSmtp({ tls: certificate }), startTestSmtp()]);
});

afterAll(async () => {
  await Promise.all([starttls?.close(), plain?.close()]);
  await store?.close();
});

let keys = 0;
function escalation(): SendMailInput {
  return {
    idempotencyKey: `smtp-test/${++keys}`,
    audience: 'responders',
    notice: {
      template: 'escalation',
      breachId: 'smtp-test',
      obligationId: 'JP-APPI/ppc-preliminary',
      title: 'PPC preliminary report',
      citation: 'APPI Art. 26(1)',
      dueAt: Date.UTC(2030, 0, 1),
      zone: 'Asia/Tokyo',
      guidance: false,
      step: 'owner',
      overdue: true,
    },
  };
}

/** Sends one escalation through a Mailer on `url`, returning the failure it threw (or the result). */
async function send(url: string, tls?: SmtpTls, responders = ['dpo@example.test']) {
  const mailer = new Mailer({ smtpUrl: url, tls, from: 'Breachline <breachline@example.test>', responders }, store);
  const input = escalation();
  try {
    return { input, result: await mailer.send(input), failure: undefined };
  } catch (error) {
    return { input, result: undefined, failure: error as ApplicationFailure };
  } finally {
    mailer.close();
  }
}

async function ledgerRow(key: string) {
  return (await store.mail.forBreach('smtp-test')).find((r) => r.idempotency_key === key)!;
}

describe('the sendMail activity against a STARTTLS server with a self-signed certificate', () => {
  it('fails at once as MailTls, not retried, naming the self-signed certificate and the fix, and notes it on the ledger', async () => {
    const { input, failure } = await send(starttls.url);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure!.type).toBe('MailTls');
    expect(failure!.nonRetryable).toBe(true);
    expect(failure!.message).toMatch(/self[- ]signed certificate/);
    expect(failure!.message).toContain('set BREACHLINE_SMTP_CA_FILE or, knowingly, BREACHLINE_SMTP_TLS_SELF_SIGNED=allow');
    expect(failure!.message).not.toContain('\n');
    const row = await ledgerRow(input.idempotencyKey);
    expect(row).toMatchObject({ status: 'sending', attempts: 1 });
    expect(row.smtp_response).toMatch(/certificate is not trusted/);
  });

  it('sends when BREACHLINE_SMTP_CA_FILE holds the certificate', async () => {
    const { tls } = loadConfig({ BREACHLINE_SMTP_CA_FILE: caFile }).mail;
    const { input, result, failure } = await send(starttls.url, tls);
    expect(failure).toBeUndefined();
    expect(result).toMatchObject({ status: 'sent', accepted: 1 });
    expect(starttls.received.some((m) => m.messageId && m.subject.includes('PPC preliminary report'))).toBe(true);
    expect(await ledgerRow(input.idempotencyKey)).toMatchObject({ status: 'sent' });
  });

  it('sends when BREACHLINE_SMTP_TLS_SELF_SIGNED=allow', async () => {
    const { tls } = loadConfig({ BREACHLINE_SMTP_TLS_SELF_SIGNED: 'allow' }).mail;
    expect(tls).toMatchObject({ allowSelfSigned: true });
    const { result } = await send(starttls.url, tls);
    expect(result).toMatchObject({ status: 'sent' });
  });
});

describe('the sendMail activity told what failed', () => {
  it('refuses to send without STARTTLS when BREACHLINE_SMTP_REQUIRE_TLS=true, as MailTls, not retried', async () => {
    const before = plain.received.length;
    const { tls } = loadConfig({ BREACHLINE_SMTP_REQUIRE_TLS: 'true' }).mail;
    const { failure } = await send(plain.url, tls);
    expect(failure).toMatchObject({ type: 'MailTls', nonRetryable: true });
    expect(failure!.message).toContain('does not offer STARTTLS');
    expect(plain.received.length).toBe(before);
  });

  it('reports a refused connection as MailTransport, retried, with the cause on the ledger row after each attempt', async () => {
    const down = await startTestSmtp();
    await down.down();
    const { input, failure } = await send(down.url);
    expect(failure).toMatchObject({ type: 'MailTransport', nonRetryable: false });
    expect(failure!.message).toMatch(/the SMTP server cannot be reached: .*ECONNREFUSED/);
    // A second attempt with the same key is counted on the same row.
    const mailer = new Mailer({ smtpUrl: down.url, from: 'Breachline <breachline@example.test>', responders: ['dpo@example.test'] }, store);
    await expect(mailer.send(input)).rejects.toMatchObject({ type: 'MailTransport' });
    mailer.close();
    const row = await ledgerRow(input.idempotencyKey);
    expect(row).toMatchObject({ status: 'sending', attempts: 2 });
    expect(row.smtp_response).toContain('ECONNREFUSED');
    await down.up();
    await down.close();
  });

  it('reports a refused login as MailAuth, not retried', async () => {
    const authed = await startTestSmtp({ auth: { user: 'breachline', pass: 'right' } });
    const { failure } = await send(authed.url.replace('smtp://', 'smtp://breachline:wrong@'));
    expect(failure).toMatchObject({ type: 'MailAuth', nonRetryable: true });
    expect(failure!.message).toContain('535');
    expect(failure!.message).not.toContain('wrong');
    await authed.close();
  });

  it('reports a 5xx to RCPT as MailRefused for good, and a 4xx as MailTransport to retry, without the address', async () => {
    const picky = await startTestSmtp({
      answerRcpt: (address) =>
        address.startsWith('gone')
          ? { code: 550, text: `5.1.1 <${address}>: mailbox unavailable` }
          : address.startsWith('full')
            ? { code: 452, text: `4.2.2 <${address}>: mailbox full` }
            : undefined,
    });
    const refused = await send(picky.url, undefined, ['gone@example.test']);
    expect(refused.failure).toMatchObject({ type: 'MailRefused', nonRetryable: true });
    expect(refused.failure!.message).toContain('550');
    expect(refused.failure!.message).not.toContain('gone@example.test');
    expect(await ledgerRow(refused.input.idempotencyKey)).toMatchObject({ status: 'failed' });
    const deferred = await send(picky.url, undefined, ['full@example.test']);
    expect(deferred.failure).toMatchObject({ type: 'MailTransport', nonRetryable: false });
    expect(deferred.failure!.message).toContain('452');
    await picky.close();
  });

  it('reports a server closing with 421 as MailTransport, retried', async () => {
    const closing = await startTestSmtp();
    closing.closing();
    const { failure } = await send(closing.url);
    expect(failure).toMatchObject({ type: 'MailTransport', nonRetryable: false });
    expect(failure!.message).toContain('the SMTP server is unavailable: ');
    expect(failure!.message).toContain('421');
    await closing.close();
  });
});

describe('SMTP TLS settings from the environment', () => {
  it('reads the CA file once at start, and names a file that holds no certificate', () => {
    expect(loadConfig({ BREACHLINE_SMTP_CA_FILE: caFile }).mail.tls).toEqual({ ca: certificate.cert, requireTLS: false, allowSelfSigned: false });
    const notPem = join(tmpdir(), `not-a-cert-${process.pid}.txt`);
    writeFileSync(notPem, 'hello');
    expect(() => loadConfig({ BREACHLINE_SMTP_CA_FILE: notPem })).toThrow(`BREACHLINE_SMTP_CA_FILE: ${notPem} holds no PEM certificate`);
    expect(() => loadConfig({ BREACHLINE_SMTP_CA_FILE: '/nonexistent/ca.pem' })).toThrow('BREACHLINE_SMTP_CA_FILE: cannot read /nonexistent/ca.pem');
  });

  it('takes only true/false for REQUIRE_TLS and only "allow" for TLS_SELF_SIGNED', () => {
    expect(loadConfig({}).mail.tls).toEqual({ requireTLS: false, allowSelfSigned: false });
    expect(() => loadConfig({ BREACHLINE_SMTP_REQUIRE_TLS: 'sometimes' })).toThrow('BREACHLINE_SMTP_REQUIRE_TLS');
    expect(() => loadConfig({ BREACHLINE_SMTP_TLS_SELF_SIGNED: 'yes' })).toThrow('BREACHLINE_SMTP_TLS_SELF_SIGNED');
  });
});
