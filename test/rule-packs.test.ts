// Rule packs are data checked by zod, and their calendars come from a holiday library: both are tested here.
import { describe, expect, it } from 'vitest';
import { HOLIDAY_TABLES, holidayFile } from '../dev/holidays';
import { brazilNational, japanGovernment, rollForward, usFederalBusiness } from '../workflows/domain/calendar';
import { InvalidInput } from '../workflows/domain/facts';
import { applies, checkRulePack, definedRulePacks, packWithDefaults, Regime } from '../workflows/domain/obligations';
import { assess, EDITIONS, RULE_PACKS, validateRuleTables } from '../workflows/domain/regimes';
import { inZone } from '../workflows/domain/calendar';
import { Facts as FactsSchema } from '../workflows/domain/facts';
import { readFileSync } from 'node:fs';

const valid = {
  regime: 'JP-APPI' as const,
  name: 'test',
  zone: 'Asia/Tokyo',
  covers: () => true,
  appliesWhen: () => applies('test'),
};

describe('rule packs', () => {
  it('has a pack for every regime of the fixed vocabulary', () => {
    expect(RULE_PACKS.map((p) => p.regime).sort()).toEqual([...Regime.options].sort());
  });

  it('keeps edition 1 as it was, for the reassessments breaches recorded with it', () => {
    const facts = FactsSchema.parse({ awareAt: '2026-11-24T03:00:00Z', jurisdictions: ['US-CA', 'US-OH', 'IN'], dataCategories: ['government_id'] });
    const residents = (edition: 1 | 2) => assess(facts, {}, edition).obligations.find((o) => o.id === 'US-CA/residents')!;
    // Edition 1: California had no days (internal target, 30 from awareness day 23 Nov counted as the determination).
    expect(inZone(residents(1).dueAt, residents(1).zone)).toBe('2026-12-23T23:59:59.999-08:00');
    expect(residents(1).internalTarget).toBe(true);
    expect(residents(2).internalTarget).toBe(false);
    expect(assess(facts, {}, 1).unevaluated.map((u) => u.jurisdiction)).toEqual(['US-OH']);
    expect(assess(facts, {}, 2).unevaluated).toEqual([]);
    // India's DPDP had no commencement date in edition 1.
    expect(assess(facts, {}, 1).obligations.some((o) => o.regime === 'IN-DPDP')).toBe(true);
    expect(assess(facts, {}, 2).obligations.some((o) => o.regime === 'IN-DPDP')).toBe(false);
  });

  it('defines each pack as validating it would, and validates every table and pack of every edition', () => {
    expect(() => validateRuleTables()).not.toThrow();
    const inputs = definedRulePacks();
    // Every pack of both editions was defined once as its module loaded, and nothing else.
    expect(inputs.length).toBe(EDITIONS[1].length + EDITIONS[2].length);
    for (const input of inputs) {
      // Key order included: what a workflow builds from a pack is what it built when packs were parsed at load.
      expect(JSON.stringify(packWithDefaults(input))).toBe(JSON.stringify(checkRulePack(input)));
      expect(packWithDefaults(input)).toEqual(checkRulePack(input));
    }
  });

  it('refuses a malformed pack, naming each field and the reason', () => {
    const attempt = () =>
      checkRulePack({
        ...valid,
        rules: [
          {
            id: 'a',
            title: 'A',
            recipient: 'regulator',
            kind: 'single',
            citation: 'x',
            guidance: false,
            start: 'awareness',
            duration: { amount: 3, unit: 'business-days' },
          },
          {
            id: 'a',
            title: 'B',
            recipient: 'nobody' as never,
            kind: 'final',
            citation: 'x',
            guidance: false,
            start: { after: 'z' },
            duration: { amount: 2, unit: 'hours' },
          },
          {
            id: 'c',
            title: 'C',
            recipient: 'public',
            kind: 'single',
            citation: 'x',
            guidance: false,
            internalTarget: true,
            start: 'awareness',
            duration: { amount: 2, unit: 'hours' },
          },
        ],
      });
    expect(attempt).toThrow(InvalidInput);
    const fields = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as InvalidInput).errors.map((e) => `${e.field}: ${e.message}`);
      }
    })();
    expect(fields).toEqual([
      'rules.0.counting: required for business-days',
      'rules.0.counting.calendar: business days and roll-forward need a calendar',
      expect.stringMatching(/^rules\.1\.recipient: Invalid option/),
      'rules.2.guidance: an internal target is guidance, not a statutory limit',
    ]);
    // Cross-rule checks run once each rule is well-formed.
    expect(() =>
      checkRulePack({
        ...valid,
        rules: [
          {
            id: 'a',
            title: 'A',
            recipient: 'regulator',
            kind: 'single',
            citation: 'x',
            guidance: false,
            start: 'awareness',
            duration: { amount: 2, unit: 'hours' },
          },
          {
            id: 'a',
            title: 'B',
            recipient: 'regulator',
            kind: 'final',
            citation: 'x',
            guidance: false,
            start: { after: 'z' },
            duration: { amount: 2, unit: 'hours' },
          },
        ],
      }),
    ).toThrow('invalid rule pack JP-APPI: rules.1.id: duplicate rule id "a"; rules.1.start: "z" is not an earlier rule of JP-APPI');
  });
});

describe('holiday calendars', () => {
  it.each(Object.keys(HOLIDAY_TABLES) as (keyof typeof HOLIDAY_TABLES)[])(
    '%s still equals what date-holidays computes (regenerate with npx tsx dev/holidays.ts)',
    (id) => {
      const committed = readFileSync(new URL(`../workflows/domain/holidays/${id}.json`, import.meta.url), 'utf8');
      expect(committed).toBe(holidayFile(id));
    },
  );

  it.each([
    ['US-federal', '2026-07-03', usFederalBusiness, 'public holiday (Independence Day (substitute day))'],
    ['US-federal', '2027-06-18', usFederalBusiness, 'public holiday (Juneteenth (substitute day))'],
    ['US-federal', '2026-11-27', usFederalBusiness, undefined],
    ['BR-national', '2026-11-20', brazilNational, 'public holiday (Dia da Consciência Negra)'],
    ['BR-national', '2027-03-26', brazilNational, 'public holiday (Sexta-Feira Santa)'],
    ['JP-gov', '2027-01-03', japanGovernment, 'year-end closure of government offices (29 Dec – 3 Jan)'],
    ['JP-gov', '2035-03-21', japanGovernment, 'national holiday (Vernal Equinox Day)'],
  ] as const)('%s: %s', (_, day, calendar, reason) => {
    expect(calendar.closedBecause(day)).toBe(reason);
  });

  it('covers 2020–2035 in every calendar, and refuses to count past its data rather than guess', () => {
    for (const calendar of [usFederalBusiness, brazilNational, japanGovernment]) {
      expect(() => calendar.closedBecause('2020-01-01')).not.toThrow();
      expect(() => calendar.closedBecause('2035-12-31')).not.toThrow();
    }
    expect(() => rollForward('2051-01-05', japanGovernment)).toThrow(/holiday data for 1970–2050/);
    expect(() => usFederalBusiness.closedBecause('2041-01-01')).toThrow(/holiday data for 2020–2040/);
  });
});
