import type { Sql } from './sql';

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
  // Escalation links in mails are single-use: each used one is kept by its digest, with who used it.
  `CREATE TABLE escalation_link (
     link_digest   text PRIMARY KEY,
     breach_id     text NOT NULL,
     escalation_id text NOT NULL,
     action        text NOT NULL,
     used_by       text NOT NULL,
     used_at       timestamptz NOT NULL DEFAULT now()
   );`,
];

/** Brings the schema up to date: each migration not yet applied, in order, recorded in schema_version. */
export async function migrate(sql: Sql): Promise<void> {
  await sql.query('CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY)');
  const { rows } = await sql.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM schema_version');
  for (let version = rows[0]!.version + 1; version <= MIGRATIONS.length; version++) {
    for (const statement of MIGRATIONS[version - 1]!.split(/;\s*$/m).filter((s) => s.trim())) await sql.query(statement);
    await sql.query('INSERT INTO schema_version (version) VALUES ($1)', [version]);
  }
}
