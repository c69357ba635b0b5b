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
  // Sending at a million: a batch claims the next people of a wave from an index that holds only those still to
  // be sent, in person order, so a claim neither scans nor sorts the wave; and each wave's counts by status are
  // kept as deliveries change (statement triggers over transition tables: one upsert per statement, not per row),
  // so reading them costs the number of statuses, not the number of people.
  `CREATE INDEX delivery_to_send ON delivery (campaign_id, wave, person_id) WHERE status IN ('pending', 'deferred', 'sending');
   CREATE TABLE delivery_count (
     campaign_id text NOT NULL,
     wave        integer NOT NULL,
     status      text NOT NULL,
     n           bigint NOT NULL,
     PRIMARY KEY (campaign_id, wave, status)
   );
   INSERT INTO delivery_count (campaign_id, wave, status, n) SELECT campaign_id, wave, status, count(*) FROM delivery GROUP BY 1, 2, 3;
   CREATE FUNCTION delivery_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'INSERT' THEN INSERT INTO delivery_count AS c (campaign_id, wave, status, n) SELECT campaign_id, wave, status, count(*) FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 ON CONFLICT (campaign_id, wave, status) DO UPDATE SET n = c.n + excluded.n; ELSIF TG_OP = 'UPDATE' THEN INSERT INTO delivery_count AS c (campaign_id, wave, status, n) SELECT campaign_id, wave, status, sum(d) FROM (SELECT campaign_id, wave, status, 1 AS d FROM new_rows UNION ALL SELECT campaign_id, wave, status, -1 FROM old_rows) AS x GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3 ON CONFLICT (campaign_id, wave, status) DO UPDATE SET n = c.n + excluded.n; ELSE INSERT INTO delivery_count AS c (campaign_id, wave, status, n) SELECT campaign_id, wave, status, -count(*) FROM old_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 ON CONFLICT (campaign_id, wave, status) DO UPDATE SET n = c.n + excluded.n; END IF; RETURN NULL; END $$;
   CREATE TRIGGER delivery_counted_insert AFTER INSERT ON delivery REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION delivery_count_apply();
   CREATE TRIGGER delivery_counted_update AFTER UPDATE ON delivery REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION delivery_count_apply();
   CREATE TRIGGER delivery_counted_delete AFTER DELETE ON delivery REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION delivery_count_apply();`,
  // Asynchronous bounces: each delivery's return path carries a token (VERP) that names it without naming the
  // person; a delivery status notification to that address finds the delivery by it. Every DSN received is kept,
  // matched or not, so none is dropped unseen.
  `ALTER TABLE delivery ADD COLUMN return_token text;
   UPDATE delivery SET return_token = left(encode(sha256(convert_to(campaign_id || '/' || person_id, 'UTF8')), 'hex'), 32);
   CREATE UNIQUE INDEX delivery_by_return_token ON delivery (return_token);
   CREATE TABLE bounce_report (
     id           bigserial PRIMARY KEY,
     received_at  timestamptz NOT NULL DEFAULT now(),
     outcome      text NOT NULL CHECK (outcome IN ('hard', 'soft', 'delayed', 'unmatched', 'unparseable')),
     return_token text,
     campaign_id  text,
     person_id    text,
     status       text,
     diagnostic   text,
     message      text
   );
   CREATE INDEX bounce_report_by_campaign ON bounce_report (campaign_id, received_at);`,
  // Per-domain pacing: each delivery knows its recipient's mail domain (a domain, not a person), and a domain whose
  // servers defer is held back for a while, for its campaign only, without slowing the other domains of the wave.
  `ALTER TABLE delivery ADD COLUMN domain text;
   UPDATE delivery d SET domain = lower(split_part(r.email, '@', 2)) FROM recipient r WHERE r.breach_id = d.breach_id AND r.person_id = d.person_id AND r.email IS NOT NULL;
   CREATE TABLE domain_pacing (
     campaign_id   text NOT NULL,
     domain        text NOT NULL,
     backoff_until timestamptz NOT NULL,
     rounds        integer NOT NULL DEFAULT 1,
     last_response text,
     updated_at    timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (campaign_id, domain)
   );`,
  // The breach register (GDPR Art. 33(5)) and tamper evidence: every revision of every breach's register entry, and
  // a hash chain per breach over the timeline (outcome) and over the register. Rows from before keep no hash.
  `ALTER TABLE outcome ADD COLUMN chain_seq integer;
   ALTER TABLE outcome ADD COLUMN prev_hash text;
   ALTER TABLE outcome ADD COLUMN hash text;
   CREATE UNIQUE INDEX outcome_chain ON outcome (breach_id, chain_seq);
   CREATE TABLE register_entry (
     breach_id    text NOT NULL,
     revision     integer NOT NULL,
     status       text NOT NULL CHECK (status IN ('open', 'closed')),
     notifiable   boolean NOT NULL,
     regimes      text[] NOT NULL,
     aware_at     timestamptz NOT NULL,
     closed_at    timestamptz,
     entry        jsonb NOT NULL,
     recorded_at  timestamptz NOT NULL DEFAULT now(),
     chain_seq    integer NOT NULL,
     prev_hash    text NOT NULL,
     hash         text NOT NULL,
     PRIMARY KEY (breach_id, revision)
   );
   CREATE UNIQUE INDEX register_chain ON register_entry (breach_id, chain_seq);
   CREATE INDEX register_by_aware ON register_entry (aware_at);`,
  // Escalation links in mails are single-use: each used one is kept by its digest, with who used it.
  `CREATE TABLE escalation_link (
     link_digest   text PRIMARY KEY,
     breach_id     text NOT NULL,
     escalation_id text NOT NULL,
     action        text NOT NULL,
     used_by       text NOT NULL,
     used_at       timestamptz NOT NULL DEFAULT now()
   );`,
  // The API's rate limits, shared by its replicas on PostgreSQL: requests counted per key digest in a fixed window.
  `CREATE TABLE rate_limit (
     key_digest  text PRIMARY KEY,
     window_ends timestamptz NOT NULL,
     hits        integer NOT NULL
   );`,
  // Each breach's status as its worker last computed it, sealed by the payload codec, for reads that need not wake
  // the workflow: one row a breach, replaced only by a later workflow task's (its time, its history length, its
  // order within the task). A row whose write failed keeps its position with no status: the breach is then read
  // by query, and no older write can come back over it.
  `CREATE TABLE breach_status (
     breach_id      text PRIMARY KEY,
     task_at        timestamptz NOT NULL,
     history_length integer NOT NULL,
     seq            integer NOT NULL,
     sealed         bytea,
     recorded_at    timestamptz NOT NULL DEFAULT now()
   );`,
  // What the list of open breaches filters and orders by, beside each status row: the same values the workflow keeps
  // in its search attributes (none of them personal), and its detection's source and summary sealed like the status.
  // A row from before these columns, or whose write failed, has no phase: the list then asks Temporal's visibility.
  `ALTER TABLE breach_status ADD COLUMN phase text;
   ALTER TABLE breach_status ADD COLUMN severity text;
   ALTER TABLE breach_status ADD COLUMN regimes text[];
   ALTER TABLE breach_status ADD COLUMN next_deadline_at timestamptz;
   ALTER TABLE breach_status ADD COLUMN started_at timestamptz;
   ALTER TABLE breach_status ADD COLUMN summary bytea;
   CREATE INDEX breach_status_open_by_deadline ON breach_status (next_deadline_at, breach_id) WHERE phase <> 'closed';`,
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
