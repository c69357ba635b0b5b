// The API's rate limits kept where every replica sees them: one row per key (a digest) holding the requests counted
// in its current fixed window. With several API replicas on one PostgreSQL store, a caller's budget is one budget,
// not one per replica.
import { createHash } from 'node:crypto';
import type { Sql } from './sql';

/** Rows whose window ended this long ago are removed, now and then, by whichever replica counts a request. */
const KEEP_ENDED_MS = 3_600_000;
const SWEEP_EVERY = 1000;

export class RateLimits {
  private hits = 0;

  constructor(private readonly sql: Sql) {}

  /**
   * Counts one request against `key` in its window of `windowMs` (a new window when the last one has ended), in one
   * statement, so that replicas counting at once never lose a request: the count so far and the milliseconds left.
   */
  async hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    const digest = createHash('sha256').update(key).digest('hex');
    const { rows } = await this.sql.query<{ hits: number; reset_ms: number }>(
      `INSERT INTO rate_limit (key_digest, window_ends, hits) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond', 1)
       ON CONFLICT (key_digest) DO UPDATE SET
         hits = CASE WHEN rate_limit.window_ends <= clock_timestamp() THEN 1 ELSE rate_limit.hits + 1 END,
         window_ends = CASE WHEN rate_limit.window_ends <= clock_timestamp() THEN EXCLUDED.window_ends ELSE rate_limit.window_ends END
       RETURNING hits, greatest(0, extract(epoch FROM window_ends - clock_timestamp()) * 1000)::float8 AS reset_ms`,
      [digest, windowMs],
    );
    if (++this.hits % SWEEP_EVERY === 0) {
      await this.sql.query(`DELETE FROM rate_limit WHERE window_ends < clock_timestamp() - $1 * interval '1 millisecond'`, [KEEP_ENDED_MS]);
    }
    return { count: rows[0]!.hits, resetInMs: Math.ceil(rows[0]!.reset_ms) };
  }
}
