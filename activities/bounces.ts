// Asynchronous bounces. Most refusals arrive minutes after the SMTP server accepted a notice, as a delivery status
// notification (RFC 3464) sent to the message's return path. Each notice goes out with its own return path,
// `bounce+<token>@<bounce domain>` (VERP), whose token names the delivery without naming the person; this listener is
// the bounce domain's MX. A hard bounce marks the delivery bounced (the person goes to the postal list, or counts as
// unreachable for the substitute notice), a soft one puts it back to be tried again; every notification received is
// kept and counted, matched or not, and one that cannot be stored is answered 451 so that its sender tries again.
import type { AddressInfo } from 'node:net';
import { Counter } from 'prom-client';
import { SMTPServer } from 'smtp-server';
import { registry } from './metrics';
import type { Store } from './store';
import type { BounceReport } from './store/recipients';

export const dsnReceived = new Counter({
  name: 'breachline_dsn_received_total',
  help: 'Delivery status notifications received on the bounce listener, by outcome (hard, soft, delayed, unmatched, unparseable)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

const TOKEN = /^bounce\+([0-9a-f]{32})@/i;

/** The return path a notice goes out with: bounces to it find the delivery by its token. */
export function returnPath(token: string, bounceDomain: string): string {
  return `bounce+${token}@${bounceDomain}`;
}

/** The return token in a bounce address, if it is one of ours. */
export function returnTokenOf(address: string, bounceDomain: string): string | undefined {
  const match = TOKEN.exec(address);
  return match && address.toLowerCase().endsWith(`@${bounceDomain.toLowerCase()}`) ? match[1]!.toLowerCase() : undefined;
}

/**
 * Reads a delivery status notification: the per-recipient Action and Status fields of its message/delivery-status
 * part (RFC 3464 s. 2.3). Failed with a 5.x.x status is hard, failed with 4.x.x soft, delayed is a delay notice;
 * anything else, or a message with no such part, is unparseable (kept, counted).
 */
export function readDsn(raw: Buffer): Omit<BounceReport, 'returnToken'> {
  // The delivery-status part's body (7-bit fields, RFC 3464 s. 2.1): mail parsers fold it into the text, so it is
  // taken from the MIME structure directly, up to the next boundary line.
  const text = raw.toString('utf8');
  const fields = /content-type:\s*message\/(?:global-)?delivery-status[^\n]*\n(?:[ \t][^\n]*\n|[^\n]+\n)*?\r?\n([\s\S]*?)(?:\r?\n--[^\r\n]+|$)/i.exec(
    text,
  )?.[1];
  if (!fields) return { kind: 'unparseable', message: text };
  // The per-recipient block: the first block that has an Action field.
  const block =
    fields
      .replace(/\r\n/g, '\n')
      .replace(/\n[ \t]+/g, ' ')
      .split(/\n\s*\n/)
      .find((b) => /^Action:/im.test(b)) ?? '';
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(block)?.[1]?.trim();
  const action = field('Action')?.toLowerCase();
  const status = field('Status');
  const diagnostic = field('Diagnostic-Code')?.replace(/^smtp;\s*/i, '');
  if (action === 'failed' && status?.startsWith('5')) return { kind: 'hard', status, diagnostic };
  if (action === 'failed' && status?.startsWith('4')) return { kind: 'soft', status, diagnostic };
  if (action === 'delayed') return { kind: 'delayed', status, diagnostic };
  return { kind: 'unparseable', status, diagnostic, message: text };
}

export interface BounceListener {
  port: number;
  close(): Promise<void>;
}

/** The bounce domain's MX: accepts mail only for its bounce addresses, and records each notification before answering 250. */
export async function listenForBounces(store: Store, options: { domain: string; port: number; host?: string }): Promise<BounceListener> {
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: 1024 * 1024,
    onRcptTo(address, _session, callback) {
      // Not an open relay, and not a mailbox: only our own bounce addresses, whether or not the token is known.
      if (!address.address.toLowerCase().endsWith(`@${options.domain.toLowerCase()}`) || !/^bounce\+/i.test(address.address))
        return callback(Object.assign(new Error('5.1.1 No such mailbox here'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        void (async () => {
          const dsn = readDsn(raw);
          for (const rcpt of session.envelope.rcptTo) {
            const returnToken = returnTokenOf(rcpt.address, options.domain);
            const recorded = await store.recipients.recordBounce({ ...dsn, returnToken, ...(returnToken ? {} : { kind: 'unparseable' as const }) });
            dsnReceived.inc({ outcome: recorded.outcome });
          }
        })().then(
          () => callback(),
          () => callback(Object.assign(new Error('4.3.0 Cannot record the notification now, try again later'), { responseCode: 451 })),
        );
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
