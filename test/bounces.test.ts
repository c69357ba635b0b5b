// Asynchronous bounces over real SMTP: notices go out with a VERP return path per person to a remote mail server
// that accepts them all and, minutes later in real life (at once here), sends delivery status notifications
// (RFC 3464) for some of them to that return path, delivered to Breachline's bounce listener as to an MX.
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BounceListener, dsnReceived, listenForBounces, readDsn } from '../activities/bounces';
import { CampaignSender } from '../activities/campaign';
import { openStore, type Store } from '../activities/store';
import type { BatchResult, SendBatchInput } from '../activities/types';

const BOUNCE_DOMAIN = 'bounces.example.test';
const CAMPAIGN = 'breach-bounces/campaign-1';

function dsn(to: string, finalRecipient: string, action: string, status: string, diagnostic: string): string {
  return [
    'From: Mail Delivery System <MAILER-DAEMON@remote.example.test>',
    `To: <${to}>`,
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"',
    '',
    '--BOUNDARY',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host remote.example.test.',
    '--BOUNDARY',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; remote.example.test',
    '',
    `Final-Recipient: rfc822; ${finalRecipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${diagnostic}`,
    '',
    '--BOUNDARY--',
    '',
  ].join('\r\n');
}

/** The remote MTA: accepts every notice, then reports on some of them to their return path, through the bounce MX. */
async function remoteMta(bouncePort: number) {
  const sent: { to: string; returnPath: string }[] = [];
  const reports: Promise<unknown>[] = [];
  const mx = nodemailer.createTransport({ host: '127.0.0.1', port: bouncePort, secure: false, ignoreTLS: true });
  const answers: Record<string, [string, string, string]> = {
    'gone@remote.example.test': ['failed', '5.1.1', '550 5.1.1 <gone@remote.example.test>: Recipient address rejected: User unknown'],
    'full@remote.example.test': ['failed', '4.2.2', '452 4.2.2 Mailbox full'],
    'slow@remote.example.test': ['delayed', '4.4.1', '421 4.4.1 Connection timed out'],
  };
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        const returnPath = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        for (const rcpt of session.envelope.rcptTo) {
          sent.push({ to: rcpt.address, returnPath });
          const answer = answers[rcpt.address];
          if (answer)
            reports.push(
              mx.sendMail({ envelope: { from: 'MAILER-DAEMON@remote.example.test', to: returnPath }, raw: dsn(returnPath, rcpt.address, ...answer) }),
            );
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    sent,
    reports,
    mx,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let store: Store;
let listener: BounceListener;
let remote: Awaited<ReturnType<typeof remoteMta>>;
beforeAll(async () => {
  store = await openStore('pglite:memory');
  listener = await listenForBounces(store, { domain: BOUNCE_DOMAIN, port: 0 });
  remote = await remoteMta(listener.port);
});
afterAll(async () => {
  remote?.mx.close();
  await remote?.close();
  await listener?.close();
  await store?.close();
});

const status = async (personId: string) =>
  (
    await store.sql.query<{ status: string; smtp_response: string }>('SELECT status, smtp_response FROM delivery WHERE campaign_id = $1 AND person_id = $2', [
      CAMPAIGN,
      personId,
    ])
  ).rows[0];

describe('asynchronous bounces', () => {
  it('sends each notice with its own return path, and a DSN to it marks a hard bounce bounced (postal list), a soft one deferred, a delay nothing', async () => {
    const people = ['ok', 'gone', 'full', 'slow'].map((local, i) => ({
      id: `b${i}`,
      name: `Bounce Person ${i}`,
      email: `${local}@remote.example.test`,
      ...(local === 'gone' ? { postalAddress: '1-1 Synthetic Street' } : {}),
      locale: 'en',
      dataCategories: ['email'],
      priority: 1,
    }));
    await store.recipients.add('breach-bounces', people);
    await store.recipients.planDeliveries(CAMPAIGN, 'breach-bounces', 10);
    const sender = new CampaignSender(store, { smtpUrl: remote.url, from: 'Breachline <notices@example.test>', bounceDomain: BOUNCE_DOMAIN });
    const result: BatchResult = await new MockActivityEnvironment().run((input: SendBatchInput) => sender.sendBatch(input), {
      breachId: 'breach-bounces',
      campaignId: CAMPAIGN,
      wave: 1,
      batchSize: 10,
      ratePerSecond: 100,
      maxAttempts: 3,
      notice: {
        companyName: 'Bounce K.K.',
        incident: 'Synthetic.',
        measures: 'Synthetic.',
        advice: 'Synthetic.',
        contactDesk: { name: 'Desk', hours: '24/7' },
      },
      templates: {},
    });
    sender.close();
    expect(result.sent).toBe(4); // the remote server accepted all four: the refusals come later
    await Promise.all(remote.reports);

    // One return path per person, in the bounce domain, naming no one.
    const paths = remote.sent.map((s) => s.returnPath);
    expect(new Set(paths).size).toBe(4);
    for (const path of paths) expect(path).toMatch(/^bounce\+[0-9a-f]{32}@bounces\.example\.test$/);
    expect(paths.join(' ')).not.toMatch(/gone|full|slow|ok|remote/);

    expect(await status('b0')).toMatchObject({ status: 'sent' });
    expect(await status('b1')).toMatchObject({ status: 'bounced', smtp_response: expect.stringContaining('DSN 5.1.1') });
    expect(await status('b2')).toMatchObject({ status: 'deferred', smtp_response: expect.stringContaining('4.2.2') });
    expect(await status('b3')).toMatchObject({ status: 'sent' });
    expect((await store.recipients.postalList('breach-bounces')).map((p) => [p.person_id, p.reason])).toEqual([['b1', 'bounced']]);
    expect((await store.recipients.deliveryCounts(CAMPAIGN))[1]).toEqual({ sent: 2, bounced: 1, deferred: 1 });
    expect(await store.recipients.bounceReports(CAMPAIGN)).toEqual([
      { outcome: 'delayed', n: 1 },
      { outcome: 'hard', n: 1 },
      { outcome: 'soft', n: 1 },
    ]);
  });

  it('keeps and counts a DSN it cannot match or read, and refuses mail for anything but its bounce addresses', async () => {
    const before = (await dsnReceived.get()).values
      .filter((v) => v.labels.outcome === 'unmatched' || v.labels.outcome === 'unparseable')
      .reduce((a, v) => a + v.value, 0);
    const unknown = `bounce+${'0'.repeat(32)}@${BOUNCE_DOMAIN}`;
    await remote.mx.sendMail({
      envelope: { from: 'MAILER-DAEMON@remote.example.test', to: unknown },
      raw: dsn(unknown, 'x@remote.example.test', 'failed', '5.1.1', '550 unknown'),
    });
    const known = (await store.sql.query<{ return_token: string }>("SELECT return_token FROM delivery WHERE person_id = 'b0'")).rows[0]!.return_token;
    await remote.mx.sendMail({
      envelope: { from: 'someone@remote.example.test', to: `bounce+${known}@${BOUNCE_DOMAIN}` },
      raw: 'From: someone@remote.example.test\r\nSubject: out of office\r\n\r\nI am away until Monday.\r\n',
    });
    const kept = await store.sql.query<{ outcome: string; message: string | null }>(
      "SELECT outcome, message FROM bounce_report WHERE outcome IN ('unmatched', 'unparseable') ORDER BY id",
    );
    expect(kept.rows.map((r) => r.outcome)).toEqual(['unmatched', 'unparseable']);
    expect(kept.rows[1]!.message).toContain('out of office');
    expect(await status('b0')).toMatchObject({ status: 'sent' }); // an auto-reply is not a bounce
    const after = (await dsnReceived.get()).values
      .filter((v) => v.labels.outcome === 'unmatched' || v.labels.outcome === 'unparseable')
      .reduce((a, v) => a + v.value, 0);
    expect(after - before).toBe(2);
    await expect(
      remote.mx.sendMail({ envelope: { from: 'spammer@remote.example.test', to: 'ceo@example.test' }, raw: 'Subject: hi\r\n\r\nhi\r\n' }),
    ).rejects.toMatchObject({
      responseCode: 550,
    });
  });

  it('keeps a delivery bounced when its DSN comes back before the send is settled', async () => {
    await store.recipients.add('breach-race', [
      { id: 'r0', name: 'Race Person', email: 'race@remote.example.test', locale: 'en', dataCategories: ['email'], priority: 1 },
    ]);
    await store.recipients.planDeliveries('breach-race/campaign-1', 'breach-race', 10);
    const [claimed] = await store.recipients.claimDeliveries('breach-race/campaign-1', 1, 10);
    await store.recipients.recordBounce({ kind: 'hard', returnToken: claimed!.return_token, status: '5.1.1', diagnostic: '550 User unknown' });
    await store.recipients.settleDeliveries('breach-race/campaign-1', [{ personId: 'r0', status: 'sent', messageId: '<m@x>', smtpResponse: '250 queued' }]);
    const row = (await store.sql.query<{ status: string; smtp_response: string }>("SELECT status, smtp_response FROM delivery WHERE person_id = 'r0'")).rows[0];
    expect(row).toEqual({ status: 'bounced', smtp_response: 'DSN 5.1.1 550 User unknown' });
  });

  it('reads the per-recipient fields of a DSN whatever their folding and case', () => {
    const raw = dsn('bounce+x@b.test', 'a@b.test', 'FAILED', '5.7.1', '550 5.7.1 Message rejected\r\n    as spam').replace(
      'Diagnostic-Code',
      'diagnostic-code',
    );
    expect(readDsn(Buffer.from(raw))).toMatchObject({ kind: 'hard', status: '5.7.1', diagnostic: '550 5.7.1 Message rejected as spam' });
  });
});
