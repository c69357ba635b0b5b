// The store: where outcomes and the mail ledger live. One SQL dialect, PostgreSQL's, on two engines:
// PGlite (PostgreSQL compiled to WebAssembly, embedded, a directory on disk, no setup) by default, and any
// PostgreSQL server by URL in production. The same statements run on both, so the tests exercise the real SQL.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import lockfile from 'proper-lockfile';
import type { OutcomeInput } from './types';

export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs `fn` on one connection in one transaction: committed when it resolves, rolled back when it throws; nested, joins it. */
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Another process has the embedded store open: two PGlite instances on one directory corrupt it. */
export class StoreInUse extends Error {
  constructor(readonly dir: string) {
    super(`the embedded store at ${dir} is in use by another Breachline process (npm start?): stop it, or use the HTTP API / a PostgreSQL store`);
    this.name = 'StoreInUse';
  }
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
  // Affected people: the only place person-level data lives. Workflows carry their count, never a row.
  `CREATE TABLE recipient (
     breach_id       text NOT NULL,
     person_id       text NOT NULL,
     seq             bigserial,
     name            text NOT NULL,
     email           text,
     email_key       text,
     postal_address  text,
     locale          text NOT NULL,
     data_categories text[] NOT NULL,
     priority        integer NOT NULL,
     PRIMARY KEY (breach_id, person_id)
   );
   CREATE UNIQUE INDEX recipient_by_email ON recipient (breach_id, email_key);
   CREATE INDEX recipient_by_priority ON recipient (breach_id, priority, seq);
   CREATE TABLE delivery (
     campaign_id   text NOT NULL,
     person_id     text NOT NULL,
     breach_id     text NOT NULL,
     wave          integer NOT NULL,
     status        text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'deferred', 'bounced', 'postal')),
     message_id    text,
     smtp_response text,
     attempts      integer NOT NULL DEFAULT 0,
     updated_at    timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (campaign_id, person_id)
   );
   CREATE INDEX delivery_by_wave ON delivery (campaign_id, wave, status);`,
];

export interface NewRecipient {
  id: string;
  name: string;
  email?: string;
  postalAddress?: string;
  locale: string;
  dataCategories: string[];
  priority: number;
}

export interface ClaimedDelivery {
  person_id: string;
  attempts: number;
  name: string;
  email: string;
  locale: 'ja' | 'en';
  data_categories: string[];
}

export interface PostalRow {
  campaign_id: string;
  person_id: string;
  name: string;
  postal_address: string | null;
  locale: string;
  reason: 'postal' | 'bounced';
  smtp_response: string | null;
}

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

  /** The store inside one transaction: all that `fn` writes is kept, or, if it throws, none of it. */
  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    return this.sql.transaction((sql) => fn(new Store(sql, this.description)));
  }

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

  /**
   * Adds people, merging duplicates: a row whose person id or e-mail is already known (in the store or earlier in
   * the batch) adds its data categories to that person instead of creating another.
   */
  async addRecipients(breachId: string, rows: NewRecipient[]): Promise<{ inserted: number; merged: number }> {
    const byId = new Map<string, NewRecipient>();
    const byEmail = new Map<string, NewRecipient>();
    let merged = 0;
    for (const row of rows) {
      const emailKey = row.email?.toLowerCase();
      const same = byId.get(row.id) ?? (emailKey ? byEmail.get(emailKey) : undefined);
      if (same) {
        same.dataCategories = [...new Set([...same.dataCategories, ...row.dataCategories])];
        same.priority = Math.min(same.priority, row.priority);
        merged++;
        continue;
      }
      const copy = { ...row, dataCategories: [...row.dataCategories] };
      byId.set(row.id, copy);
      if (emailKey) byEmail.set(emailKey, copy);
    }
    const unique = [...byId.values()];
    const column = <T>(pick: (r: NewRecipient) => T) => unique.map(pick);
    const { rows: inserted } = await this.sql.query<{ person_id: string }>(
      `INSERT INTO recipient (breach_id, person_id, name, email, email_key, postal_address, locale, data_categories, priority)
       SELECT $1, v.id, v.name, v.email, lower(v.email), v.postal, v.locale, string_to_array(v.cats, ','), v.priority
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[]) AS v(id, name, email, postal, locale, cats, priority)
       ON CONFLICT DO NOTHING
       RETURNING person_id`,
      [breachId, column((r) => r.id), column((r) => r.name), column((r) => r.email ?? null), column((r) => r.postalAddress ?? null), column((r) => r.locale), column((r) => r.dataCategories.join(',')), column((r) => r.priority)],
    );
    const insertedIds = new Set(inserted.map((r) => r.person_id));
    const duplicates = unique.filter((r) => !insertedIds.has(r.id));
    if (duplicates.length) {
      await this.sql.query(
        `UPDATE recipient r
         SET data_categories = ARRAY(SELECT DISTINCT c FROM unnest(r.data_categories || string_to_array(v.cats, ',')) AS c ORDER BY c),
             priority = LEAST(r.priority, v.priority)
         FROM unnest($2::text[], $3::text[], $4::text[], $5::int[]) AS v(id, email_key, cats, priority)
         WHERE r.breach_id = $1 AND (r.person_id = v.id OR (v.email_key IS NOT NULL AND r.email_key = v.email_key))`,
        [breachId, duplicates.map((r) => r.id), duplicates.map((r) => r.email?.toLowerCase() ?? null), duplicates.map((r) => r.dataCategories.join(',')), duplicates.map((r) => r.priority)],
      );
    }
    return { inserted: insertedIds.size, merged: merged + duplicates.length };
  }

  async recipientCounts(breachId: string): Promise<{ total: number; withEmail: number; postalOnly: number }> {
    const { rows } = await this.sql.query<{ total: string; with_email: string }>(
      'SELECT count(*) AS total, count(email) AS with_email FROM recipient WHERE breach_id = $1',
      [breachId],
    );
    const total = Number(rows[0]!.total);
    const withEmail = Number(rows[0]!.with_email);
    return { total, withEmail, postalOnly: total - withEmail };
  }

  /**
   * Puts every person of the breach into the campaign's waves, most exposed first (priority, then import order),
   * `waveSize` to a wave. People without e-mail go straight to the postal list. Idempotent.
   */
  async planDeliveries(campaignId: string, breachId: string, waveSize: number): Promise<{ wave: number; total: number }[]> {
    await this.sql.query(
      `INSERT INTO delivery (campaign_id, person_id, breach_id, wave, status)
       SELECT $1, person_id, breach_id, ((row_number() OVER (ORDER BY priority, seq)) - 1) / $3 + 1,
              CASE WHEN email IS NULL THEN 'postal' ELSE 'pending' END
       FROM recipient WHERE breach_id = $2
       ON CONFLICT DO NOTHING`,
      [campaignId, breachId, waveSize],
    );
    const { rows } = await this.sql.query<{ wave: number; total: string }>('SELECT wave, count(*) AS total FROM delivery WHERE campaign_id = $1 GROUP BY wave ORDER BY wave', [campaignId]);
    return rows.map((r) => ({ wave: Number(r.wave), total: Number(r.total) }));
  }

  /**
   * Claims up to `limit` people of a wave still to be mailed. A row left 'sending' by a worker that died is
   * claimed again: its mail goes out with the same Message-ID, so a receiver sees one message.
   */
  async claimDeliveries(campaignId: string, wave: number, limit: number): Promise<ClaimedDelivery[]> {
    const { rows } = await this.sql.query<ClaimedDelivery>(
      `WITH picked AS (
         SELECT person_id FROM delivery
         WHERE campaign_id = $1 AND wave = $2 AND status IN ('pending', 'deferred', 'sending')
         ORDER BY person_id LIMIT $3
       )
       UPDATE delivery d SET status = 'sending', attempts = d.attempts + 1, updated_at = now()
       FROM picked, recipient r
       WHERE d.campaign_id = $1 AND d.person_id = picked.person_id AND r.breach_id = d.breach_id AND r.person_id = d.person_id
       RETURNING d.person_id, d.attempts, r.name, r.email, r.locale, r.data_categories`,
      [campaignId, wave, limit],
    );
    return rows;
  }

  async giveUpDeferred(campaignId: string, wave: number, maxAttempts: number): Promise<number> {
    const { rows } = await this.sql.query(
      `UPDATE delivery SET status = 'bounced', smtp_response = left(coalesce(smtp_response, '') || ' (given up after ' || attempts || ' attempts)', 500), updated_at = now()
       WHERE campaign_id = $1 AND wave = $2 AND status = 'deferred' AND attempts >= $3 RETURNING person_id`,
      [campaignId, wave, maxAttempts],
    );
    return rows.length;
  }

  async settleDelivery(campaignId: string, personId: string, status: 'sent' | 'deferred' | 'bounced', messageId: string, smtpResponse: string): Promise<void> {
    await this.sql.query(
      `UPDATE delivery SET status = $3, message_id = $4, smtp_response = $5, updated_at = now() WHERE campaign_id = $1 AND person_id = $2`,
      [campaignId, personId, status, messageId, smtpResponse.slice(0, 500)],
    );
  }

  /** Settles many deliveries in one statement: the group commit that keeps the ledger off the sending path. */
  async settleDeliveries(campaignId: string, settled: { personId: string; status: 'sent' | 'deferred' | 'bounced'; messageId: string; smtpResponse: string }[]): Promise<void> {
    if (settled.length === 0) return;
    await this.sql.query(
      `UPDATE delivery d SET status = v.status, message_id = v.message_id, smtp_response = v.response, updated_at = now()
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS v(person_id, status, message_id, response)
       WHERE d.campaign_id = $1 AND d.person_id = v.person_id`,
      [campaignId, settled.map((s) => s.personId), settled.map((s) => s.status), settled.map((s) => s.messageId), settled.map((s) => s.smtpResponse.slice(0, 500))],
    );
  }

  async deliveryCounts(campaignId: string): Promise<Record<number, Record<string, number>>> {
    const { rows } = await this.sql.query<{ wave: number; status: string; n: string }>(
      'SELECT wave, status, count(*) AS n FROM delivery WHERE campaign_id = $1 GROUP BY wave, status',
      [campaignId],
    );
    const counts: Record<number, Record<string, number>> = {};
    for (const r of rows) (counts[Number(r.wave)] ??= {})[r.status] = Number(r.n);
    return counts;
  }

  /** People to reach by post: no e-mail, or their mail bounced, and a postal address to send to. For a print vendor. */
  async postalList(breachId: string, campaignId?: string): Promise<PostalRow[]> {
    const { rows } = await this.sql.query<PostalRow>(
      `SELECT d.campaign_id, r.person_id, r.name, r.postal_address, r.locale, d.status AS reason, d.smtp_response
       FROM delivery d JOIN recipient r ON r.breach_id = d.breach_id AND r.person_id = d.person_id
       WHERE d.breach_id = $1 AND d.status IN ('postal', 'bounced') AND r.postal_address IS NOT NULL AND ($2::text IS NULL OR d.campaign_id = $2)
       ORDER BY d.campaign_id, r.priority, r.seq`,
      [breachId, campaignId ?? null],
    );
    return rows;
  }

  /**
   * People neither mail nor post can reach: their mail bounced (or they had none) and there is no postal address.
   * They need another way, e.g. a public notice (APPI Art. 26(2) proviso: when notifying the person is difficult).
   */
  async unreachable(breachId: string, campaignId?: string): Promise<{ noPostalAddress: number }> {
    const { rows } = await this.sql.query<{ n: string }>(
      `SELECT count(DISTINCT r.person_id) AS n
       FROM delivery d JOIN recipient r ON r.breach_id = d.breach_id AND r.person_id = d.person_id
       WHERE d.breach_id = $1 AND d.status IN ('postal', 'bounced') AND r.postal_address IS NULL AND ($2::text IS NULL OR d.campaign_id = $2)`,
      [breachId, campaignId ?? null],
    );
    return { noPostalAddress: Number(rows[0]!.n) };
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

/** A lock whose holder died is taken over after this long; a live holder refreshes it at a third of it. */
const LOCK_STALE_MS = 60_000;

/**
 * Opens the store named by a URL and brings its schema up to date:
 *   pglite:<directory>      embedded PostgreSQL in that directory (created if missing), locked to this process
 *   pglite:memory           embedded, in memory (tests)
 *   postgres://… / postgresql://…   a PostgreSQL server
 */
export async function openStore(url: string, options: { lockStaleMs?: number } = {}): Promise<Store> {
  let store: Store;
  if (url.startsWith('pglite:')) {
    const target = url.slice('pglite:'.length);
    store = target === 'memory' ? await openPglite(undefined) : await openLockedPglite(resolve(target), options.lockStaleMs ?? LOCK_STALE_MS);
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    await pool.query('SELECT 1').catch((error: Error) => {
      throw new Error(`Cannot reach the PostgreSQL store at ${redact(url)}: ${error.message}`);
    });
    const on = (client: Pool | PoolClient, transaction: Sql['transaction'], close: () => Promise<void>): Sql => ({
      query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)) as unknown as { rows: T[] },
      transaction,
      close,
    });
    const transaction: Sql['transaction'] = async (fn) => {
      const client = await pool.connect();
      const inner: Sql = on(client, (nested) => nested(inner), () => Promise.reject(new Error('close the store, not its transaction')));
      try {
        await client.query('BEGIN');
        const result = await fn(inner);
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        // A connection whose ROLLBACK failed is in an unknown state: destroyed rather than returned to the pool.
        await client.query('ROLLBACK').then(() => client.release(), (rollbackError: Error) => client.release(rollbackError));
        throw error;
      }
    };
    store = new Store(on(pool, transaction, () => pool.end()), `PostgreSQL at ${redact(url)}`);
  } else {
    throw new Error(`BREACHLINE_STORE_URL must start with pglite: or postgres://, not "${redact(url)}"`);
  }
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

async function openPglite(dataDir: string | undefined, release?: () => Promise<void>): Promise<Store> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dataDir);
  const transaction: Sql['transaction'] = (fn) =>
    db.transaction((tx) => {
      const inner: Sql = { query: (text, params) => tx.query(text, params), transaction: (nested) => nested(inner), close: () => Promise.reject(new Error('close the store, not its transaction')) };
      return fn(inner);
    });
  const close = async () => {
    try {
      await db.close();
    } finally {
      await release?.();
    }
  };
  return new Store({ query: (text, params) => db.query(text, params), transaction, close }, dataDir ? `PGlite at ${dataDir}` : 'PGlite in memory');
}

/** PGlite has no lock of its own, and a second process on the same directory corrupts it: one process at a time. */
async function openLockedPglite(dataDir: string, staleMs: number): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  let lost: Error | undefined;
  const release = await lockfile
    .lock(dataDir, {
      stale: staleMs,
      update: Math.max(1000, Math.floor(staleMs / 3)),
      realpath: false,
      onCompromised: (error) => {
        lost = error;
      },
    })
    .catch((error: Error & { code?: string }) => {
      throw error.code === 'ELOCKED' ? new StoreInUse(dataDir) : error;
    });
  let store: Store;
  try {
    store = await openPglite(dataDir, () => (lost ? Promise.resolve() : release()));
  } catch (error) {
    await release();
    throw error;
  }
  // A lost lock (refreshed too late, or taken by another process) means another writer may be in: write no more.
  const guarded = (): void => {
    if (lost) throw new Error(`the lock on the embedded store at ${dataDir} was lost (${lost.message}): restart this process`);
  };
  const { sql } = store;
  return new Store(
    {
      query: async (text, params) => {
        guarded();
        return sql.query(text, params);
      },
      transaction: async (fn) => {
        guarded();
        return sql.transaction(fn);
      },
      close: () => sql.close(),
    },
    store.description,
  );
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
