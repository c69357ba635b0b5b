// Rule-evaluation benchmark: assessments per second of the pure obligation engine (no server), for a Japan-only
// breach and for one that brings in every regime. npm run bench:obligations -- --iterations 5000
import { parseArgs } from 'node:util';
import { Facts } from '../workflows/domain/facts';
import { US_STATE_REGIMES } from '../workflows/domain/obligations';
import { assess } from '../workflows/domain/regimes';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '5000' } } });
const iterations = Number(values.iterations);
const base = Date.parse('2026-01-01T00:00:00Z');
const WORLD = [
  ...['JP', 'DE', 'GB', ...US_STATE_REGIMES, 'KR', 'SG', 'AU', 'BR', 'IN', 'CN', 'CA', 'CA-QC', 'CA-AB'],
  ...['TH', 'PH', 'ID', 'VN', 'MY', 'CH', 'TR', 'ZA', 'SA', 'CL', 'NZ', 'NG', 'KE'],
];
const SECTORS = ['finance', 'healthcare', 'hipaa-covered-entity', 'sec-registrant', 'nydfs-covered', 'nis2-entity', 'dora-entity'];

const scenarios = {
  'JP only': (i: number) => ({ jurisdictions: ['JP'], affectedCount: 500 + i * 3, unfairPurpose: i % 2 === 0 }),
  'every regime': (i: number) => ({
    jurisdictions: WORLD,
    sectors: SECTORS,
    affectedCount: 500 + i * 3,
    dataCategories: ['name', 'health', 'payment_card', 'government_id'],
    unfairPurpose: i % 2 === 0,
    highRisk: true,
    determinedAt: new Date(base + i * 8.64e6 * 3.7 + 3_600_000).toISOString(),
    materialityDeterminedAt: new Date(base + i * 8.64e6 * 3.7 + 86_400_000).toISOString(),
    classifiedMajorAt: new Date(base + i * 8.64e6 * 3.7 + 7_200_000).toISOString(),
  }),
};

for (const [name, extra] of Object.entries(scenarios)) {
  const facts = Array.from({ length: 1000 }, (_, i) => Facts.parse({ awareAt: new Date(base + i * 8.64e6 * 3.7).toISOString(), ...extra(i) }));
  for (let i = 0; i < 500; i++) assess(facts[i % facts.length]!); // warm up
  const start = performance.now();
  let obligations = 0;
  for (let i = 0; i < iterations; i++) obligations += assess(facts[i % facts.length]!).obligations.length;
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${name}: ${(iterations / seconds).toFixed(0)} assessments/s, ${((seconds / iterations) * 1e3).toFixed(2)} ms each, ${(obligations / iterations).toFixed(1)} obligations each`,
  );
}
