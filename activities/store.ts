// The store: where outcomes and the mail ledger live. One SQL dialect, PostgreSQL's, on two engines:
// PGlite (PostgreSQL compiled to WebAssembly, embedded, a directory on disk, no setup) by default, and any
// PostgreSQL server by URL in production. The same statements run on both, so the tests exercise the real SQL.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OutcomeInput } from './types';

export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  close(): Promise<void>;
}

const MIGRATIONS: string[] = [
  `CREATE TABLE outcome (
     idempotency_key text PRIMARY KEY,
     breach_id       text NOT NULL,
     kind            text NOT NULL,
     obligation_id   text,
     actor           text,
     at              timestamptz NOT NULL,
     detail          jsonb NOT NULL,
     recorded_at     timestamptz NOT NULL DEFAULT now()
   );
   CREATE INDEX outcome_by_breach ON outcome (breach_id, at);
   CREATE TABLE mail_ledger (
     idempotency_key text PRIMARY KEY,
     breach_id       text NOT NULL,
     status          text NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
     message_id      text NOT NULL,
     attempts        integer NOT NULL DEFAULT 1,
     smtp_response   text,
     updated_at      timestamptz NOT NULL DEFAULT now()
   );`,
  // API tokens: only a SHA-256 of each token is kept; the token itself is shown once, when issued.
  `CREATE TABLE api_token (
     token_hash  text PRIMARY KEY,
     name        text NOT NULL,
     roles       text[] NOT NULL,
     created_at  timestamptz NOT NULL DEFAULT now(),
     revoked_at  timestamptz
   );
   CREATE INDEX api_token_by_name ON api_token (name);`,
];

export interface ApiTokenRow {
  name: string;
  roles: string[];
  created_at: Date;
  revoked_at: Date | null;
}

export interface OutcomeRow {
  idempotency_key: string;
  breach_id: string;
  kind: string;
  obligation_id: string | null;
  actor: string | null;
  at: Date;
  detail: Record<string, unknown>;
}

export interface MailLedgerRow {
  idempotency_key: string;
  status: 'sending' | 'sent' | 'failed';
  message_id: string;
  attempts: number;
  smtp_response: string | null;
}

export class Store {
  constructor(
    readonly sql: Sql,
    readonly description: string,
  ) {}

  async migrate(): Promise<void> {
    await this.sql.query('CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY)');
    const { rows } = await this.sql.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM schema_version');
    for (let version = rows[0]!.version + 1; version <= MIGRATIONS.length; version++) {
      for (const statement of MIGRATIONS[version - 1]!.split(/;\s*$/m).filter((s) => s.trim())) await this.sql.query(statement);
      await this.sql.query('INSERT INTO schema_version (version) VALUES ($1)', [version]);
    }
  }

  /** Inserts the outcome once; a repeat with the same key is reported as a duplicate and changes nothing. */
  async recordOutcome(outcome: OutcomeInput): Promise<'new' | 'duplicate'> {
    const { rows } = await this.sql.query(
      `INSERT INTO outcome (idempotency_key, breach_id, kind, obligation_id, actor, at, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING idempotency_key`,
      [outcome.idempotencyKey, outcome.breachId, outcome.kind, outcome.obligationId ?? null, outcome.actor ?? null, new Date(outcome.at), JSON.stringify(outcome.detail)],
    );
    return rows.length ? 'new' : 'duplicate';
  }

  async outcomes(breachId: string): Promise<OutcomeRow[]> {
    const { rows } = await this.sql.query<OutcomeRow>(
      'SELECT idempotency_key, breach_id, kind, obligation_id, actor, at, detail FROM outcome WHERE breach_id = $1 ORDER BY at, idempotency_key',
      [breachId],
    );
    return rows;
  }

  /**
   * Claims a mail for sending. Returns undefined when it may be sent now (a first attempt, or a retry of one
   * whose fate is unknown), or the ledger row when it was already sent or failed for good.
   */
  async claimMail(key: string, breachId: string, messageId: string): Promise<MailLedgerRow | undefined> {
    const claimed = await this.sql.query(
      `INSERT INTO mail_ledger (idempotency_key, breach_id, status, message_id) VALUES ($1, $2, 'sending', $3)
       ON CONFLICT (idempotency_key) DO UPDATE SET attempts = mail_ledger.attempts + 1, updated_at = now()
         WHERE mail_ledger.status = 'sending'
       RETURNING idempotency_key`,
      [key, breachId, messageId],
    );
    if (claimed.rows.length) return undefined;
    const { rows } = await this.sql.query<MailLedgerRow>('SELECT idempotency_key, status, message_id, attempts, smtp_response FROM mail_ledger WHERE idempotency_key = $1', [key]);
    return rows[0];
  }

  async settleMail(key: string, status: 'sent' | 'failed', smtpResponse: string): Promise<void> {
    await this.sql.query(`UPDATE mail_ledger SET status = $2, smtp_response = $3, updated_at = now() WHERE idempotency_key = $1`, [key, status, smtpResponse]);
  }

  async mailLedger(breachId: string): Promise<MailLedgerRow[]> {
    const { rows } = await this.sql.query<MailLedgerRow>(
      'SELECT idempotency_key, status, message_id, attempts, smtp_response FROM mail_ledger WHERE breach_id = $1 ORDER BY idempotency_key',
      [breachId],
    );
    return rows;
  }

  async insertToken(tokenHash: string, name: string, roles: string[]): Promise<void> {
    await this.sql.query('INSERT INTO api_token (token_hash, name, roles) VALUES ($1, $2, $3)', [tokenHash, name, roles]);
  }

  async findToken(tokenHash: string): Promise<ApiTokenRow | undefined> {
    const { rows } = await this.sql.query<ApiTokenRow>('SELECT name, roles, created_at, revoked_at FROM api_token WHERE token_hash = $1', [tokenHash]);
    return rows[0];
  }

  async revokeTokens(name: string): Promise<number> {
    const { rows } = await this.sql.query('UPDATE api_token SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING name', [name]);
    return rows.length;
  }

  async tokens(): Promise<ApiTokenRow[]> {
    const { rows } = await this.sql.query<ApiTokenRow>('SELECT name, roles, created_at, revoked_at FROM api_token ORDER BY created_at, name');
    return rows;
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

/**
 * Opens the store named by a URL and brings its schema up to date:
 *   pglite:<directory>      embedded PostgreSQL in that directory (created if missing)
 *   pglite:memory           embedded, in memory (tests)
 *   postgres://… / postgresql://…   a PostgreSQL server
 */
export async function openStore(url: string): Promise<Store> {
  let store: Store;
  if (url.startsWith('pglite:')) {
    const { PGlite } = await import('@electric-sql/pglite');
    const target = url.slice('pglite:'.length);
    const dataDir = target === 'memory' ? undefined : resolve(target);
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create(dataDir);
    store = new Store({ query: (text, params) => db.query(text, params), close: () => db.close() }, dataDir ? `PGlite at ${dataDir}` : 'PGlite in memory');
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    await pool.query('SELECT 1').catch((error: Error) => {
      throw new Error(`Cannot reach the PostgreSQL store at ${redact(url)}: ${error.message}`);
    });
    store = new Store({ query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)) as unknown as { rows: T[] }, close: () => pool.end() }, `PostgreSQL at ${redact(url)}`);
  } else {
    throw new Error(`BREACHLINE_STORE_URL must start with pglite: or postgres://, not "${redact(url)}"`);
  }
  await store.migrate();
  return store;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
