// Each breach's status as its worker computed it at the end of its latest workflow task (worker/status-sink.ts), so
// that reading a breach's status does not wake its workflow: a query replays the whole history of a breach the
// worker no longer holds in memory. The status is sealed by the payload codec, as it is in Temporal (its task
// outcomes are free text). The row is a cache of the workflow's state, never the record: the register and the
// timeline are. A breach with no status here (started before it existed, or its write failed) is read by query.
import type { StatusPosition } from '../../workflows/status-snapshot';
import type { Sql } from './sql';

const LATER = `(breach_status.task_at, breach_status.history_length, breach_status.seq) <= (EXCLUDED.task_at, EXCLUDED.history_length, EXCLUDED.seq)`;

export class StatusSnapshots {
  constructor(private readonly sql: Sql) {}

  /** Keeps the status unless the store already holds one from a later position; 'stale' when it did. */
  async record(breachId: string, sealed: Uint8Array, at: StatusPosition): Promise<'recorded' | 'stale'> {
    return this.upsert(breachId, sealed, at);
  }

  /**
   * The status at this position could not be written: what the store holds is older than the breach, so it is
   * withdrawn (the breach is read by query) and the position kept, so that no older write lands after this.
   */
  async forget(breachId: string, at: StatusPosition): Promise<void> {
    await this.upsert(breachId, null, at);
  }

  private async upsert(breachId: string, sealed: Uint8Array | null, at: StatusPosition): Promise<'recorded' | 'stale'> {
    const { rows } = await this.sql.query(
      `INSERT INTO breach_status (breach_id, task_at, history_length, seq, sealed) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (breach_id) DO UPDATE
         SET task_at = EXCLUDED.task_at, history_length = EXCLUDED.history_length, seq = EXCLUDED.seq, sealed = EXCLUDED.sealed, recorded_at = now()
       WHERE ${LATER}
       RETURNING 1`,
      [breachId, new Date(at.taskAt), at.historyLength, at.seq, sealed],
    );
    return rows.length ? 'recorded' : 'stale';
  }

  /** The breach's sealed status, or undefined when there is none (or its last write failed). */
  async latest(breachId: string): Promise<Uint8Array | undefined> {
    const { rows } = await this.sql.query<{ sealed: Uint8Array | null }>('SELECT sealed FROM breach_status WHERE breach_id = $1', [breachId]);
    return rows[0]?.sealed ?? undefined;
  }
}
