// Each breach's status as its worker computed it at the end of its latest workflow task (worker/status-sink.ts), so
// that reading a breach's status does not wake its workflow: a query replays the whole history of a breach the
// worker no longer holds in memory. The row is a cache of the workflow's state, never the record: the register and
// the timeline are. A breach with no row (started before it existed, or its write failed) is read by a query.
import type { BreachStatus } from '../../workflows/definitions';
import type { StatusPosition } from '../../workflows/status-snapshot';
import type { Sql } from './sql';

/** Where in the breach's history a status was computed: later positions replace earlier ones, never the reverse. */
export interface StatusSnapshot extends StatusPosition {
  status: BreachStatus;
  recordedAt: string;
}

export class StatusSnapshots {
  constructor(private readonly sql: Sql) {}

  /** Keeps the status unless the store already holds one from a later position; 'stale' when it did. */
  async record(status: BreachStatus, at: StatusPosition): Promise<'recorded' | 'stale'> {
    const { rows } = await this.sql.query(
      `INSERT INTO breach_status (breach_id, run_started_at, history_length, seq, status) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (breach_id) DO UPDATE
         SET run_started_at = EXCLUDED.run_started_at, history_length = EXCLUDED.history_length, seq = EXCLUDED.seq, status = EXCLUDED.status, recorded_at = now()
       WHERE (breach_status.run_started_at, breach_status.history_length, breach_status.seq) <= (EXCLUDED.run_started_at, EXCLUDED.history_length, EXCLUDED.seq)
       RETURNING 1`,
      [status.breachId, new Date(at.runStartedAt), at.historyLength, at.seq, JSON.stringify(status)],
    );
    return rows.length ? 'recorded' : 'stale';
  }

  /** Removes a breach's status: it is then read by query. */
  async forget(breachId: string): Promise<void> {
    await this.sql.query('DELETE FROM breach_status WHERE breach_id = $1', [breachId]);
  }

  async latest(breachId: string): Promise<StatusSnapshot | undefined> {
    const { rows } = await this.sql.query<{ run_started_at: Date; history_length: number; seq: number; status: BreachStatus; recorded_at: Date }>(
      'SELECT run_started_at, history_length, seq, status, recorded_at FROM breach_status WHERE breach_id = $1',
      [breachId],
    );
    const row = rows[0];
    return (
      row && {
        runStartedAt: new Date(row.run_started_at).getTime(),
        historyLength: row.history_length,
        seq: row.seq,
        status: row.status,
        recordedAt: new Date(row.recorded_at).toISOString(),
      }
    );
  }
}
