// Several workers and API replicas starting at once on one fresh PostgreSQL store: one migrates, the others wait.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../activities/store';
import { type Postgres, postgresAvailable, startPostgres } from './support/postgres';

describe.skipIf(!postgresAvailable)('replicas opening one PostgreSQL store together', () => {
  let postgres: Postgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterAll(async () => postgres?.stop());

  it('migrate it once, without a duplicate-key or already-exists error', async () => {
    const stores = await Promise.all(Array.from({ length: 6 }, () => openStore(postgres.url)));
    const { rows } = await stores[0]!.sql.query<{ version: number }>('SELECT version FROM schema_version ORDER BY version');
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i + 1));
    await Promise.all(stores.map((store) => store.close()));
  });
});
