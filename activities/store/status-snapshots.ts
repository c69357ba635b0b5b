// Each breach's status as its worker computed it at the end of its latest workflow task (worker/status-sink.ts), so
// that reading a breach's status does not wake its workflow: a query replays the whole history of a breach the
// worker no longer holds in memory. The status is sealed by the payload codec, as it is in Temporal (its task
// outcomes are free text). The row is a cache of the workflow's state, never the record: the register and the
// timeline are. A breach with no status here (started before it existed, or its write failed) is read by query.
import type { StatusPosition } from '../../workflows/status-snapshot';
import type { Sql } from './sql';

/** What the list of open breaches filters and orders by (the values the workflow keeps in its search attributes). */
export interface StatusListing {
  phase: string;
  severity?: string;
  regimes: string[];
  /** The nearest open deadline (epoch ms), or null when none is open. */
  nextDeadlineAt: number | null;
  startedAt: Date;
  /** The detection's source, summary and time, sealed by the codec (free text). */
  summary: Uint8Array;
}

export interface ListedRow {
  breachId: string;
  phase: string;
  severity?: string;
  regimes: string[];
  nextDeadlineAt: Date | null;
  startedAt: Date;
  summary: Uint8Array;
}

/** One breach as the list shows it, from the status rows or from Temporal's visibility (client/breaches.ts). */
export interface BreachSummary {
  breachId: string;
  status: string;
  phase: string;
  severity?: string;
  regimes: string[];
  /** The nearest open deadline (UTC), or null when none is open. */
  nextDeadlineAt: string | null;
  startedAt: string;
  source?: string;
  summary?: string;
  detectedAt?: string;
  /** This row's memo could not be decrypted (e.g. a codec key that is no longer configured); the rest of the list stands. */
  error?: string;
}

export interface OpenRowsQuery {
  phase?: string;
  regime?: string;
  severity?: string;
  /** Only breaches whose nearest open deadline is at or before this instant (missed ones included). */
  dueBy?: Date;
  limit: number;
}

const LATER = `(breach_status.task_at, breach_status.history_length, breach_status.seq) <= (EXCLUDED.task_at, EXCLUDED.history_length, EXCLUDED.seq)`;

export class StatusSnapshots {
  constructor(private readonly sql: Sql) {}

  /** Keeps the status unless the store already holds one from a later position; 'stale' when it did. */
  async record(breachId: string, sealed: Uint8Array, at: StatusPosition, listing?: StatusListing): Promise<'recorded' | 'stale'> {
    return this.upsert(breachId, sealed, at, listing);
  }

  /**
   * The status at this position could not be written: what the store holds is older than the breach, so it is
   * withdrawn (the breach is read by query) and the position kept, so that no older write lands after this.
   */
  async forget(breachId: string, at: StatusPosition): Promise<void> {
    await this.upsert(breachId, null, at);
  }

  private async upsert(breachId: string, sealed: Uint8Array | null, at: StatusPosition, listing?: StatusListing): Promise<'recorded' | 'stale'> {
    const { rows } = await this.sql.query(
      `INSERT INTO breach_status (breach_id, task_at, history_length, seq, sealed, phase, severity, regimes, next_deadline_at, started_at, summary)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (breach_id) DO UPDATE
         SET task_at = EXCLUDED.task_at, history_length = EXCLUDED.history_length, seq = EXCLUDED.seq, sealed = EXCLUDED.sealed,
             phase = EXCLUDED.phase, severity = EXCLUDED.severity, regimes = EXCLUDED.regimes, next_deadline_at = EXCLUDED.next_deadline_at,
             started_at = EXCLUDED.started_at, summary = EXCLUDED.summary, recorded_at = now()
       WHERE ${LATER}
       RETURNING 1`,
      [
        breachId,
        new Date(at.taskAt),
        at.historyLength,
        at.seq,
        sealed,
        // A withdrawn status is withdrawn from the list too: no phase, so the list asks Temporal's visibility.
        listing?.phase ?? null,
        listing?.severity ?? null,
        listing?.regimes ?? null,
        listing?.nextDeadlineAt === null || listing === undefined ? null : new Date(listing.nextDeadlineAt),
        listing?.startedAt ?? null,
        listing?.summary ?? null,
      ],
    );
    return rows.length ? 'recorded' : 'stale';
  }

  /** Open breaches (not closed) with a listed status, soonest deadline first (none open: last). */
  async listOpen(query: OpenRowsQuery): Promise<ListedRow[]> {
    const { rows } = await this.sql.query<{
      breach_id: string;
      phase: string;
      severity: string | null;
      regimes: string[];
      next_deadline_at: Date | null;
      started_at: Date;
      summary: Uint8Array;
    }>(
      `SELECT breach_id, phase, severity, regimes, next_deadline_at, started_at, summary FROM breach_status
        WHERE phase <> 'closed' AND sealed IS NOT NULL
          AND ($1::text IS NULL OR phase = $1) AND ($2::text IS NULL OR $2 = ANY (regimes))
          AND ($3::text IS NULL OR severity = $3) AND ($4::timestamptz IS NULL OR next_deadline_at <= $4)
        ORDER BY next_deadline_at ASC NULLS LAST, breach_id
        LIMIT $5`,
      [query.phase ?? null, query.regime ?? null, query.severity ?? null, query.dueBy ?? null, query.limit],
    );
    return rows.map((row) => ({
      breachId: row.breach_id,
      phase: row.phase,
      ...(row.severity === null ? {} : { severity: row.severity }),
      regimes: row.regimes,
      nextDeadlineAt: row.next_deadline_at,
      startedAt: row.started_at,
      summary: row.summary,
    }));
  }

  /** How many breaches the list of open breaches would show: to check against Temporal's count of running ones. */
  async countOpen(): Promise<number> {
    const { rows } = await this.sql.query<{ n: string }>(`SELECT count(*) AS n FROM breach_status WHERE phase <> 'closed' AND sealed IS NOT NULL`);
    return Number(rows[0]!.n);
  }

  /** The breach's sealed status, or undefined when there is none (or its last write failed). */
  async latest(breachId: string): Promise<Uint8Array | undefined> {
    const { rows } = await this.sql.query<{ sealed: Uint8Array | null }>('SELECT sealed FROM breach_status WHERE breach_id = $1', [breachId]);
    return rows[0]?.sealed ?? undefined;
  }
}
