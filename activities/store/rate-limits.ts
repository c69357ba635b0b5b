// The API's rate limits kept where every replica sees them: one row per key (a digest) holding the requests counted
// in its current fixed window. With several API replicas on one PostgreSQL store, a caller's budget is one budget,
// not one per replica.
import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import { timedStore } from '../metrics';
import type { Sql } from './sql';

/** Rows whose window ended this long ago are removed, now and then, by whichever replica counts a request. */
const KEEP_ENDED_MS = 3_600_000;
const SWEEP_EVERY = 1000;

interface Hit {
  digest: string;
  windowMs: number;
}
interface Counted {
  count: number;
  resetInMs: number;
}

export class RateLimits {
  private statements = 0;
  /**
   * Hits arriving together (the requests read in one turn of the event loop) are counted in one statement: under
   * load one round trip to the store counts a whole burst of detections instead of one each.
   */
  private readonly hits = new DataLoader<Hit, Counted, Hit>((hits) => this.countAll(hits), {
    cache: false,
    batchScheduleFn: (flush) => setImmediate(flush),
  });

  constructor(private readonly sql: Sql) {}

  /**
   * Counts one request against `key` in its window of `windowMs` (a new window when the last one has ended), in one
   * statement, so that replicas counting at once never lose a request: the count so far and the milliseconds left.
   */
  hit(key: string, windowMs: number): Promise<Counted> {
    return this.hits.load({ digest: createHash('sha256').update(key).digest('hex'), windowMs });
  }

  /**
   * Removes rows whose window ended long ago, beside the requests rather than in their way: the batch's hits are
   * counted already. A sweep that fails leaves only ended rows behind, which count for nothing (a hit on one starts
   * a new window) and which the next sweep removes; a store failing outright shows in the counts that fail with it
   * (breachline_rate_limit_store_errors_total).
   */
  private sweep(): void {
    timedStore('rate-limit-sweep', () =>
      this.sql.query(`DELETE FROM rate_limit WHERE window_ends < clock_timestamp() - $1 * interval '1 millisecond'`, [KEEP_ENDED_MS]),
    ).catch(() => undefined);
  }

  /** One statement for a batch: each key's row moved on by its number of hits, each hit given its own count. */
  private async countAll(hits: readonly Hit[]): Promise<Counted[]> {
    const perKey = new Map<string, { windowMs: number; n: number }>();
    for (const { digest, windowMs } of hits) {
      const key = perKey.get(digest);
      if (key) key.n++;
      else perKey.set(digest, { windowMs, n: 1 });
    }
    // Rows are locked in digest order (ORDER BY k): two replicas' batches on the same keys then wait for each other,
    // where taken in arrival order they would lock A then B and B then A, and PostgreSQL would end one with a deadlock.
    const { rows } = await this.sql.query<{ key_digest: string; hits: number; reset_ms: number }>(
      `INSERT INTO rate_limit (key_digest, window_ends, hits)
         SELECT k, clock_timestamp() + w * interval '1 millisecond', n FROM unnest($1::text[], $2::float8[], $3::int[]) AS batch(k, w, n) ORDER BY k
       ON CONFLICT (key_digest) DO UPDATE SET
         hits = CASE WHEN rate_limit.window_ends <= clock_timestamp() THEN EXCLUDED.hits ELSE rate_limit.hits + EXCLUDED.hits END,
         window_ends = CASE WHEN rate_limit.window_ends <= clock_timestamp() THEN EXCLUDED.window_ends ELSE rate_limit.window_ends END
       RETURNING key_digest, hits, greatest(0, extract(epoch FROM window_ends - clock_timestamp()) * 1000)::float8 AS reset_ms`,
      [[...perKey.keys()], [...perKey.values()].map((k) => k.windowMs), [...perKey.values()].map((k) => k.n)],
    );
    if (++this.statements % SWEEP_EVERY === 0) this.sweep();
    const counted = new Map(rows.map((row) => [row.key_digest, row]));
    const handedOut = new Map<string, number>();
    return hits.map(({ digest }) => {
      const row = counted.get(digest)!;
      const nth = (handedOut.get(digest) ?? 0) + 1;
      handedOut.set(digest, nth);
      // The batch's hits on a key are the last n of its count; the nth of them counts as that many before the end.
      return { count: row.hits - perKey.get(digest)!.n + nth, resetInMs: Math.ceil(row.reset_ms) };
    });
  }
}
