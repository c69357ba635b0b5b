// Real SMTP servers on loopback (smtp-server) that fail the way production servers do: a STARTTLS certificate
// nobody vouches for, a refused login, a mailbox refused or deferred, and an outage (the server stopped: new
// connections refused, open sessions told 421 and closed) that ends when the test brings the server back.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { generate } from 'selfsigned';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface Received {
  to: string;
  messageId?: string;
  subject: string;
  text: string;
  /** The message as the server received it, headers and body, for checks such as a DKIM signature's. */
  raw: Buffer;
}

export interface TestSmtp {
  url: string;
  port: number;
  received: Received[];
  /** Stops answering: the port refuses connections, and open sessions get 421 at their next command. */
  down(): Promise<void>;
  /** Listens again on the same port, and answers again. */
  up(): Promise<void>;
  /** Keeps listening, but answers 421 to every session, as a server shutting down or over its limits does. */
  closing(): void;
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Offer STARTTLS with this key and certificate. */
  tls?: { key: string; cert: string };
  auth?: { user: string; pass: string };
  /** RCPT TO answers for chosen addresses, e.g. 550 or 450. */
  answerRcpt?: (address: string) => { code: number; text: string } | undefined;
  /** Called after each message is accepted, with how many have been. */
  onAccepted?: (count: number) => void;
}

const smtpError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

export async function startTestSmtp(options: TestSmtpOptions = {}): Promise<TestSmtp> {
  const received: Received[] = [];
  let isDown = false;
  const refuseWhenDown = (callback: (error?: Error | null) => void) =>
    isDown ? callback(smtpError(421, '4.3.2 Service shutting down, closing transmission channel')) : callback();
  const server = new SMTPServer({
    logger: false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    authOptional: !options.auth,
    disabledCommands: [...(options.tls ? [] : ['STARTTLS']), ...(options.auth ? [] : ['AUTH'])],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) return callback(null, { user: auth.username });
      callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
    },
    onConnect: (_session, callback) => refuseWhenDown(callback),
    onMailFrom: (_address, _session, callback) => refuseWhenDown(callback),
    onRcptTo(address, _session, callback) {
      if (isDown) return refuseWhenDown(callback);
      const answer = options.answerRcpt?.(address.address);
      callback(answer ? smtpError(answer.code, answer.text) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      new Promise<Buffer>((resolve, reject) => {
        stream.on('end', () => resolve(Buffer.concat(chunks)));
        stream.on('error', reject);
      })
        .then(async (raw) => ({ raw, parsed: await simpleParser(raw) }))
        .then(
          ({ raw, parsed }) => {
            if (isDown) return refuseWhenDown(callback);
            for (const rcpt of session.envelope.rcptTo)
              received.push({ to: rcpt.address, messageId: parsed.messageId, subject: parsed.subject ?? '', text: parsed.text ?? '', raw });
            callback();
            options.onAccepted?.(received.length);
          },
          (error: Error) => callback(error),
        );
    },
  } satisfies SMTPServerOptions);
  server.on('error', () => undefined);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.server.listen(port, '127.0.0.1', () => {
        server.server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    async down() {
      isDown = true;
      await new Promise<void>((resolve) => server.server.close(() => resolve()));
    },
    async up() {
      isDown = false;
      await listen(port);
    },
    closing() {
      isDown = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A self-signed certificate for 127.0.0.1 and localhost, as a stock Debian Postfix has out of the box. */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
