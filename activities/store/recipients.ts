// Affected people and their deliveries: the only place person-level data lives. Workflows carry counts, never a row.
import type { Sql } from './sql';

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
  /** What the return path carries (VERP) so that a later bounce finds this delivery. */
  return_token: string;
  /** The recipient's mail domain, for per-domain pacing. */
  domain: string;
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

/** One person's delivery as proof of it: the server's reply line (with its queue id) and when it came. */
export interface DeliveryProof {
  person_id: string;
  wave: number;
  status: string;
  attempts: number;
  message_id: string | null;
  smtp_response: string | null;
  updated_at: string;
}

export type BounceOutcome = 'hard' | 'soft' | 'delayed' | 'unmatched' | 'unparseable';

/** A delivery status notification as received: what kind it is and for which return token. */
export interface BounceReport {
  kind: 'hard' | 'soft' | 'delayed' | 'unparseable';
  returnToken?: string;
  status?: string;
  diagnostic?: string;
  /** The notification itself, kept when it cannot be matched or read. */
  message?: string;
}

/** A delivery's fate after its send: what the group commit writes. */
export interface SettledDelivery {
  personId: string;
  status: 'sent' | 'deferred' | 'bounced';
  messageId: string;
  smtpResponse: string;
}

export class Recipients {
  constructor(private readonly sql: Sql) {}

  /**
   * Adds people, merging duplicates: a row whose person id or e-mail is already known (in the store or earlier in
   * the batch) adds its data categories to that person instead of creating another.
   */
  async add(breachId: string, rows: NewRecipient[]): Promise<{ inserted: number; merged: number }> {
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
      [
        breachId,
        column((r) => r.id),
        column((r) => r.name),
        column((r) => r.email ?? null),
        column((r) => r.postalAddress ?? null),
        column((r) => r.locale),
        column((r) => r.dataCategories.join(',')),
        column((r) => r.priority),
      ],
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
        [
          breachId,
          duplicates.map((r) => r.id),
          duplicates.map((r) => r.email?.toLowerCase() ?? null),
          duplicates.map((r) => r.dataCategories.join(',')),
          duplicates.map((r) => r.priority),
        ],
      );
    }
    return { inserted: insertedIds.size, merged: merged + duplicates.length };
  }

  async counts(breachId: string): Promise<{ total: number; withEmail: number; postalOnly: number }> {
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
      `INSERT INTO delivery (campaign_id, person_id, breach_id, wave, status, return_token, domain)
       SELECT $1, person_id, breach_id, ((row_number() OVER (ORDER BY priority, seq)) - 1) / $3 + 1,
              CASE WHEN email IS NULL THEN 'postal' ELSE 'pending' END,
              left(encode(sha256(convert_to($1 || '/' || person_id, 'UTF8')), 'hex'), 32), lower(split_part(email, '@', 2))
       FROM recipient WHERE breach_id = $2
       ON CONFLICT DO NOTHING`,
      [campaignId, breachId, waveSize],
    );
    const { rows } = await this.sql.query<{ wave: number; total: string }>(
      'SELECT wave, count(*) AS total FROM delivery WHERE campaign_id = $1 GROUP BY wave ORDER BY wave',
      [campaignId],
    );
    return rows.map((r) => ({ wave: Number(r.wave), total: Number(r.total) }));
  }

  /**
   * Claims up to `limit` people of a wave still to be mailed. A row left 'sending' by a worker that died is
   * claimed again: its mail goes out with the same Message-ID, so a receiver sees one message. The people come
   * from the index of those still to be sent, in order, so a claim costs the batch, not the wave; rows another
   * transaction holds are skipped, so several workers can claim from one wave on PostgreSQL.
   */
  async claimDeliveries(campaignId: string, wave: number, limit: number, after?: string): Promise<ClaimedDelivery[]> {
    // `after`: the last person of the caller's previous claim (keyset), so that a sender claiming its next batch
    // while the last is still being sent never claims its own people, still 'sending', again. In person order.
    const { rows } = await this.sql.query<ClaimedDelivery>(
      `WITH picked AS (
         SELECT person_id FROM delivery
         WHERE campaign_id = $1 AND wave = $2 AND status IN ('pending', 'deferred', 'sending') AND ($4::text IS NULL OR person_id > $4)
           AND NOT EXISTS (SELECT 1 FROM domain_pacing p WHERE p.campaign_id = $1 AND p.domain = delivery.domain AND p.backoff_until > now())
         ORDER BY person_id LIMIT $3
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE delivery d SET status = 'sending', attempts = d.attempts + 1, updated_at = now()
         FROM picked, recipient r
         WHERE d.campaign_id = $1 AND d.person_id = picked.person_id AND r.breach_id = d.breach_id AND r.person_id = d.person_id
         RETURNING d.person_id, d.attempts, d.return_token, d.domain, r.name, r.email, r.locale, r.data_categories
       )
       SELECT * FROM claimed ORDER BY person_id`,
      [campaignId, wave, limit, after ?? null],
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

  /** Settles many deliveries in one statement: the group commit that keeps the ledger off the sending path. */
  async settleDeliveries(campaignId: string, settled: SettledDelivery[]): Promise<void> {
    if (settled.length === 0) return;
    await this.sql.query(
      // A delivery status notification can come back before its send is settled (the group commit's few
      // milliseconds): a delivery already bounced by one stays bounced, with the notification's reason.
      `UPDATE delivery d SET status = CASE WHEN d.status = 'bounced' THEN d.status ELSE v.status END, message_id = v.message_id,
         smtp_response = CASE WHEN d.status = 'bounced' THEN d.smtp_response ELSE v.response END, updated_at = now()
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS v(person_id, status, message_id, response)
       WHERE d.campaign_id = $1 AND d.person_id = v.person_id`,
      [
        campaignId,
        settled.map((s) => s.personId),
        settled.map((s) => s.status),
        settled.map((s) => s.messageId),
        settled.map((s) => s.smtpResponse.slice(0, 500)),
      ],
    );
  }

  /**
   * Holds a domain back after its servers deferred: for `baseMs` doubling with each round in a row (at most
   * `maxMs`), recorded for the campaign so that every batch, on any worker, skips it until then. Returns its rounds.
   */
  async holdDomain(campaignId: string, domain: string, response: string, baseMs: number, maxMs: number): Promise<number> {
    const { rows } = await this.sql.query<{ rounds: number }>(
      `INSERT INTO domain_pacing AS p (campaign_id, domain, backoff_until, rounds, last_response)
       VALUES ($1, $2, now() + make_interval(secs => $3::double precision / 1000), 1, left($5, 500))
       ON CONFLICT (campaign_id, domain) DO UPDATE SET
         rounds = CASE WHEN p.backoff_until > now() THEN p.rounds ELSE p.rounds + 1 END,
         backoff_until = greatest(p.backoff_until, now() + make_interval(secs => least($4::double precision, $3::double precision * 2 ^ p.rounds) / 1000)),
         last_response = left($5, 500), updated_at = now()
       RETURNING rounds`,
      [campaignId, domain, baseMs, maxMs, response],
    );
    return Number(rows[0]!.rounds);
  }

  /** A domain that took a message again is no longer held back, and its rounds start over. */
  async releaseDomains(campaignId: string, domains: string[]): Promise<void> {
    if (domains.length === 0) return;
    await this.sql.query('DELETE FROM domain_pacing WHERE campaign_id = $1 AND domain = ANY($2::text[])', [campaignId, domains]);
  }

  /** The domains held back now, with their rounds and people waiting in the wave: for the owner, and for the status. */
  async heldDomains(
    campaignId: string,
    wave?: number,
  ): Promise<{ domain: string; rounds: number; until: string; waiting: number; lastResponse: string | null }[]> {
    const { rows } = await this.sql.query<{ domain: string; rounds: number; until: Date | string; waiting: string; last_response: string | null }>(
      `SELECT p.domain, p.rounds, p.backoff_until AS until, p.last_response,
              (SELECT count(*) FROM delivery d WHERE d.campaign_id = p.campaign_id AND d.domain = p.domain AND ($2::int IS NULL OR d.wave = $2)
                 AND d.status IN ('pending', 'deferred', 'sending')) AS waiting
       FROM domain_pacing p WHERE p.campaign_id = $1 AND p.backoff_until > now() ORDER BY p.domain`,
      [campaignId, wave ?? null],
    );
    return rows.map((r) => ({
      domain: r.domain,
      rounds: Number(r.rounds),
      until: new Date(r.until).toISOString(),
      waiting: Number(r.waiting),
      lastResponse: r.last_response,
    }));
  }

  /** Claimed people not sent because the server is out go back as they were, their attempt not counted. */
  async releaseDeliveries(campaignId: string, personIds: string[]): Promise<void> {
    if (personIds.length === 0) return;
    await this.sql.query(
      `UPDATE delivery SET status = CASE WHEN smtp_response IS NULL THEN 'pending' ELSE 'deferred' END, attempts = greatest(attempts - 1, 0), updated_at = now()
       WHERE campaign_id = $1 AND person_id = ANY($2::text[]) AND status = 'sending'`,
      [campaignId, personIds],
    );
  }

  /** Each wave's deliveries by status, from the counts the store keeps as deliveries change (never a scan). */
  async deliveryCounts(campaignId: string): Promise<Record<number, Record<string, number>>> {
    const { rows } = await this.sql.query<{ wave: number; status: string; n: string }>(
      'SELECT wave, status, n FROM delivery_count WHERE campaign_id = $1 AND n <> 0',
      [campaignId],
    );
    const counts: Record<number, Record<string, number>> = {};
    for (const r of rows) (counts[Number(r.wave)] ??= {})[r.status] = Number(r.n);
    return counts;
  }

  /**
   * A page of a campaign's deliveries in person order, after `after` (keyset: each page costs its size, whatever the
   * campaign's), for the proof of delivery. Person ids only: the breach's own identifiers, no name or address.
   */
  async deliveryProofs(campaignId: string, options: { wave?: number; after?: string; limit: number }): Promise<DeliveryProof[]> {
    const { rows } = await this.sql.query<DeliveryProof & { updated_at: Date | string }>(
      `SELECT person_id, wave, status, attempts, message_id, smtp_response, updated_at FROM delivery
       WHERE campaign_id = $1 AND ($2::int IS NULL OR wave = $2) AND ($3::text IS NULL OR person_id > $3)
       ORDER BY person_id LIMIT $4`,
      [campaignId, options.wave ?? null, options.after ?? null, options.limit],
    );
    return rows.map((r) => ({ ...r, wave: Number(r.wave), updated_at: new Date(r.updated_at).toISOString() }));
  }

  /**
   * A delivery status notification (RFC 3464) for the delivery with this return token: a hard bounce (5.x.x,
   * failed) marks it bounced, so the person goes to the postal list or counts as unreachable; a soft one (4.x.x,
   * failed) puts a sent delivery back to deferred, to be tried again while its wave runs; a delay notice changes
   * nothing. Every report is kept, matched or not. Returns what it did.
   */
  async recordBounce(report: BounceReport): Promise<{ outcome: BounceOutcome; campaignId?: string; personId?: string }> {
    let outcome: BounceOutcome = report.kind;
    let matched: { campaign_id: string; person_id: string } | undefined;
    if (report.returnToken && (report.kind === 'hard' || report.kind === 'soft' || report.kind === 'delayed')) {
      const next = report.kind === 'hard' ? "'bounced'" : report.kind === 'soft' ? "CASE WHEN status = 'sent' THEN 'deferred' ELSE status END" : 'status';
      const { rows } = await this.sql.query<{ campaign_id: string; person_id: string }>(
        `UPDATE delivery SET status = ${next},
           smtp_response = CASE WHEN $2::text IS NULL THEN smtp_response ELSE left($2, 500) END, updated_at = now()
         WHERE return_token = $1 RETURNING campaign_id, person_id`,
        [report.returnToken, report.kind === 'delayed' ? null : `DSN ${report.status ?? ''} ${report.diagnostic ?? ''}`.trim()],
      );
      matched = rows[0];
      if (!matched) outcome = 'unmatched';
    }
    await this.sql.query(
      `INSERT INTO bounce_report (outcome, return_token, campaign_id, person_id, status, diagnostic, message) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        outcome,
        report.returnToken ?? null,
        matched?.campaign_id ?? null,
        matched?.person_id ?? null,
        report.status ?? null,
        report.diagnostic?.slice(0, 1000) ?? null,
        outcome === 'unparseable' || outcome === 'unmatched' ? (report.message?.slice(0, 65_536) ?? null) : null,
      ],
    );
    return { outcome, campaignId: matched?.campaign_id, personId: matched?.person_id };
  }

  async bounceReports(campaignId?: string): Promise<{ outcome: string; n: number }[]> {
    const { rows } = await this.sql.query<{ outcome: string; n: string }>(
      'SELECT outcome, count(*) AS n FROM bounce_report WHERE ($1::text IS NULL OR campaign_id = $1) GROUP BY outcome ORDER BY outcome',
      [campaignId ?? null],
    );
    return rows.map((r) => ({ outcome: r.outcome, n: Number(r.n) }));
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
}
