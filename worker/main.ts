// `breachline worker`: runs a worker against the configured Temporal server until SIGINT or SIGTERM.
import { loadConfig } from './config';
import { Runtime } from '@temporalio/worker';
import { openBreachWorker, runtimeLogger } from './worker';
import { workerTelemetry } from './metrics-server';

export async function runWorker(): Promise<void> {
  const config = loadConfig();
  // Before anything logs: the SDK's own logger would print a failed activity's SQL parameters, recipients included.
  const telemetry = await workerTelemetry();
  Runtime.install({ logger: runtimeLogger('INFO'), telemetryOptions: telemetry.telemetryOptions });
  const { worker, store, mailer, connection, bounces } = await openBreachWorker(config);
  const stopTelemetry = await telemetry.serve();
  console.error(
    `breachline worker: task queue ${config.temporal.taskQueue} on ${config.temporal.connection.description}; store: ${store.description}; mail: ${config.mail.smtpUrl}`,
  );
  try {
    await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
  } finally {
    await bounces?.close();
    await stopTelemetry();
    mailer.close();
    await store.close();
    await connection.close();
  }
}
