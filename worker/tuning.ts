// How much one worker holds and takes on at once, so that it degrades (evicts, replays, lets tasks wait on the
// server) rather than dying when more breaches are open than fit in its memory. Every cached breach workflow keeps
// its state in the workflow thread's heap; an evicted one is replayed from its history at its next timer or query.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { z } from 'zod';
import { fieldErrors, InvalidInput } from '../workflows/domain/facts';

/**
 * Memory one cached breach costs the worker, measured with bench/breaches.ts (README, "Scale"): about 1.75 MiB of
 * its own module state (schemas, rule packs) and its response state in the workflow thread, plus the SDK core's
 * state of the run; 2.3 MiB of RSS a breach measured, 2.5 MiB with headroom.
 */
export const CACHED_BREACH_KIB = 2560;
/** The workflow thread's heap before any workflow: the bundle, the preloaded modules, the SDK. */
const BASE_HEAP_MIB = 256;
/** Never more than this many by default: past it, memory goes to history caches and GC pauses grow. */
const MAX_DEFAULT_CACHE = 2000;
/**
 * The workflow thread's heap a production worker gets by default, so that the worker stays under 1 GiB of RSS: an
 * idle built worker takes 630–680 MiB (the store's engine, the SDK core, the bundle in its thread), measured with
 * bench/breaches.ts. Without a bound the thread inherits V8's default (4 GiB on a 16 GiB machine) and collects so
 * lazily that 1,000 breaches took 2–4.5 GiB of RSS, whatever the cache.
 */
export const DEFAULT_WORKFLOW_HEAP_MIB = 384;

const Env = z.object({
  BREACHLINE_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe("workflows kept in the worker's memory between tasks; by default from the heap limit (--max-old-space-size)"),
  BREACHLINE_WORKFLOW_HEAP_MIB: z.coerce
    .number()
    .int()
    .min(128)
    .optional()
    .describe(`the workflow thread's heap in MiB; ${DEFAULT_WORKFLOW_HEAP_MIB} unless node is given --max-old-space-size`),
  BREACHLINE_WORKFLOW_TASK_SLOTS: z.coerce.number().int().min(1).max(200).default(10).describe('workflow tasks one worker runs at once'),
  BREACHLINE_ACTIVITY_TASK_SLOTS: z.coerce.number().int().min(1).max(1000).optional().describe("activities one worker runs at once (the SDK's 100 by default)"),
});

export interface WorkerTuning {
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentActivityTaskExecutions?: number;
}

/**
 * The cache size a heap limit allows: what remains after the base, at CACHED_BREACH_KIB a workflow, bounded. The SDK's
 * own default (600 workflows a GiB of heap) assumes about 1.7 MB a workflow, and a 4 GiB heap lets the cache outgrow
 * the RSS a deployment can give one worker.
 */
export function cacheForHeap(heapLimitMiB: number): number {
  return Math.max(10, Math.min(MAX_DEFAULT_CACHE, Math.floor(((heapLimitMiB - BASE_HEAP_MIB) * 1024) / CACHED_BREACH_KIB)));
}

/**
 * Bounds the heap of the workflow thread the worker is about to start (V8 flags set now apply to isolates created
 * later; the main thread keeps its own): BREACHLINE_WORKFLOW_HEAP_MIB, else DEFAULT_WORKFLOW_HEAP_MIB unless node was
 * given --max-old-space-size, which the thread then inherits. Returns the thread's heap limit in MiB.
 */
export function boundWorkflowHeap(
  env: Record<string, string | undefined> = process.env,
  nodeArgs: string = [...process.execArgv, env.NODE_OPTIONS ?? ''].join(' '),
  apply: (flags: string) => void = setFlagsFromString,
): number {
  const { BREACHLINE_WORKFLOW_HEAP_MIB: given } = parse(env);
  if (given === undefined && /--max-old-space-size/.test(nodeArgs)) return getHeapStatistics().heap_size_limit / 2 ** 20;
  const heap = given ?? DEFAULT_WORKFLOW_HEAP_MIB;
  apply(`--max-old-space-size=${heap}`);
  return heap;
}

function parse(env: Record<string, string | undefined>) {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) throw new InvalidInput('configuration', fieldErrors(parsed.error));
  return parsed.data;
}

export function workerTuning(
  env: Record<string, string | undefined> = process.env,
  heapLimitMiB = getHeapStatistics().heap_size_limit / 2 ** 20,
): WorkerTuning {
  const e = parse(env);
  return {
    maxCachedWorkflows: e.BREACHLINE_MAX_CACHED_WORKFLOWS ?? cacheForHeap(heapLimitMiB),
    // Few slots: on a starved CPU, tasks wait on the server (and count as schedule-to-start, which the WorkerBacklog
    // alert watches) rather than time out in the worker after 5 s and be retried as whole replays.
    maxConcurrentWorkflowTaskExecutions: e.BREACHLINE_WORKFLOW_TASK_SLOTS,
    ...(e.BREACHLINE_ACTIVITY_TASK_SLOTS ? { maxConcurrentActivityTaskExecutions: e.BREACHLINE_ACTIVITY_TASK_SLOTS } : {}),
  };
}
