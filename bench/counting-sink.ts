// A counting SMTP sink for the notification benchmark, run as its own process so that it does not share a CPU
// core with what it measures. It accepts every message, counts each recipient, and answers IPC requests for the
// counts: messages, distinct recipients, recipients received more than once, and extra copies.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

const perRecipient = new Map<string, number>();
let messages = 0;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 1024 * 1024,
  onData(stream, session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      messages++;
      for (const { address } of session.envelope.rcptTo) perRecipient.set(address, (perRecipient.get(address) ?? 0) + 1);
      callback();
    });
  },
});

server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'listening', port: (server.server.address() as AddressInfo).port });
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'counts') {
    let duplicates = 0;
    for (const n of perRecipient.values()) if (n > 1) duplicates += n - 1;
    process.send!({ type: 'counts', messages, recipients: perRecipient.size, duplicates });
  }
  if (message.type === 'reset') {
    perRecipient.clear();
    messages = 0;
    process.send!({ type: 'reset' });
  }
  if (message.type === 'stop') server.close(() => process.exit(0));
});
