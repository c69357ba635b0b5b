// Escalation links used: one row per link (by its digest), so a link in a mail acts once, whichever replica it reaches.
import type { Sql } from './sql';

export class UsedLinks {
  constructor(private readonly sql: Sql) {}

  /** Marks the link used; false when it already was. */
  async use(digest: string, breachId: string, escalationId: string, action: string, usedBy: string): Promise<boolean> {
    const { rows } = await this.sql.query(
      `INSERT INTO escalation_link (link_digest, breach_id, escalation_id, action, used_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (link_digest) DO NOTHING RETURNING link_digest`,
      [digest, breachId, escalationId, action, usedBy],
    );
    return rows.length === 1;
  }

  /** Gives a link back when the breach refused what it asked (its obligation met meanwhile): nothing was done with it. */
  async release(digest: string): Promise<void> {
    await this.sql.query('DELETE FROM escalation_link WHERE link_digest = $1', [digest]);
  }
}
