// The embedded store's statements, run by PGlite on a thread of its own (pglite-thread.mjs): this end sends each
// statement and waits for its rows. One engine, one connection, as before: a transaction holds it until it ends, and
// statements from outside it wait their turn. If the thread stops, every statement in flight and every later one
// fails with the reason: the store's failure is then visible where it is used, as a lost database connection is.
import { Worker } from 'node:worker_threads';
import type { Sql } from './sql';

const THREAD = new URL('./pglite-thread.mjs', import.meta.url);

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** An error from the engine's thread, as the engine raised it: its message and SQL fields (code, constraint…). */
function rebuilt(error: Record<string, unknown>): Error {
  return Object.assign(new Error(String(error.message)), error);
}

export async function openPgliteThread(dataDir: string | undefined): Promise<Sql> {
  const worker = new Worker(THREAD, { workerData: { dataDir } });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stopped: Error | undefined;

  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', (message: { ready: boolean; error?: Record<string, unknown> }) =>
      message.ready ? resolve() : reject(rebuilt(message.error ?? { message: 'the embedded store did not open' })),
    );
    worker.once('error', reject);
  });
  await ready.catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  // Idle, the thread does not keep the process alive; a statement in flight does.
  worker.unref();
  worker.on('message', (message: { id: number; result?: unknown; error?: Record<string, unknown> }) => {
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (pending.size === 0) worker.unref();
    if (message.error) waiting.reject(rebuilt(message.error));
    else waiting.resolve(message.result);
  });
  const stop = (reason: Error) => {
    stopped ??= reason;
    for (const waiting of pending.values()) waiting.reject(stopped);
    pending.clear();
  };
  worker.on('error', (error) => stop(new Error(`the embedded store's engine stopped: ${error.message}`)));
  worker.on('exit', (code) => stop(new Error(`the embedded store's engine stopped (exit ${code})`)));

  const send = <T>(message: Record<string, unknown>): Promise<T> => {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    if (pending.size === 0) worker.ref();
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  };

  const query = (tx: number | undefined) =>
    (<T>(text: string, params?: unknown[]) =>
      send<{ rows: T[] }>({ op: 'query', text, params: params ?? [], ...(tx === undefined ? {} : { tx }) })) as Sql['query'];

  async function transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const { tx } = await send<{ tx: number }>({ op: 'begin' });
    const inner: Sql = {
      query: query(tx),
      transaction: (nested) => nested(inner),
      close: () => Promise.reject(new Error('close the store, not its transaction')),
    };
    let result: T;
    try {
      result = await fn(inner);
    } catch (error) {
      await send({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw error;
    }
    await send({ op: 'end', tx, commit: true });
    return result;
  }

  return {
    query: query(undefined),
    transaction,
    async close() {
      if (!stopped) await send({ op: 'close' });
      stopped ??= new Error('the store is closed');
      await worker.terminate();
    },
  };
}
