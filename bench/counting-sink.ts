// A counting SMTP sink for the notification benchmark, run as its own process so that it does not share a CPU
// core with what it measures. It accepts every message, counts each recipient, and answers IPC requests for the
// counts: messages, distinct recipients, recipients received more than once, and extra copies.
// In the mixed case it also behaves as the receiving side of the internet does: it defers a throttled domain's
// first two attempts per person (450, as a provider throttling a sender), and for 1 % of the people accepts the
// message and then reports it undeliverable with a delivery status notification (RFC 3464) to its return path.
import type { AddressInfo } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import { SMTPServer } from 'smtp-server';

const perRecipient = new Map<string, number>();
let messages = 0;
let mixed: { bouncePort: number; throttled: string; hardEvery: number } | undefined;
let mx: Transporter | undefined;
const deferrals = new Map<string, number>();
let dsnSent = 0;
let deferred = 0;

function dsn(returnPath: string, recipient: string): string {
  return [
    'From: MAILER-DAEMON@sink.bench.test',
    `To: <${returnPath}>`,
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; sink.bench.test',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
    '',
    '--B--',
    '',
  ].join('\r\n');
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 1024 * 1024,
  onRcptTo(address, _session, callback) {
    if (mixed && address.address.endsWith(`@${mixed.throttled}`)) {
      const seen = deferrals.get(address.address) ?? 0;
      if (seen < 2) {
        deferrals.set(address.address, seen + 1);
        deferred++;
        return callback(Object.assign(new Error('4.7.28 Too many messages, try again later'), { responseCode: 450 }));
      }
    }
    callback();
  },
  onData(stream, session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      for (const { address } of session.envelope.rcptTo) {
        // Notices only (r<n>@…): the breach's own escalation mails to its responders come here too.
        if (!/^r\d+@/.test(address)) continue;
        messages++;
        perRecipient.set(address, (perRecipient.get(address) ?? 0) + 1);
        const n = Number(/^r(\d+)@/.exec(address)?.[1]);
        const returnPath = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        if (mixed && mx && n % mixed.hardEvery === 0 && returnPath.startsWith('bounce+')) {
          dsnSent++;
          void mx.sendMail({ envelope: { from: 'MAILER-DAEMON@sink.bench.test', to: returnPath }, raw: dsn(returnPath, address) });
        }
      }
      callback();
    });
  },
});

server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'listening', port: (server.server.address() as AddressInfo).port });
});

process.on('message', (message: { type: string; bouncePort?: number; throttled?: string; hardEvery?: number }) => {
  if (message.type === 'counts') {
    let duplicates = 0;
    for (const n of perRecipient.values()) if (n > 1) duplicates += n - 1;
    process.send!({ type: 'counts', messages, recipients: perRecipient.size, duplicates, dsnSent, deferred });
  }
  if (message.type === 'mixed') {
    mixed = { bouncePort: message.bouncePort!, throttled: message.throttled!, hardEvery: message.hardEvery! };
    mx = nodemailer.createTransport({ host: '127.0.0.1', port: mixed.bouncePort, pool: true, maxConnections: 2 });
    process.send!({ type: 'mixed' });
  }
  if (message.type === 'reset') {
    perRecipient.clear();
    messages = 0;
    process.send!({ type: 'reset' });
  }
  if (message.type === 'stop') server.close(() => process.exit(0));
});
