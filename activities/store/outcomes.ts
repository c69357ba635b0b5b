// Outcomes: the breach's timeline, each entry recorded once under its idempotency key, each chained to the one
// recorded before it (see chain.ts).
import type { OutcomeInput } from '../types';
import { type ChainedRow, chainHash, GENESIS, lockChain } from './chain';
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

  /**
   * Inserts the outcome once, as the next link of its breach's chain; a repeat with the same key is reported as a
   * duplicate and changes nothing.
   */
  async record(outcome: OutcomeInput): Promise<'new' | 'duplicate'> {
    return this.sql.transaction(async (sql) => {
      await lockChain(sql, `outcome:${outcome.breachId}`);
      const { rows: known } = await sql.query('SELECT 1 FROM outcome WHERE idempotency_key = $1', [outcome.idempotencyKey]);
      if (known.length) return 'duplicate';
      const { rows: head } = await sql.query<{ chain_seq: number; hash: string }>(
        'SELECT chain_seq, hash FROM outcome WHERE breach_id = $1 AND chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1',
        [outcome.breachId],
      );
      const prevHash = head[0]?.hash ?? GENESIS;
      const chainSeq = (head[0]?.chain_seq ?? 0) + 1;
      // The detail as jsonb will return it: what the hash covers is what a verifier reads back.
      const detail = JSON.parse(JSON.stringify(outcome.detail)) as Record<string, unknown>;
      const hash = chainHash(prevHash, outcomeContent({ ...outcome, detail }));
      await sql.query(
        `INSERT INTO outcome (idempotency_key, breach_id, kind, obligation_id, actor, at, detail, chain_seq, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          outcome.idempotencyKey,
          outcome.breachId,
          outcome.kind,
          outcome.obligationId ?? null,
          outcome.actor ?? null,
          new Date(outcome.at),
          JSON.stringify(detail),
          chainSeq,
          prevHash,
          hash,
        ],
      );
      return 'new';
    });
  }

  /** Every breach's timeline as chained rows, in chain order, for verification. */
  async chains(): Promise<Map<string, ChainedRow[]>> {
    const { rows } = await this.sql.query<OutcomeRow & { chain_seq: number | null; prev_hash: string | null; hash: string | null }>(
      `SELECT idempotency_key, breach_id, kind, obligation_id, actor, at, detail, chain_seq, prev_hash, hash
       FROM outcome ORDER BY breach_id, chain_seq NULLS FIRST, at, idempotency_key`,
    );
    const chains = new Map<string, ChainedRow[]>();
    for (const row of rows) {
      const chain = chains.get(row.breach_id) ?? [];
      chains.set(row.breach_id, chain);
      chain.push({
        breachId: row.breach_id,
        entry: row.idempotency_key,
        chainSeq: row.chain_seq,
        prevHash: row.prev_hash,
        hash: row.hash,
        content: outcomeContent({
          idempotencyKey: row.idempotency_key,
          breachId: row.breach_id,
          kind: row.kind,
          obligationId: row.obligation_id ?? undefined,
          actor: row.actor ?? undefined,
          at: new Date(row.at).getTime(),
          detail: row.detail,
        }),
      });
    }
    return chains;
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

/** What an outcome's hash covers: every column that says what happened, who did it and when. */
function outcomeContent(outcome: Omit<OutcomeInput, 'kind'> & { kind: string }): unknown {
  return {
    key: outcome.idempotencyKey,
    breachId: outcome.breachId,
    kind: outcome.kind,
    obligationId: outcome.obligationId ?? null,
    actor: outcome.actor ?? null,
    at: outcome.at,
    detail: outcome.detail,
  };
}
