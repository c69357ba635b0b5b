// The worker: connects to Temporal, runs the breach workflow and its activities on one task queue.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { type BundleOptions, bundleWorkflowCode, DefaultLogger, type LogLevel, type NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import { listenForBounces } from '../activities/bounces';
import { loadLinkKey } from '../activities/links';
import { Mailer } from '../activities/mail';
import type { CampaignSender } from '../activities/campaign';
import { openStore, type Store } from '../activities/store';
import { type EncryptionCodec, loadCodec } from './codec';
import type { Config } from './config';
import { validateRuleTables } from '../workflows/domain/regimes';
import { boundWorkflowHeap, workerTuning } from './tuning';
import { activeTracing, WORKFLOW_TRACING_MODULE, workerTracingOptions } from './tracing';
import { watchObligations } from '../activities/metrics';
import { connectNative, type TemporalConnectionConfig } from './connection';
import { requireDeployment } from './deployment';
import { STATUS_SNAPSHOT_MODULE, statusSink } from './status-sink';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/** Failure messages and stacks encrypted by the codec, in the workflow sandbox and for activities alike. */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/**
 * Pure libraries and data the workflow code imports, evaluated once per worker thread and shared (frozen) by every
 * workflow, instead of once per workflow: without this each cached breach held its own copy of zod, luxon, the
 * Japanese holiday table and the ISO 3166 lists, several megabytes, and a new breach spent its first task evaluating
 * them. None of them keeps per-workflow state. Breachline's own modules are not preloaded, but for the ISO 3166 lookups
 * and the holiday calendars (pure data and functions): preloaded modules are frozen, and zod schemas fill in their
 * internals lazily, so a module that defines schemas cannot be shared. Its schemas, playbooks and rule packs are
 * shared instead through workflows/built-once.ts, preloaded here: built by the first workflow, taken by the others.
 */
export const PRELOAD_MODULES = [
  'zod',
  'luxon',
  '@holiday-jp/holiday_jp',
  'iso-3166/1.js',
  'iso-3166/2.js',
  'iso-3166/1-reserved.js',
  fileURLToPath(new URL('../workflows/domain/iso-codes.ts', import.meta.url)),
  fileURLToPath(new URL('../workflows/domain/calendar.ts', import.meta.url)),
  fileURLToPath(new URL('../workflows/built-once.ts', import.meta.url)),
];

/**
 * Bundles the workflow code once; tests and benchmarks reuse the bundle across workers. The replay test adds its
 * interceptor modules, and the fixture recorder bundles the workflow code of an earlier commit.
 */
export function bundleWorkflows({
  workflowsPath = WORKFLOWS_PATH,
  workflowInterceptorModules = [] as string[],
  /** With the OpenTelemetry workflow interceptors; by default when this process traces (startTracing). */
  tracing = activeTracing() !== undefined,
} = {}): Promise<WorkflowBundle> {
  workflowInterceptorModules = [STATUS_SNAPSHOT_MODULE, ...workflowInterceptorModules];
  if (tracing) workflowInterceptorModules = [...workflowInterceptorModules, WORKFLOW_TRACING_MODULE];
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    preloadModules: PRELOAD_MODULES,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietBundlerLogger,
    webpackConfigHook: compileForThisNode,
  });
}

/**
 * The SDK compiles workflow TypeScript for ES2017, so every object spread, `?.` and `??` in the bundle became a
 * helper call (a breach's status is built from spreads: a tenth of the workflow thread's time went to
 * `_object_spread_props`). The sandbox runs on this Node, which has had ES2022 since Node 16; compiled for it, the
 * bundle keeps the language as written, with the class-field semantics tsconfig.json already type-checks against
 * (`target: ES2022`) and the tests already run under tsx.
 */
type WebpackConfiguration = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];
function compileForThisNode(config: WebpackConfiguration): WebpackConfiguration {
  for (const rule of config.module?.rules ?? []) {
    const use = rule && typeof rule === 'object' && rule.use && typeof rule.use === 'object' && !Array.isArray(rule.use) ? rule.use : undefined;
    const options = use && typeof use.options === 'object' ? (use.options as { jsc?: { target?: string } }) : undefined;
    if (typeof use?.loader === 'string' && use.loader.includes('swc-loader') && options?.jsc) options.jsc.target = 'es2022';
  }
  return config;
}

/** A bundle on disk, as `npm run build` writes it. */
export interface PrebuiltBundle {
  codePath: string;
}

/**
 * The workflow bundle `npm run build` made (dist/workflow-bundle.js), when this code runs from the build: the worker
 * then starts without webpack. Under tsx (development, tests) there is none and the worker bundles at start.
 * BREACHLINE_WORKFLOW_BUNDLE names another file.
 */
export function prebuiltWorkflowBundle(): WorkflowBundle | PrebuiltBundle | undefined {
  const explicit = process.env.BREACHLINE_WORKFLOW_BUNDLE;
  if (explicit) return { codePath: explicit };
  const built = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
  return import.meta.url.endsWith('.js') && existsSync(built) ? { codePath: built } : undefined;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/** The worker's connection: plaintext to an address (the dev server), or with the configured TLS and API key. */
export function connectWorker(target: string | TemporalConnectionConfig): Promise<NativeConnection> {
  return connectNative(typeof target === 'string' ? { address: target, namespace: 'default', sources: {}, description: target } : target);
}

export interface BreachWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  codec: EncryptionCodec;
  store: Store;
  mailer: Mailer;
  sender?: CampaignSender;
  workflowBundle?: WorkflowBundle | PrebuiltBundle;
  identity?: string;
  /** Workflows kept in memory between tasks; 0 replays every task from history. */
  maxCachedWorkflows?: number;
  /** The workflow thread's heap limit (boundWorkflowHeap), which sizes the default cache; else this thread's. */
  workflowHeapMiB?: number;
  /** On shutdown, how long activities in flight (a mail being sent) may take to finish before they are cancelled. */
  shutdownGraceTimeMs?: number;
}

/** Production workers let an SMTP exchange in flight finish on SIGTERM: well under a container's usual 30 s kill delay. */
export const SHUTDOWN_GRACE_TIME_MS = 20_000;

export async function createBreachWorker(deps: BreachWorkerDeps): Promise<Worker> {
  const tuning = workerTuning(process.env, deps.workflowHeapMiB);
  // The rule packs, validated once here rather than in every breach workflow (see defineRulePack).
  validateRuleTables();
  const tracing = workerTracingOptions();
  return Worker.create({
    ...tuning,
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.identity ? { identity: deps.identity } : {}),
    ...(deps.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: deps.maxCachedWorkflows } : {}),
    ...(deps.shutdownGraceTimeMs !== undefined ? { shutdownGraceTime: deps.shutdownGraceTimeMs } : {}),
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: PRELOAD_MODULES } }),
    activities: createActivities({ store: deps.store, mailer: deps.mailer, sender: deps.sender }),
    dataConverter: { payloadCodecs: [deps.codec], failureConverterPath: FAILURE_CONVERTER_PATH },
    ...tracing,
    // Each breach's status, written to the store at the end of each workflow task that changed it (a bundle carries
    // the interceptor module already: bundleWorkflows).
    ...(deps.workflowBundle
      ? {}
      : { interceptors: { ...tracing.interceptors, workflowModules: [STATUS_SNAPSHOT_MODULE, ...(tracing.interceptors?.workflowModules ?? [])] } }),
    sinks: { ...tracing.sinks, ...statusSink(deps.store, deps.codec) },
  });
}

/**
 * A production worker from the configuration, as `breachline worker` and `npm start` run it: the store, the mailer,
 * the codec key (refused when lost, see loadCodec), the connection and the worker on the configured queue.
 */
export async function openBreachWorker(config: Config, temporal: string | TemporalConnectionConfig = config.temporal.connection) {
  const { store, mailer } = await openActivityDeps(config);
  try {
    const codec = await loadCodec(config.codec, storeHasBreaches(store));
    const connection = await connectWorker(temporal);
    // Said now, by name, rather than as a failed poll or a list that is always empty.
    await requireDeployment(connection, config.temporal.namespace, typeof temporal === 'string' ? temporal : temporal.address).catch(async (error: unknown) => {
      await connection.close();
      throw error;
    });
    const worker = await createBreachWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      codec,
      store,
      mailer,
      workflowBundle: prebuiltWorkflowBundle(),
      shutdownGraceTimeMs: SHUTDOWN_GRACE_TIME_MS,
      workflowHeapMiB: boundWorkflowHeap(),
    });
    const { bounces: bounceConfig } = config.mail;
    // The bounce domain's MX, when this worker is it: delivery status notifications land in the same store.
    const bounces =
      bounceConfig?.port !== undefined
        ? await listenForBounces(store, { domain: bounceConfig.domain, port: bounceConfig.port, host: bounceConfig.host })
        : undefined;
    watchObligations(store);
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
