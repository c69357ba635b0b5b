// The worker: connects to Temporal, runs the breach workflow and its activities on one task queue.
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { bundleWorkflowCode, DefaultLogger, type LogLevel, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import { listenForBounces } from '../activities/bounces';
import { loadLinkKey } from '../activities/links';
import { Mailer } from '../activities/mail';
import type { CampaignSender } from '../activities/campaign';
import { openStore, type Store } from '../activities/store';
import { type EncryptionCodec, loadCodec } from './codec';
import { type Config, TemporalUnreachable } from './config';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/** Failure messages and stacks encrypted by the codec, in the workflow sandbox and for activities alike. */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/**
 * Bundles the workflow code once; tests and benchmarks reuse the bundle across workers. The replay test adds its
 * interceptor modules, and the fixture recorder bundles the workflow code of an earlier commit.
 */
export function bundleWorkflows({ workflowsPath = WORKFLOWS_PATH, workflowInterceptorModules = [] as string[] } = {}): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export async function connectWorker(address: string): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address });
  } catch (error) {
    throw new TemporalUnreachable(address, error);
  }
}

export interface BreachWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  codec: EncryptionCodec;
  store: Store;
  mailer: Mailer;
  sender?: CampaignSender;
  workflowBundle?: WorkflowBundle;
  identity?: string;
  /** Workflows kept in memory between tasks; 0 replays every task from history. */
  maxCachedWorkflows?: number;
}

export async function createBreachWorker(deps: BreachWorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.identity ? { identity: deps.identity } : {}),
    ...(deps.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: deps.maxCachedWorkflows } : {}),
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({ store: deps.store, mailer: deps.mailer, sender: deps.sender }),
    dataConverter: { payloadCodecs: [deps.codec], failureConverterPath: FAILURE_CONVERTER_PATH },
  });
}

/**
 * A production worker from the configuration, as `breachline worker` and `npm start` run it: the store, the mailer,
 * the codec key (refused when lost, see loadCodec), the connection and the worker on the configured queue.
 */
export async function openBreachWorker(config: Config, address = config.temporal.address) {
  const { store, mailer } = await openActivityDeps(config);
  try {
    const codec = await loadCodec(config.codec, storeHasBreaches(store));
    const connection = await connectWorker(address);
    const worker = await createBreachWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, codec, store, mailer });
    const { bounces: bounceConfig } = config.mail;
    // The bounce domain's MX, when this worker is it: delivery status notifications land in the same store.
    const bounces =
      bounceConfig?.port !== undefined
        ? await listenForBounces(store, { domain: bounceConfig.domain, port: bounceConfig.port, host: bounceConfig.host })
        : undefined;
    return { worker, store, mailer, codec, connection, bounces };
  } catch (error) {
    mailer.close();
    await store.close();
    throw error;
  }
}

/** Opens what the activities need: the store and the mailer. */
export async function openActivityDeps(config: Config): Promise<{ store: Store; mailer: Mailer }> {
  const store = await openStore(config.storeUrl);
  // Links to answer escalations only where people can reach the API (BREACHLINE_PUBLIC_URL).
  const links = config.mail.statusBaseUrl ? loadLinkKey(config.links) : undefined;
  return { store, mailer: new Mailer({ ...config.mail, ...(links ? { links } : {}) }, store) };
}

/** Whether the store holds any breach (an outcome row): then payloads sealed with the codec key exist. */
export function storeHasBreaches(store: Store): () => Promise<boolean> {
  return () => store.outcomes.anyRecorded();
}

/**
 * An error as its name, message, code, stack and causes only: database drivers attach what they ran to their
 * errors (PGlite `params`, PostgreSQL `detail` with the offending row), and those hold recipients' addresses.
 */
export function loggableError(error: Error): Error {
  const clean = new Error(error.message);
  clean.name = error.name;
  clean.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(clean, { code });
  if (error.cause instanceof Error) clean.cause = loggableError(error.cause);
  return clean;
}

/** The Temporal runtime's logger (worker and SDK messages, e.g. "Activity failed"), with errors made loggable. */
export function runtimeLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): DefaultLogger {
  return new DefaultLogger(level, ({ level: entryLevel, timestampNanos, message, meta }) => {
    const clean = meta && Object.fromEntries(Object.entries(meta).map(([key, value]) => [key, value instanceof Error ? loggableError(value) : value]));
    write(`${new Date(Number(timestampNanos / 1_000_000n)).toISOString()} [${entryLevel}] ${message}${clean ? ` ${format(clean)}` : ''}\n`);
  });
}
