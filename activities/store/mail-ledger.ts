// The mail ledger: one row per idempotency key, so a retried send never mails twice.
import type { Sql } from './sql';

export interface MailLedgerRow {
  idempotency_key: string;
  status: 'sending' | 'sent' | 'failed';
  message_id: string;
  attempts: number;
  smtp_response: string | null;
}

export class MailLedger {
  constructor(private readonly sql: Sql) {}

  /**
   * Claims a mail for sending. Returns undefined when it may be sent now (a first attempt, or a retry of one
   * whose fate is unknown), or the ledger row when it was already sent or failed for good.
   */
  async claim(key: string, breachId: string, messageId: string): Promise<MailLedgerRow | undefined> {
    const claimed = await this.sql.query(
      `INSERT INTO mail_ledger (idempotency_key, breach_id, status, message_id) VALUES ($1, $2, 'sending', $3)
       ON CONFLICT (idempotency_key) DO UPDATE SET attempts = mail_ledger.attempts + 1, updated_at = now()
         WHERE mail_ledger.status = 'sending'
       RETURNING idempotency_key`,
      [key, breachId, messageId],
    );
    if (claimed.rows.length) return undefined;
    const { rows } = await this.sql.query<MailLedgerRow>(
      'SELECT idempotency_key, status, message_id, attempts, smtp_response FROM mail_ledger WHERE idempotency_key = $1',
      [key],
    );
    return rows[0];
  }

  async settle(key: string, status: 'sent' | 'failed', smtpResponse: string): Promise<void> {
    await this.sql.query(`UPDATE mail_ledger SET status = $2, smtp_response = $3, updated_at = now() WHERE idempotency_key = $1`, [key, status, smtpResponse]);
  }

  /** The last failure of a mail still to be sent, on its ledger row (claim counts the attempts). */
  async noteFailure(key: string, reason: string): Promise<void> {
    await this.sql.query(`UPDATE mail_ledger SET smtp_response = $2, updated_at = now() WHERE idempotency_key = $1 AND status = 'sending'`, [
      key,
      reason.slice(0, 500),
    ]);
  }

  async forBreach(breachId: string): Promise<MailLedgerRow[]> {
    const { rows } = await this.sql.query<MailLedgerRow>(
      'SELECT idempotency_key, status, message_id, attempts, smtp_response FROM mail_ledger WHERE breach_id = $1 ORDER BY idempotency_key',
      [breachId],
    );
    return rows;
  }
}
