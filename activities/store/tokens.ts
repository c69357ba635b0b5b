// API tokens: only a SHA-256 of each token is kept; the token itself is shown once, when issued.
import DataLoader from 'dataloader';
import type { Sql } from './sql';

export interface ApiTokenRow {
  name: string;
  roles: string[];
  created_at: Date;
  revoked_at: Date | null;
}

export class ApiTokens {
  /**
   * Look-ups arriving together (the requests read in one turn of the event loop) are one statement. Nothing is kept
   * between batches: a token revoked is refused by the next look-up, on every replica.
   */
  private readonly lookups = new DataLoader<string, ApiTokenRow | undefined>(
    async (hashes) => {
      const { rows } = await this.sql.query<ApiTokenRow & { token_hash: string }>(
        'SELECT token_hash, name, roles, created_at, revoked_at FROM api_token WHERE token_hash = ANY($1::text[])',
        [[...new Set(hashes)]],
      );
      const byHash = new Map(rows.map(({ token_hash, ...row }) => [token_hash, row]));
      return hashes.map((hash) => byHash.get(hash));
    },
    { cache: false, batchScheduleFn: (flush) => setImmediate(flush) },
  );

  constructor(private readonly sql: Sql) {}

  async insert(tokenHash: string, name: string, roles: string[]): Promise<void> {
    await this.sql.query('INSERT INTO api_token (token_hash, name, roles) VALUES ($1, $2, $3)', [tokenHash, name, roles]);
  }

  find(tokenHash: string): Promise<ApiTokenRow | undefined> {
    return this.lookups.load(tokenHash);
  }

  async revoke(name: string): Promise<number> {
    const { rows } = await this.sql.query('UPDATE api_token SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING name', [name]);
    return rows.length;
  }

  async all(): Promise<ApiTokenRow[]> {
    const { rows } = await this.sql.query<ApiTokenRow>('SELECT name, roles, created_at, revoked_at FROM api_token ORDER BY created_at, name');
    return rows;
  }
}
