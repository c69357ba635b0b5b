// `breachline worker`: runs a worker against the configured Temporal server until SIGINT or SIGTERM.
import { loadCodec } from './codec';
import { loadConfig } from './config';
import { Runtime } from '@temporalio/worker';
import { connectWorker, createBreachWorker, openActivityDeps, runtimeLogger, storeHasBreaches } from './worker';

export async function runWorker(): Promise<void> {
  const config = loadConfig();
  // Before anything logs: the SDK's own logger would print a failed activity's SQL parameters, recipients included.
  Runtime.install({ logger: runtimeLogger('INFO') });
  const { store, mailer } = await openActivityDeps(config);
  const codec = await loadCodec(config.codec, storeHasBreaches(store));
  const connection = await connectWorker(config.temporal.address);
  const worker = await createBreachWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, codec, store, mailer });
  console.error(
    `breachline worker: task queue ${config.temporal.taskQueue} on ${config.temporal.address}; store: ${store.description}; mail: ${config.mail.smtpUrl}`,
  );
  try {
    await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
  } finally {
    mailer.close();
    await store.close();
    await connection.close();
  }
}
