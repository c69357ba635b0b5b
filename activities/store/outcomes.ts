// Outcomes: the breach's timeline, each entry recorded once under its idempotency key.
import type { OutcomeInput } from '../types';
import type { Sql } from './sql';

export interface OutcomeRow {
  idempotency_key: string;
  breach_id: string;
  kind: string;
  obligation_id: string | null;
  actor: string | null;
  at: Date;
  detail: Record<string, unknown>;
}

export class Outcomes {
  constructor(private readonly sql: Sql) {}

  /** Inserts the outcome once; a repeat with the same key is reported as a duplicate and changes nothing. */
  async record(outcome: OutcomeInput): Promise<'new' | 'duplicate'> {
    const { rows } = await this.sql.query(
      `INSERT INTO outcome (idempotency_key, breach_id, kind, obligation_id, actor, at, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING idempotency_key`,
      [
        outcome.idempotencyKey,
        outcome.breachId,
        outcome.kind,
        outcome.obligationId ?? null,
        outcome.actor ?? null,
        new Date(outcome.at),
        JSON.stringify(outcome.detail),
      ],
    );
    return rows.length ? 'new' : 'duplicate';
  }

  async forBreach(breachId: string): Promise<OutcomeRow[]> {
    const { rows } = await this.sql.query<OutcomeRow>(
      'SELECT idempotency_key, breach_id, kind, obligation_id, actor, at, detail FROM outcome WHERE breach_id = $1 ORDER BY at, idempotency_key',
      [breachId],
    );
    return rows;
  }

  /** Whether the store holds any breach (an outcome row): then payloads sealed with the codec key exist. */
  async anyRecorded(): Promise<boolean> {
    const { rows } = await this.sql.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM outcome) AS found');
    return rows[0]!.found;
  }
}
