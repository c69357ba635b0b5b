// Edition 1, frozen (see index.ts).
// Small questions rule packs ask of the facts, each answered with the words that go into an obligation's "why".
import type { DataCategory, Facts } from '../../facts';

/** The data categories among `categories` that the breach involves. */
export const categoriesIn = (facts: Facts, ...categories: DataCategory[]): DataCategory[] => categories.filter((c) => facts.dataCategories.includes(c));

export const country = (jurisdiction: string): string => jurisdiction.slice(0, 2);

export const inCountry = (facts: Facts, code: string): boolean => facts.jurisdictions.some((j) => country(j) === code);

export const hasSector = (facts: Facts, sector: string): boolean => facts.sectors.includes(sector);

/** EU member states (ISO 3166-1; Greece is GR): any of them brings in the EU regimes. */
export const EU_MEMBER_STATES = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
] as const;
/** The GDPR applies in the EEA: the member states plus Iceland, Liechtenstein and Norway (EEA Joint Committee Decision 154/2018). */
export const EEA_STATES: readonly string[] = [...EU_MEMBER_STATES, 'IS', 'LI', 'NO'];

export interface HeadCount {
  /** The count to test a threshold against; undefined when nothing is known. */
  count?: number;
  /** How the count was found, for the obligation's "why". */
  source: string;
}

/**
 * People affected in one jurisdiction: from affectedByJurisdiction when given; otherwise the total, an upper bound,
 * so that a threshold is never missed for want of a breakdown.
 */
export function headCountIn(facts: Facts, jurisdiction: string): HeadCount {
  const exact = facts.affectedByJurisdiction?.[jurisdiction];
  if (exact !== undefined) return { count: exact, source: `affectedByJurisdiction.${jurisdiction}: ${exact}` };
  if (facts.affectedCount !== undefined) {
    return {
      count: facts.affectedCount,
      source: `no count for ${jurisdiction} in affectedByJurisdiction; the total, ${facts.affectedCount}, is its upper bound`,
    };
  }
  return { source: `no head count known for ${jurisdiction}` };
}

/** A threshold test whose "unknown" answer is "assume it is met": a missed obligation costs more than a withdrawn one. */
export function meets(head: HeadCount, test: (n: number) => boolean, threshold: string): { met: boolean; why: string } {
  if (head.count === undefined) return { met: true, why: `${threshold}: assumed met until a head count is known (${head.source})` };
  return { met: test(head.count), why: `${threshold} (${head.source})` };
}
