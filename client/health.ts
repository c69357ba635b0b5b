// Health for probes and people: /health/live says the process answers; /health/ready (and /health) say whether
// each dependency answers, and a 503 names the one that does not, so an operator knows where to look first.
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Store } from '../activities/store';

export interface HealthDeps {
  /** Temporal, asked for its system info. */
  client: Client;
  /** The store, asked `SELECT 1`. */
  store?: Store;
  /** In a process that runs a worker: whether it is still running. */
  workerRunning?: () => boolean;
}

export type Check = { ok: true } | { ok: false; error: string };

/** A probe must answer before the prober gives up; a dependency slower than this counts as down. */
export const CHECK_TIMEOUT_MS = 1000;

async function check(probe: () => Promise<unknown>, what: string, timeoutMs = CHECK_TIMEOUT_MS): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message.split('\n')[0]! };
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness({ client, store, workerRunning }: HealthDeps): Promise<{ ok: boolean; checks: Record<string, Check> }> {
  const checks: Record<string, Check> = {};
  const [temporal, storeCheck] = await Promise.all([
    // The gRPC deadline ends the call and its retries; the outer timeout is only a backstop for a stuck channel.
    check(
      () => client.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => client.workflowService.getSystemInfo({})),
      'Temporal',
      2 * CHECK_TIMEOUT_MS,
    ),
    store ? check(() => store.sql.query('SELECT 1'), 'the store') : undefined,
  ]);
  checks.temporal = temporal;
  if (storeCheck) checks.store = storeCheck;
  if (workerRunning) checks.worker = workerRunning() ? { ok: true } : { ok: false, error: 'the worker has stopped' };
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}

/** GET /health/live, GET /health/ready and GET /health: 200 `{ ok: true, checks }`, or 503 naming what is down. */
export function healthRoutes(deps: HealthDeps) {
  return (app: FastifyInstance) => {
    app.get('/health/live', () => ({ ok: true }));
    const ready = async (_request: unknown, reply: FastifyReply) => {
      const result = await readiness(deps);
      return reply.code(result.ok ? 200 : 503).send(result);
    };
    app.get('/health/ready', ready);
    if (!app.hasRoute({ method: 'GET', url: '/health' })) app.get('/health', ready); // an app may keep its own bare /health
  };
}
