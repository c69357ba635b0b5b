// Tamper evidence: each breach's timeline (outcome rows) and register revisions form hash chains in the store.
// Each row holds the SHA-256 of its own content and of the row before it, so rewriting a row (an approver, a
// filing reference) or deleting one from the middle breaks the chain at that row, and `breachline register
// verify` names it. One chain per breach, not one for the store: a retention purge deletes whole breaches, which
// leaves every other chain intact; writers of different breaches never wait for each other; and a breach's chain
// is verifiable on its own. What one chain per breach cannot show is a breach deleted whole: `verify` prints a
// digest of every chain's head, to be kept outside the database (a ticket, a signed mail) and compared later.
import { createHash } from 'node:crypto';
import type { Sql } from './sql';

/** The previous hash of a chain's first row. */
export const GENESIS = '0'.repeat(64);

/** JSON with object keys sorted at every level: one text for one value, whatever order jsonb returns keys in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of a chained row: its content and the previous row's hash. */
export function chainHash(prevHash: string, content: unknown): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(content)).digest('hex');
}

/**
 * Serialises the writers of one chain for the rest of the transaction: a transaction-scoped advisory lock, so two
 * workers (or two API replicas) appending to the same breach's chain on PostgreSQL never both read the same head
 * and fork it. Released at commit or rollback.
 */
export async function lockChain(sql: Sql, chain: string): Promise<void> {
  await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [chain]);
}

/** The first link found broken, with enough to find the row. */
export interface BrokenLink {
  table: 'outcome' | 'register_entry';
  breachId: string;
  /** The row: an outcome's idempotency key, or a register revision. */
  entry: string;
  chainSeq: number;
  reason: string;
}

export interface ChainReport {
  ok: boolean;
  breaches: number;
  rows: number;
  /** Rows written before the chain existed (no hash): reported, not verifiable. */
  unchained: number;
  broken?: BrokenLink;
  /** SHA-256 over every chain's head (breach, table, last seq, last hash): keep it outside the database. */
  headsDigest: string;
}

export interface ChainedRow {
  breachId: string;
  entry: string;
  chainSeq: number | null;
  prevHash: string | null;
  hash: string | null;
  content: unknown;
  /** A mismatch between a row's columns and its content (a register row's derived columns): a break. */
  inconsistent?: string;
}

/** Walks one breach's chain in order and returns the first broken link. */
export function firstBreak(table: BrokenLink['table'], rows: ChainedRow[]): { broken?: BrokenLink; unchained: number; head?: string } {
  let prev: string | undefined;
  let expectedSeq = 1;
  let unchained = 0;
  for (const row of rows) {
    const at = (reason: string): { broken: BrokenLink; unchained: number } => ({
      broken: { table, breachId: row.breachId, entry: row.entry, chainSeq: row.chainSeq ?? 0, reason },
      unchained,
    });
    if (row.chainSeq === null || row.hash === null) {
      // Rows from before tamper evidence come first; one without a hash after a chained row had it removed.
      if (prev !== undefined) return at('the row has lost its hash: it was rewritten outside Breachline');
      unchained++;
      continue;
    }
    if (row.chainSeq !== expectedSeq) return at(`expected link ${expectedSeq}, found ${row.chainSeq}: a row before it was deleted`);
    const expectedPrev = prev ?? GENESIS;
    if (row.prevHash !== expectedPrev) return at('its previous hash is not the hash of the row before: a row was deleted or replaced');
    if (chainHash(expectedPrev, row.content) !== row.hash) return at('its content does not match its hash: the row was rewritten');
    if (row.inconsistent) return at(row.inconsistent);
    prev = row.hash;
    expectedSeq++;
  }
  return { unchained, head: prev };
}
