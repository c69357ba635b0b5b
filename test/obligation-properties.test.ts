// Invariants of every rule pack, for any facts (fast-check): a due instant is never before its clock's start, never
// on a closed day where the rule rolls forward or counts business days, and never earlier when the start is later.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CALENDARS, dayOf } from '../workflows/domain/calendar';
import { DataCategory, Facts, KNOWN_SECTORS } from '../workflows/domain/facts';
import { type ObligationRule, US_STATE_REGIMES } from '../workflows/domain/obligations';
import { assess, RULE_PACKS } from '../workflows/domain/regimes';

const JURISDICTIONS = [
  ...['JP', 'DE', 'FR', 'NO', 'GB', 'US', ...US_STATE_REGIMES, 'KR', 'SG', 'AU', 'BR', 'IN', 'CN', 'CA', 'NZ'],
  ...['TH', 'PH', 'ID', 'VN', 'MY', 'CH', 'TR', 'ZA', 'SA', 'CA-QC', 'CA-AB', 'CL', 'NG', 'KE'],
];
const FIRST = Date.parse('2020-01-01T00:00:00Z');
const LAST = Date.parse('2035-12-31T00:00:00Z');
const DAY_MS = 86_400_000;

const instant = fc.integer({ min: FIRST, max: LAST });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Facts over every regime's inputs; the later instants are offsets from awareness, as they are in life. */
const anyFacts = fc
  .record({
    awareAt: instant,
    jurisdictions: fc.subarray(JURISDICTIONS),
    affectedCount: maybe(fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 990_000, max: 1_010_000 }))),
    dataCategories: fc.subarray([...DataCategory.options]),
    sectors: fc.subarray([...KNOWN_SECTORS]),
    unfairPurpose: maybe(fc.boolean()),
    encrypted: maybe(fc.boolean()),
    highRisk: maybe(fc.boolean()),
    processor: maybe(fc.boolean()),
    harmUnlikelyDocumented: maybe(fc.boolean()),
    affectedByJurisdiction: maybe(fc.dictionary(fc.constantFrom(...US_STATE_REGIMES), fc.integer({ min: 0, max: 12_000 }), { maxKeys: 5 })),
    unreachableCount: maybe(fc.integer({ min: 0, max: 50 })),
    determinedAfterMs: maybe(fc.integer({ min: 0, max: 20 * DAY_MS })),
    materialityAfterMs: maybe(fc.integer({ min: 0, max: 20 * DAY_MS })),
    classifiedAfterMs: maybe(fc.integer({ min: 0, max: 2 * DAY_MS })),
  })
  .map(({ awareAt, determinedAfterMs, materialityAfterMs, classifiedAfterMs, ...rest }) => ({
    awareAt,
    offsets: { determinedAt: determinedAfterMs, materialityDeterminedAt: materialityAfterMs, classifiedMajorAt: classifiedAfterMs },
    rest,
  }));

type Generated = typeof anyFacts extends fc.Arbitrary<infer T> ? T : never;

/** The facts, with every instant moved `shiftMs` later (awareness) or `laterMs` later (the other instants). */
function factsOf({ awareAt, offsets, rest }: Generated, shiftMs = 0, laterMs = 0): Facts {
  const iso = (ms: number) => new Date(ms).toISOString();
  const instants = Object.fromEntries(
    Object.entries(offsets)
      .filter(([, offset]) => offset !== undefined)
      .map(([key, offset]) => [key, iso(awareAt + shiftMs + offset! + laterMs)]),
  );
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return Facts.parse({ awareAt: iso(awareAt + shiftMs), ...defined, ...instants });
}

const rules = new Map(RULE_PACKS.flatMap((pack) => pack.rules.map((rule) => [`${pack.regime}/${rule.id}`, rule as ObligationRule])));

describe('every rule pack, for any facts', () => {
  it('never falls due before its clock starts, nor before awareness', () => {
    fc.assert(
      fc.property(anyFacts, (generated) => {
        const facts = factsOf(generated);
        for (const o of assess(facts).obligations) {
          expect(o.dueAt, o.id).toBeGreaterThan(o.startAt);
          expect(o.dueAt, o.id).toBeGreaterThan(Date.parse(facts.awareAt));
          if (o.targetAt !== undefined) expect(o.targetAt, o.id).toBeLessThanOrEqual(o.dueAt);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never falls due on a closed day where the rule rolls forward or counts business days', () => {
    let checked = 0;
    fc.assert(
      fc.property(anyFacts, (generated) => {
        for (const o of assess(factsOf(generated)).obligations) {
          const rule = rules.get(o.id)!;
          const counting = rule.counting;
          if (!counting?.calendar || !(counting.rollForward || rule.duration.unit === 'business-days')) continue;
          const calendar = CALENDARS[counting.calendar];
          expect(calendar.closedBecause(dayOf(o.dueAt, calendar.zone)), `${o.id} due ${dayOf(o.dueAt, calendar.zone)}`).toBeUndefined();
          checked++;
        }
      }),
      { numRuns: 400 },
    );
    expect(checked).toBeGreaterThan(100); // the property was exercised, not vacuously true
  });

  it('never moves a due instant earlier when awareness, or a later determination, moves later', () => {
    fc.assert(
      fc.property(anyFacts, fc.integer({ min: 0, max: 40 * DAY_MS }), fc.integer({ min: 0, max: 10 * DAY_MS }), (generated, shiftMs, laterMs) => {
        const before = assess(factsOf(generated));
        const after = new Map(assess(factsOf(generated, shiftMs, laterMs)).obligations.map((o) => [o.id, o.dueAt]));
        for (const o of before.obligations) {
          expect(after.has(o.id), `${o.id} still applies`).toBe(true);
          expect(after.get(o.id)!, o.id).toBeGreaterThanOrEqual(o.dueAt);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('computes the same obligations for the same facts, every time (the workflow replays on this)', () => {
    fc.assert(
      fc.property(anyFacts, (generated) => {
        expect(assess(factsOf(generated))).toEqual(assess(factsOf(generated)));
      }),
      { numRuns: 100 },
    );
  });
});
