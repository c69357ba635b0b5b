// `breachline register verify`: walks every breach's chains (timeline and register) and reports the first broken link.
import { createHash } from 'node:crypto';
import { type ChainReport, firstBreak } from './chain';
import type { Store } from './index';

export async function verifyChains(store: Store): Promise<ChainReport> {
  const [outcomes, register] = await Promise.all([store.outcomes.chains(), store.register.chains()]);
  const heads = createHash('sha256');
  const report: ChainReport = { ok: true, breaches: new Set([...outcomes.keys(), ...register.keys()]).size, rows: 0, unchained: 0, headsDigest: '' };
  for (const [table, chains] of [
    ['outcome', outcomes],
    ['register_entry', register],
  ] as const) {
    for (const [breachId, rows] of [...chains.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const { broken, unchained, head } = firstBreak(table, rows);
      report.rows += rows.length;
      report.unchained += unchained;
      if (broken && !report.broken) report.broken = broken;
      heads.update(`${table}\t${breachId}\t${rows.at(-1)?.chainSeq ?? 0}\t${head ?? ''}\n`);
    }
  }
  report.ok = !report.broken;
  report.headsDigest = heads.digest('hex');
  return report;
}
