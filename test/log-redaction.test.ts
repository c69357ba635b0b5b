// A failed query's error can carry the values it was given (PostgreSQL and PGlite: `detail`, "Key (…)=(…) already
// exists"; node-postgres and PGlite in-process: the statement's `params`); logged by the Temporal runtime as
// "Activity failed", they would print recipients' addresses. The runtime logger prints the error without them.
import { format } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
import { runtimeLogger } from '../worker/worker';

const ADDRESS = 'perrin.oakhallow@leakprobe.example.test';
let store: Store;
let sqlError: Error;
let wrapped: Error;
beforeAll(async () => {
  store = await openStore('pglite:memory');
  const insert = () => store.sql.query(`INSERT INTO api_token (token_hash, name, roles) VALUES ($1, 'synthetic', '{operator}')`, [ADDRESS]);
  await insert();
  sqlError = (await insert().then(
    () => undefined,
    (error: Error) => error,
  )) as Error;
  expect(sqlError).toBeInstanceOf(Error);
  wrapped = new Error(`the store failed: ${sqlError.message}`, { cause: sqlError });
});
afterAll(() => store.close());

describe('runtime logger', () => {
  it('is needed: the SDK default log function (util.format of the metadata) prints the parameters', () => {
    expect(format({ error: sqlError })).toContain(ADDRESS);
  });

  it('prints an activity failure with its message, code and cause, but not the query parameters', () => {
    const lines: string[] = [];
    const logger = runtimeLogger('WARN', (line) => lines.push(line));
    logger.warn('Activity failed', { error: sqlError, durationMs: 12, activityType: 'recordOutcome' });
    logger.warn('Activity failed', { error: wrapped, activityType: 'importRecipients' });
    logger.info('not at WARN', { error: sqlError });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[WARN\] Activity failed /);
    for (const line of lines) {
      expect(line).toContain('duplicate key value violates unique constraint "api_token_pkey"');
      expect(line).toContain("code: '23505'");
      expect(line).not.toContain(ADDRESS);
      expect(line).not.toContain('params');
      expect(line).not.toContain('detail');
    }
    expect(lines[1]).toContain('the store failed');
  });
});
