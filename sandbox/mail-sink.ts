// A local SMTP server that accepts every message and keeps it: in memory for tests, and as .eml files in a
// folder for people (the dev stack serves them as a page too). It is a real SMTP server (smtp-server), so
// what arrives here went through nodemailer, the wire and the protocol exactly as it would in production.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  seq: number;
  receivedAt: Date;
  envelopeFrom: string;
  envelopeTo: string[];
  messageId?: string;
  subject: string;
  text: string;
  file?: string;
}

export interface MailSink {
  host: string;
  port: number;
  url: string;
  messages: ReceivedMail[];
  /** With dedupeByMessageId: the copies accepted but not kept, because a message with their Message-ID was. */
  suppressed: ReceivedMail[];
  /** Resolves with the first message (already received or arriving) that matches; rejects after timeoutMs. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export interface MailSinkOptions {
  host?: string;
  port?: number;
  /** Keep each message as an .eml file here. */
  dir?: string;
  /** Refuse these recipients with a permanent SMTP 550, as a mail server does for an unknown mailbox. */
  refuse?: (address: string) => boolean;
  /** Implicit TLS (smtps) with this key and certificate. */
  tls?: { key: Buffer; cert: Buffer };
  /** Require SMTP AUTH with these credentials. */
  auth?: { user: string; pass: string };
  /**
   * Keep one message per Message-ID, as mailbox stores do (RFC 5322 §3.6.4: a Message-ID names one message): a
   * resend of the same message is acknowledged and counted in `suppressed`, not delivered twice.
   */
  dedupeByMessageId?: boolean;
}

export async function startMailSink(options: MailSinkOptions = {}): Promise<MailSink> {
  const host = options.host ?? '127.0.0.1';
  const messages: ReceivedMail[] = [];
  const suppressed: ReceivedMail[] = [];
  const seen = new Set<string>();
  const waiters = new Set<{ match: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void }>();
  if (options.dir) mkdirSync(options.dir, { recursive: true });

  const receive = async (stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const parsed = await simpleParser(raw);
    const seq = messages.length + 1;
    const receivedAt = new Date();
    let file: string | undefined;
    if (options.dir) {
      file = join(options.dir, `${receivedAt.toISOString().replace(/[:.]/g, '-')}-${String(seq).padStart(6, '0')}.eml`);
      writeFileSync(file, raw);
    }
    const mail: ReceivedMail = {
      seq,
      receivedAt,
      envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      envelopeTo: session.envelope.rcptTo.map((r) => r.address),
      messageId: parsed.messageId,
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      file,
    };
    const key = mail.messageId && `${mail.envelopeTo.join(',')} ${mail.messageId}`;
    if (options.dedupeByMessageId && key && seen.has(key)) {
      suppressed.push(mail);
      return;
    }
    if (key) seen.add(key);
    messages.push(mail);
    for (const waiter of waiters) {
      if (waiter.match(mail)) {
        waiters.delete(waiter);
        waiter.resolve(mail);
      }
    }
  };

  const server = new SMTPServer({
    secure: Boolean(options.tls),
    ...(options.tls ?? {}),
    authOptional: !options.auth,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) return callback(null, { user: auth.username });
      callback(Object.assign(new Error('5.7.8 authentication failed'), { responseCode: 535 }));
    },
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (options.refuse?.(address.address)) {
        const error = Object.assign(new Error(`5.1.1 <${address.address}>: mailbox unavailable`), { responseCode: 550 });
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      receive(stream, session).then(
        () => callback(),
        (error: Error) => callback(error),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client that dies mid-session (a worker killed with SIGKILL) resets its connection: that is the client's
  // failure, not the server's, and a real MTA shrugs it off too.
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') console.error(`mail sink: ${error.message}`);
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    host,
    port,
    url: `${options.tls ? 'smtps' : 'smtp'}://${host}:${port}`,
    messages,
    suppressed,
    waitFor(match, timeoutMs = 30_000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (mail: ReceivedMail) => (clearTimeout(timer), resolve(mail)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching mail within ${timeoutMs} ms; received: ${messages.map((m) => m.subject).join(' | ') || 'none'}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
