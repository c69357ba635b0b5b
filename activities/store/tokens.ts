// API tokens: only a SHA-256 of each token is kept; the token itself is shown once, when issued.
import type { Sql } from './sql';

export interface ApiTokenRow {
  name: string;
  roles: string[];
  created_at: Date;
  revoked_at: Date | null;
}

export class ApiTokens {
  constructor(private readonly sql: Sql) {}

  async insert(tokenHash: string, name: string, roles: string[]): Promise<void> {
    await this.sql.query('INSERT INTO api_token (token_hash, name, roles) VALUES ($1, $2, $3)', [tokenHash, name, roles]);
  }

  async find(tokenHash: string): Promise<ApiTokenRow | undefined> {
    const { rows } = await this.sql.query<ApiTokenRow>('SELECT name, roles, created_at, revoked_at FROM api_token WHERE token_hash = $1', [tokenHash]);
    return rows[0];
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
