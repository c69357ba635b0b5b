// Two API replicas on one PostgreSQL store share each caller's budget: the limit is the policy's, not the policy's
// times the replicas. The embedded store (one process) keeps counting in memory.
import { createHash } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitStoreErrors, registry } from '../activities/metrics';
import { openStore, type Store } from '../activities/store';
import { RateLimits } from '../activities/store/rate-limits';
import type { Sql } from '../activities/store/sql';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { sharedRateLimitStore } from '../client/rate-limit-store';
import { ResponsePolicy } from '../workflows/definitions';
import { type Postgres, postgresAvailable, startPostgres } from './support/postgres';

const policy = ResponsePolicy.parse({ intake: { perTokenPerMinute: 6 } });
let postgres: Postgres;
const stores: Store[] = [];
const apis: FastifyInstance[] = [];

/** An API process as `breachline api` builds it; GET /me needs no Temporal, so its connection is never opened. */
async function replica(url: string): Promise<FastifyInstance> {
  const store = await openStore(url);
  stores.push(store);
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const api = buildApi({ breaches: new Breaches(client, 'rate-limits', { policy }), tokens: new Tokens(store), store, log: () => undefined });
  await api.ready();
  apis.push(api);
  return api;
}

beforeAll(async () => {
  if (postgresAvailable) postgres = await startPostgres();
});

afterAll(async () => {
  await Promise.all(apis.map((api) => api.close()));
  await Promise.all(stores.map((store) => store.close()));
  await postgres?.stop();
});

describe.skipIf(!postgresAvailable)('rate limits across API replicas', () => {
  it('counts a token once whichever replica it reaches, and another token keeps its own budget', async () => {
    const [a, b] = [await replica(postgres.url), await replica(postgres.url)];
    const tokens = new Tokens(stores[0]!);
    const mia = await tokens.issue('mia@example.test', ['manager']);
    const max = policy.intake.perTokenPerMinute;
    const me = (api: FastifyInstance, token: string) => api.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
    const answers: number[] = [];
    for (let i = 0; i < max; i++) answers.push((await me(i % 2 ? b : a, mia)).statusCode);
    expect(answers).toEqual(Array(max).fill(200));
    // One replica alone has counted only half of them: per-process limits would let these through.
    for (const api of [a, b]) {
      const refused = await me(api, mia);
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ code: 'BL_RATE_LIMITED' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    const olga = await tokens.issue('olga@example.test', ['manager']);
    expect((await me(b, olga)).statusCode).toBe(200);
    // No token in the store: the table holds digests of the keys only.
    const { rows } = await stores[0]!.sql.query<{ key_digest: string }>('SELECT key_digest FROM rate_limit');
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const { key_digest } of rows) {
      expect(key_digest).toMatch(/^[0-9a-f]{64}$/);
      expect(key_digest).not.toContain(mia);
    }
  });

  it('starts a new window when the last one has ended, and never loses a count when replicas count at once', async () => {
    const limits = stores[0]?.rateLimits ?? (await replica(postgres.url), stores[0]!.rateLimits);
    const counted = await Promise.all(Array.from({ length: 40 }, () => limits.hit('concurrent', 60_000)));
    expect(counted.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await limits.hit('short', 200)).count).toBe(1);
    expect((await limits.hit('short', 200)).count).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fresh = await limits.hit('short', 200);
    expect(fresh.count).toBe(1);
    expect(fresh.resetInMs).toBeGreaterThan(0);
    expect(fresh.resetInMs).toBeLessThanOrEqual(200);
  });

  it('counts the hits of requests arriving together in one statement, each hit its own count', async () => {
    const store = stores[0] ?? (await replica(postgres.url), stores[0]!);
    const statements: string[] = [];
    const limits = new RateLimits({ ...store.sql, query: (text, params) => (statements.push(text), store.sql.query(text, params)) });
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => limits.hit(i % 2 ? 'burst-a' : 'burst-b', 60_000)));
    expect(statements).toHaveLength(1);
    for (const parity of [0, 1]) {
      expect(burst.filter((_, i) => i % 2 === parity).map((c) => c.count)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }
    // The next burst goes on from there, as a replica's would.
    const next = await Promise.all([limits.hit('burst-a', 60_000), limits.hit('burst-a', 60_000)]);
    expect(next.map((c) => c.count)).toEqual([21, 22]);
    expect(statements).toHaveLength(2);
  });

  it('never deadlocks when two replicas count the same keys in bursts arriving in opposite orders', async () => {
    const store = stores[0] ?? (await replica(postgres.url), stores[0]!);
    const [one, other] = [new RateLimits(store.sql), new RateLimits(store.sql)];
    const keys = Array.from({ length: 200 }, (_, i) => `crossing-${i}`);
    const failures: string[] = [];
    for (let round = 0; round < 20; round++) {
      const results = await Promise.allSettled([...keys.map((k) => one.hit(k, 60_000)), ...[...keys].reverse().map((k) => other.hit(k, 60_000))]);
      failures.push(...results.filter((r) => r.status === 'rejected').map((r) => String(r.reason)));
    }
    expect([...new Set(failures)]).toEqual([]);
    const { rows } = await store.sql.query<{ hits: number }>('SELECT hits FROM rate_limit WHERE key_digest = ANY($1::text[])', [
      keys.map((k) => createHash('sha256').update(k).digest('hex')),
    ]);
    expect(rows.map((r) => r.hits)).toEqual(Array(200).fill(40));
  });
});

describe('when the shared store cannot count', () => {
  it('hands the error to the limiter (which lets the request through) and counts it in the metrics', async () => {
    const failing: Sql = {
      query: () => Promise.reject(new Error('connection terminated')),
      transaction: () => Promise.reject(new Error('unused')),
      close: () => Promise.resolve(),
    };
    const logged: string[] = [];
    const Limiter = sharedRateLimitStore(new RateLimits(failing), (line) => logged.push(line));
    const before = (await rateLimitStoreErrors.get()).values[0]?.value ?? 0;
    const error = await new Promise<Error | null>((resolve) => new Limiter().child().incr('token:abc', (e) => resolve(e), 60_000));
    expect(error?.message).toBe('connection terminated');
    expect((await rateLimitStoreErrors.get()).values[0]?.value).toBe(before + 1);
    expect(await registry.metrics()).toContain('breachline_rate_limit_store_errors_total');
    expect(logged.join('\n')).not.toContain('abc');
  });
});
