// The breach register as people read it: one CSV row per breach (its latest entry), and the retention cutoff.
import { stringify } from 'csv-stringify/sync';
import type { RegisterRow } from '../activities/store/register';
import { DEFAULT_REGISTER_RETENTION_YEARS } from '../workflows/domain/register';

const COLUMNS = [
  'breach_id',
  'revision',
  'status',
  'notifiable',
  'regimes',
  'aware_at',
  'closed_at',
  'detected_by',
  'severity',
  'affected_count',
  'data_categories',
  'jurisdictions',
  'obligations',
  'filings',
  'not_notifiable_because',
  'notices_sent',
  'closed_by',
  'close_reason',
  'hash',
] as const;

/**
 * One row per breach: what a supervisory authority asks to see (GDPR Art. 33(5)). Cells a spreadsheet would run
 * as a formula get a leading quote (OWASP, CSV Injection).
 */
export function registerCsv(rows: RegisterRow[]): string {
  return stringify(
    rows.map(({ entry, hash }) => {
      const obligations = entry.obligations.map((o) => `${o.id}: ${o.state}${o.withdrawnBecause ? ` (${o.withdrawnBecause})` : ''}`);
      const filings = entry.obligations.flatMap((o) =>
        o.approvals.map((a) => `${o.id} ${a.action} by ${a.by} at ${a.at}${a.filingReference ? ` ref ${a.filingReference}` : ''}`),
      );
      const notNotifiable = entry.decisions.filter((d) => !d.notifiable).map((d) => `${d.regime}: ${d.reasons.join('; ')}`);
      const sent = entry.campaigns.reduce((n, c) => n + c.waves.reduce((m, w) => m + w.sent, 0), 0);
      return [
        entry.breachId,
        entry.revision,
        entry.status,
        String(entry.notifiable),
        entry.decisions
          .filter((d) => d.notifiable)
          .map((d) => d.regime)
          .join(' '),
        entry.awareAt,
        entry.closedAt ?? '',
        entry.detection.source,
        entry.detection.severity ?? '',
        entry.facts.affectedCount ?? '',
        entry.facts.dataCategories.join(' '),
        entry.facts.jurisdictions.join(' '),
        obligations.join(' | '),
        filings.join(' | '),
        notNotifiable.join(' | '),
        sent,
        entry.closedBy ?? '',
        entry.closeReason ?? '',
        hash,
      ];
    }),
    { header: true, columns: [...COLUMNS], escape_formulas: true },
  );
}

/** Entries of breaches closed before this instant are past retention. */
export function retentionCutoff(now: Date, retentionYears = DEFAULT_REGISTER_RETENTION_YEARS): Date {
  const cutoff = new Date(now);
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - retentionYears);
  return cutoff;
}
