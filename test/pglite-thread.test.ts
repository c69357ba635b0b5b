// The embedded store's engine on its own thread (activities/store/pglite.ts, pglite-thread.mjs). What must hold: a
// long statement does not hold up the process's event loop; a database error arrives with its SQLSTATE (which decides
// whether an activity retries) and without the statement's parameters; transactions commit or roll back as one and
// statements outside one wait for it; the engine's end fails every statement, in flight and later, with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFailure } from '../activities';
import { openStore, type Store } from '../activities/store';
import { openPgliteThread } from '../activities/store/pglite';

describe('the embedded store on its own thread', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore('pglite:memory');
  });
  afterAll(async () => store?.close());

  it('runs a long statement while the event loop goes on', async () => {
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 5);
    let ticksWhileRunning = -1;
    const running = store.sql.query<{ n: string }>('SELECT count(*) AS n FROM generate_series(1, 3000000) AS s(i) WHERE i % 7 = 0');
    const settled = running.then((result) => {
      ticksWhileRunning = ticks;
      return result;
    });
    const { rows } = await settled;
    clearInterval(ticking);
    expect(Number(rows[0]!.n)).toBe(428571);
    expect(ticksWhileRunning, 'timers fired while the engine worked').toBeGreaterThan(3);
  });

  it('gives a database error its SQLSTATE and fields, and not the parameters that were sent', async () => {
    const error = (await store.sql
      .query('INSERT INTO api_token (token_hash, name, roles) VALUES ($1, $2, $3)', ['h-nul', 'Taro\u0000 Synthetic', ['operator']])
      .catch((e: unknown) => e)) as Error & Record<string, unknown>;
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('22021');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('Taro');
    // The activities' rule: a value refused is not retried.
    expect((storeFailure(error) as Error).name).toBe('ApplicationFailure');
    await store.tokens.insert('h-dup', 'hanako@example.test', ['operator']);
    const duplicate = (await store.tokens.insert('h-dup', 'hanako@example.test', ['operator']).catch((e: unknown) => e)) as Record<string, unknown>;
    expect(duplicate).toMatchObject({ code: '23505', constraint: 'api_token_pkey', table: 'api_token' });
  });

  it('commits a transaction as one, rolls one back as one, and makes statements outside it wait', async () => {
    const count = async () => Number((await store.sql.query<{ n: string }>("SELECT count(*) AS n FROM api_token WHERE name LIKE 'tx-%'")).rows[0]!.n);
    const outsideSaw: number[] = [];
    await store.sql.transaction(async (tx) => {
      await tx.query("INSERT INTO api_token (token_hash, name, roles) VALUES ('h-tx-1', 'tx-1', '{operator}')");
      // Sent while the transaction is open: answered after it commits, so it sees both rows.
      void count().then((n) => outsideSaw.push(n));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await tx.query("INSERT INTO api_token (token_hash, name, roles) VALUES ('h-tx-2', 'tx-2', '{operator}')");
    });
    await expect.poll(() => outsideSaw).toEqual([2]);
    await expect(
      store.sql.transaction(async (tx) => {
        await tx.query("INSERT INTO api_token (token_hash, name, roles) VALUES ('h-tx-3', 'tx-3', '{operator}')");
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await count()).toBe(2);
    // A statement the engine refuses inside a transaction fails it, and nothing of it is kept.
    await expect(
      store.sql.transaction(async (tx) => {
        await tx.query("INSERT INTO api_token (token_hash, name, roles) VALUES ('h-tx-4', 'tx-4', '{operator}')");
        await tx.query("INSERT INTO api_token (token_hash, name, roles) VALUES ('h-tx-4', 'tx-4', '{operator}')");
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await count()).toBe(2);
  });

  it('answers what was sent before it closed, and refuses every statement after', async () => {
    const sql = await openPgliteThread(undefined);
    const inFlight = sql.query('SELECT pg_sleep(0.5)');
    const closing = sql.close();
    await expect(inFlight).resolves.toBeDefined(); // a statement already sent is answered before the engine closes
    await closing;
    await expect(sql.query('SELECT 1')).rejects.toThrow(/closed|stopped/);
  });
});
