// @fastify/rate-limit's store on the Breachline store's `rate_limit` table, for API replicas on one PostgreSQL
// server: each request is counted once, wherever it lands. Should the store fail to count, the request is let
// through (a detection is never refused for want of a counter), counted in breachline_rate_limit_store_errors_total
// and logged without its key.
import { rateLimitStoreErrors, timedStore } from '../activities/metrics';
import type { RateLimits } from '../activities/store/rate-limits';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** A store class as @fastify/rate-limit's `store` option takes it (it constructs one, then a child per limit). */
export function sharedRateLimitStore(limits: RateLimits, log: (line: string) => void) {
  return class SharedRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number): void {
      timedStore('rate-limit', () => limits.hit(key, timeWindow)).then(
        ({ count, resetInMs }) => callback(null, { current: count, ttl: resetInMs }),
        (error: Error) => {
          rateLimitStoreErrors.inc();
          log(JSON.stringify({ level: 'warn', msg: 'rate limit not counted: the store failed', error: error.message }));
          callback(error);
        },
      );
    }

    child(): SharedRateLimitStore {
      return new SharedRateLimitStore();
    }
  };
}
