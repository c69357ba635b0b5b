// The store: where outcomes, the mail ledger, API tokens, affected people, the breach register and each breach's latest
// status live, one part for each. One SQL dialect, PostgreSQL's, on two engines: PGlite (PostgreSQL compiled to
// WebAssembly, embedded, a directory on disk, no setup) by default, and any PostgreSQL server by URL in production.
// The same statements run on both, so the tests exercise the real SQL.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import lockfile from 'proper-lockfile';
import { UsedLinks } from './links';
import { MailLedger } from './mail-ledger';
import { migrate } from './migrations';
import { Outcomes } from './outcomes';
import { RateLimits } from './rate-limits';
import { Recipients } from './recipients';
import { Register } from './register';
import { openPgliteThread } from './pglite';
import type { Sql } from './sql';
import { StatusSnapshots } from './status-snapshots';
import { ApiTokens } from './tokens';

/** Another process has the embedded store open: two PGlite instances on one directory corrupt it. */
export class StoreInUse extends Error {
  constructor(readonly dir: string) {
    super(`the embedded store at ${dir} is in use by another Breachline process (npm start?): stop it, or use the HTTP API / a PostgreSQL store`);
    this.name = 'StoreInUse';
  }
}

export class Store {
  readonly outcomes: Outcomes;
  readonly mail: MailLedger;
  readonly tokens: ApiTokens;
  readonly recipients: Recipients;
  readonly register: Register;
  readonly links: UsedLinks;
  readonly rateLimits: RateLimits;
  readonly statusSnapshots: StatusSnapshots;

  constructor(
    readonly sql: Sql,
    readonly description: string,
    /** A PostgreSQL server that several processes share (API replicas, workers); false for the embedded store. */
    readonly shared = false,
  ) {
    this.outcomes = new Outcomes(sql);
    this.mail = new MailLedger(sql);
    this.tokens = new ApiTokens(sql);
    this.recipients = new Recipients(sql);
    this.register = new Register(sql);
    this.links = new UsedLinks(sql);
    this.rateLimits = new RateLimits(sql);
    this.statusSnapshots = new StatusSnapshots(sql);
  }

  /** The store inside one transaction: all that `fn` writes is kept, or, if it throws, none of it. */
  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    return this.sql.transaction((sql) => fn(new Store(sql, this.description, this.shared)));
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

/** A lock whose holder died is taken over after this long; a live holder refreshes it at a third of it. */
const LOCK_STALE_MS = 60_000;

/**
 * Opens the store named by a URL and brings its schema up to date:
 *   pglite:<directory>      embedded PostgreSQL in that directory (created if missing), locked to this process
 *   pglite:memory           embedded, in memory (tests)
 *   postgres://… / postgresql://…   a PostgreSQL server
 */
/** The advisory lock key that serialises migrations across processes ("BLMIGRAT" as an integer). */
const MIGRATION_LOCK = 0x424c4d49;

export async function openStore(url: string, options: { lockStaleMs?: number } = {}): Promise<Store> {
  let store: Store;
  if (url.startsWith('pglite:')) {
    const target = url.slice('pglite:'.length);
    store = target === 'memory' ? await openPglite(undefined) : await openLockedPglite(resolve(target), options.lockStaleMs ?? LOCK_STALE_MS);
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    await pool.query('SELECT 1').catch((error: Error) => {
      throw new Error(`Cannot reach the PostgreSQL store at ${redact(url)}: ${error.message}`);
    });
    const on = (client: Pool | PoolClient, transaction: Sql['transaction'], close: () => Promise<void>): Sql => ({
      query: async <T>(text: string, params?: unknown[]) => ({ rows: (await client.query(text, params)).rows as T[] }),
      transaction,
      close,
    });
    const transaction: Sql['transaction'] = async (fn) => {
      const client = await pool.connect();
      const inner: Sql = on(
        client,
        (nested) => nested(inner),
        () => Promise.reject(new Error('close the store, not its transaction')),
      );
      try {
        await client.query('BEGIN');
        const result = await fn(inner);
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        // A connection whose ROLLBACK failed is in an unknown state: destroyed rather than returned to the pool.
        await client.query('ROLLBACK').then(
          () => client.release(),
          (rollbackError: Error) => client.release(rollbackError),
        );
        throw error;
      }
    };
    store = new Store(
      on(pool, transaction, () => pool.end()),
      `PostgreSQL at ${redact(url)}`,
      true,
    );
  } else {
    throw new Error(`BREACHLINE_STORE_URL must start with pglite: or postgres://, not "${redact(url)}"`);
  }
  try {
    // Replicas starting together on one PostgreSQL server: one migrates, the others wait for it and find it done.
    if (url.startsWith('pglite:')) await migrate(store.sql);
    else
      await store.sql.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await migrate(tx);
      });
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

async function openPglite(dataDir: string | undefined, release?: () => Promise<void>): Promise<Store> {
  const sql = await openPgliteThread(dataDir).catch(async (error: unknown) => {
    await release?.();
    throw error;
  });
  const close = async () => {
    try {
      await sql.close();
    } finally {
      await release?.();
    }
  };
  return new Store({ ...sql, close }, dataDir ? `PGlite at ${dataDir}` : 'PGlite in memory');
}

/** PGlite has no lock of its own, and a second process on the same directory corrupts it: one process at a time. */
async function openLockedPglite(dataDir: string, staleMs: number): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  let lost: Error | undefined;
  const release = await lockfile
    .lock(dataDir, {
      stale: staleMs,
      update: Math.max(1000, Math.floor(staleMs / 3)),
      realpath: false,
      onCompromised: (error) => {
        lost = error;
      },
    })
    .catch((error: Error & { code?: string }) => {
      throw error.code === 'ELOCKED' ? new StoreInUse(dataDir) : error;
    });
  let store: Store;
  try {
    store = await openPglite(dataDir, () => (lost ? Promise.resolve() : release()));
  } catch (error) {
    await release();
    throw error;
  }
  // A lost lock (refreshed too late, or taken by another process) means another writer may be in: write no more.
  const guarded = (): void => {
    if (lost) throw new Error(`the lock on the embedded store at ${dataDir} was lost (${lost.message}): restart this process`);
  };
  const { sql } = store;
  return new Store(
    {
      query: async (text, params) => {
        guarded();
        return sql.query(text, params);
      },
      transaction: async (fn) => {
        guarded();
        return sql.transaction(fn);
      },
      close: () => sql.close(),
    },
    store.description,
  );
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
