// The breach register: every revision of every breach's entry, each chained to the revision before it (chain.ts).
// The entries outlive the workflows: Temporal's retention removes a closed breach's history; the register keeps
// it until its own retention, counted from closure, has passed.
import { type RegisterEntry, registerColumns, type RegisterFilter } from '../../workflows/domain/register';
import { type ChainedRow, chainHash, GENESIS, lockChain } from './chain';
import type { OutcomeRow } from './outcomes';
import type { Sql } from './sql';

export interface RegisterRow {
  breachId: string;
  revision: number;
  status: 'open' | 'closed';
  notifiable: boolean;
  regimes: string[];
  awareAt: string;
  closedAt: string | null;
  recordedAt: string;
  hash: string;
  entry: RegisterEntry;
}

interface Row {
  breach_id: string;
  revision: number;
  status: 'open' | 'closed';
  notifiable: boolean;
  regimes: string[];
  aware_at: Date;
  closed_at: Date | null;
  recorded_at: Date;
  entry: RegisterEntry;
  chain_seq: number;
  prev_hash: string;
  hash: string;
}

const toRow = (r: Row): RegisterRow => ({
  breachId: r.breach_id,
  revision: r.revision,
  status: r.status,
  notifiable: r.notifiable,
  regimes: r.regimes,
  awareAt: new Date(r.aware_at).toISOString(),
  closedAt: r.closed_at && new Date(r.closed_at).toISOString(),
  recordedAt: new Date(r.recorded_at).toISOString(),
  hash: r.hash,
  entry: r.entry,
});

const COLUMNS = 'breach_id, revision, status, notifiable, regimes, aware_at, closed_at, recorded_at, entry, chain_seq, prev_hash, hash';

export class Register {
  constructor(private readonly sql: Sql) {}

  /**
   * Appends a revision of a breach's entry as the next link of its chain; the same revision again changes nothing
   * (a revision's content is deterministic, so a retried write is the same write).
   */
  async record(entry: RegisterEntry): Promise<'new' | 'duplicate'> {
    return this.sql.transaction(async (sql) => {
      await lockChain(sql, `register:${entry.breachId}`);
      const { rows: known } = await sql.query('SELECT 1 FROM register_entry WHERE breach_id = $1 AND revision = $2', [entry.breachId, entry.revision]);
      if (known.length) return 'duplicate';
      const { rows: head } = await sql.query<{ chain_seq: number; hash: string }>(
        'SELECT chain_seq, hash FROM register_entry WHERE breach_id = $1 ORDER BY chain_seq DESC LIMIT 1',
        [entry.breachId],
      );
      const prevHash = head[0]?.hash ?? GENESIS;
      const stored = JSON.parse(JSON.stringify(entry)) as RegisterEntry;
      const columns = registerColumns(stored);
      await sql.query(
        `INSERT INTO register_entry (breach_id, revision, status, notifiable, regimes, aware_at, closed_at, entry, chain_seq, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          entry.breachId,
          entry.revision,
          columns.status,
          columns.notifiable,
          columns.regimes,
          columns.awareAt,
          columns.closedAt,
          JSON.stringify(stored),
          (head[0]?.chain_seq ?? 0) + 1,
          prevHash,
          chainHash(prevHash, stored),
        ],
      );
      return 'new';
    });
  }

  /** The latest entry of each breach that matches, newest awareness first, with the number that match. */
  async list(filter: Omit<RegisterFilter, 'format'>): Promise<{ total: number; entries: RegisterRow[] }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (filter.status) where.push(`status = ${param(filter.status)}`);
    if (filter.regime) where.push(`${param(filter.regime)} = ANY(regimes)`);
    if (filter.notifiable !== undefined) where.push(`notifiable = ${param(filter.notifiable)}`);
    if (filter.from) where.push(`aware_at >= ${param(new Date(filter.from))}`);
    if (filter.to) where.push(`aware_at < ${param(new Date(filter.to))}`);
    const latest = `SELECT DISTINCT ON (breach_id) ${COLUMNS} FROM register_entry ORDER BY breach_id, revision DESC`;
    const matching = `SELECT * FROM (${latest}) latest${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    const { rows: count } = await this.sql.query<{ total: string }>(`SELECT count(*) AS total FROM (${matching}) m`, params);
    const { rows } = await this.sql.query<Row>(
      `${matching} ORDER BY aware_at DESC, breach_id LIMIT ${param(filter.limit)} OFFSET ${param(filter.offset)}`,
      params,
    );
    return { total: Number(count[0]!.total), entries: rows.map(toRow) };
  }

  /** A breach's latest entry, or undefined when the register has none (never started, or purged). */
  async latest(breachId: string): Promise<RegisterRow | undefined> {
    const { rows } = await this.sql.query<Row>(`SELECT ${COLUMNS} FROM register_entry WHERE breach_id = $1 ORDER BY revision DESC LIMIT 1`, [breachId]);
    return rows[0] && toRow(rows[0]);
  }

  /** Every breach's revisions as chained rows, in chain order, for verification. */
  async chains(): Promise<Map<string, ChainedRow[]>> {
    const { rows } = await this.sql.query<Row>(`SELECT ${COLUMNS} FROM register_entry ORDER BY breach_id, chain_seq`);
    const chains = new Map<string, ChainedRow[]>();
    for (const row of rows) {
      const chain = chains.get(row.breach_id) ?? [];
      chains.set(row.breach_id, chain);
      const derived = registerColumns(row.entry);
      const actual = {
        status: row.status,
        notifiable: row.notifiable,
        regimes: row.regimes,
        awareAt: new Date(row.aware_at).toISOString(),
        closedAt: row.closed_at && new Date(row.closed_at).toISOString(),
      };
      const expected = { ...derived, awareAt: new Date(derived.awareAt).toISOString() };
      const differs = (Object.keys(expected) as (keyof typeof expected)[]).filter((k) => JSON.stringify(expected[k]) !== JSON.stringify(actual[k]));
      chain.push({
        breachId: row.breach_id,
        entry: `revision ${row.revision}`,
        chainSeq: row.chain_seq,
        prevHash: row.prev_hash,
        hash: row.hash,
        content: row.entry,
        ...(differs.length || row.entry.breachId !== row.breach_id || row.entry.revision !== row.revision
          ? { inconsistent: `its columns (${differs.join(', ') || 'breach_id, revision'}) do not match its entry: the row was rewritten` }
          : {}),
      });
    }
    return chains;
  }

  /**
   * Removes the register entries and timelines of breaches closed before `cutoff` (closure + retention has passed);
   * open breaches, and breaches closed since, are kept whatever their age. Returns the breaches removed.
   */
  async purge(cutoff: Date, options: { dryRun?: boolean } = {}): Promise<string[]> {
    return this.sql.transaction(async (sql) => {
      const { rows } = await sql.query<{ breach_id: string }>(
        `SELECT breach_id FROM (SELECT DISTINCT ON (breach_id) breach_id, status, closed_at FROM register_entry ORDER BY breach_id, revision DESC) latest
         WHERE status = 'closed' AND closed_at < $1 ORDER BY breach_id`,
        [cutoff],
      );
      const ids = rows.map((r) => r.breach_id);
      if (ids.length && !options.dryRun) {
        await sql.query('DELETE FROM outcome WHERE breach_id = ANY($1)', [ids]);
        await sql.query('DELETE FROM register_entry WHERE breach_id = ANY($1)', [ids]);
        await sql.query('DELETE FROM breach_status WHERE breach_id = ANY($1)', [ids]);
      }
      return ids;
    });
  }
}

export type { OutcomeRow };
