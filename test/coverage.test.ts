// Coverage: every jurisdiction whose law Breachline says it computes has a rule pack and is never "unevaluated", and
// the README's coverage table is the one the rule packs generate (npm run docs:coverage).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, coverageTable, coveredCodes, END } from '../dev/coverage';
import { Facts } from '../workflows/domain/facts';
import { assess, RULE_PACKS } from '../workflows/domain/regimes';

/** The jurisdictions with a breach-notification law Breachline computes: each must have a pack. */
const REQUIRED = [
  // Japan, the EEA and the UK.
  'JP',
  ...[
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
  ],
  ...['IS', 'LI', 'NO', 'GB'],
  // The United States: federal, every state, DC and the territories with a breach law.
  'US',
  ...['US-AL', 'US-AK', 'US-AZ', 'US-AR', 'US-CA', 'US-CO', 'US-CT', 'US-DE', 'US-DC', 'US-FL', 'US-GA', 'US-HI', 'US-ID', 'US-IL'],
  ...['US-IN', 'US-IA', 'US-KS', 'US-KY', 'US-LA', 'US-ME', 'US-MD', 'US-MA', 'US-MI', 'US-MN', 'US-MS', 'US-MO', 'US-MT', 'US-NE'],
  ...['US-NV', 'US-NH', 'US-NJ', 'US-NM', 'US-NY', 'US-NC', 'US-ND', 'US-OH', 'US-OK', 'US-OR', 'US-PA', 'US-RI', 'US-SC', 'US-SD'],
  ...['US-TN', 'US-TX', 'US-UT', 'US-VT', 'US-VA', 'US-WA', 'US-WV', 'US-WI', 'US-WY', 'US-PR', 'US-GU', 'US-VI'],
  // Asia-Pacific, the Americas, Africa and the Middle East.
  ...['KR', 'SG', 'AU', 'BR', 'IN', 'CN', 'CA', 'CA-QC', 'CA-AB'],
  ...['TH', 'PH', 'ID', 'VN', 'MY', 'CH', 'TR', 'ZA', 'SA', 'CL', 'NZ', 'NG', 'KE'],
];

describe('coverage', () => {
  it.each(REQUIRED)('%s has a rule pack', (code) => {
    expect(RULE_PACKS.filter((pack) => pack.covers(code)).map((p) => p.regime)).not.toEqual([]);
  });

  it('leaves none of them unevaluated, whatever the data', () => {
    const assessment = assess(Facts.parse({ awareAt: '2026-11-24T03:00:00Z', jurisdictions: REQUIRED, dataCategories: ['name', 'email'] }));
    expect(assessment.unevaluated).toEqual([]);
  });

  it('gives every US state, DC and territory its own pack, in its own zone', () => {
    for (const code of REQUIRED.filter((c) => c.startsWith('US-'))) {
      const pack = RULE_PACKS.find((p) => p.regime === code);
      expect(pack, code).toBeDefined();
      // A territory is also named by its ISO 3166-1 code (PR, GU, VI).
      expect(coveredCodes(pack!).filter((c) => c.startsWith('US-'))).toEqual([code]);
    }
  });

  it('README.md holds the coverage table the rule packs generate (run npm run docs:coverage)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const between = readme.slice(readme.indexOf(BEGIN) + BEGIN.length, readme.indexOf(END));
    expect(readme.indexOf(BEGIN)).toBeGreaterThan(0);
    expect(between.trim()).toBe(coverageTable());
  });

  it('lists every pack once, each with its obligations and citations', () => {
    const rows = coverageTable().split('\n').slice(2);
    expect(rows).toHaveLength(RULE_PACKS.length);
    for (const [i, pack] of RULE_PACKS.entries()) {
      expect(rows[i]).toContain(`\`${pack.regime}\``);
      for (const rule of pack.rules) expect(rows[i]).toContain(rule.title);
    }
  });
});
