// APPI obligations from facts: pure rules, no server. Dates are counted by hand from the law, not by the code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayOf, inZone, japanGovernment, rollForward } from '../workflows/domain/calendar';
import { DEFAULT_LADDER, ladderSteps, pendingSteps } from '../workflows/domain/escalation';
import { Facts } from '../workflows/domain/facts';
import { assess } from '../workflows/domain/obligations';

const facts = (over: Partial<Facts> & { awareAt: string }) => Facts.parse({ jurisdictions: ['JP'], ...over });
const due = (f: Facts, id: string) => {
  const o = assess(f).obligations.find((x) => x.id === id);
  return o && inZone(o.dueAt, o.zone);
};

describe('APPI final report (Rules Art. 8(2), guideline 3-5-3-4)', () => {
  it.each([
    // awareAt (UTC)                 unfair  final report due (JST)                  why
    ['2026-11-24T03:00:00Z', false, '2026-12-23T23:59:59.999+09:00', 'day 30 is a Wednesday'],
    ['2026-11-24T03:00:00Z', true, '2027-01-22T23:59:59.999+09:00', 'day 60 is a Friday'],
    ['2026-11-30T03:00:00Z', false, '2027-01-04T23:59:59.999+09:00', 'day 30 = 29 Dec, year-end closure until 3 Jan'],
    ['2027-01-13T03:00:00Z', false, '2027-02-12T23:59:59.999+09:00', 'day 30 = National Foundation Day'],
    ['2026-08-21T03:00:00Z', false, '2026-09-24T23:59:59.999+09:00', 'day 30 = Sat 19 Sep; Sun, two holidays, equinox follow'],
    ['2026-11-23T15:30:00Z', false, '2026-12-23T23:59:59.999+09:00', '00:30 JST on 24 Nov: awareness day is 24 Nov in Tokyo'],
    ['2026-11-23T14:30:00Z', false, '2026-12-22T23:59:59.999+09:00', '23:30 JST on 23 Nov: awareness day is 23 Nov in Tokyo'],
  ])('aware %s, unfair purpose %s → due %s (%s)', (awareAt, unfairPurpose, expected) => {
    expect(due(facts({ awareAt, affectedCount: 1001, unfairPurpose }), 'JP-APPI/ppc-final')).toBe(expected);
  });

  it('explains how the due day was counted, naming the closed days passed over', () => {
    const final = assess(facts({ awareAt: '2026-11-30T03:00:00Z', affectedCount: 5000 })).obligations.find((o) => o.kind === 'final')!;
    expect(final.counting).toContain('awareness day 2026-11-30 (Asia/Tokyo) is day 1; day 30 is 2026-12-29');
    expect(final.counting).toContain('rolled forward to 2027-01-04');
    expect(final.counting).toContain('2027-01-02 year-end closure');
    expect(final.guidance).toBe(false);
  });
});

describe('APPI preliminary report (Rules Art. 8(1), guideline 3-5-3-3)', () => {
  it('targets the end of day 3 and is due at the end of day 5, as guidance, with no roll-forward', () => {
    const pre = assess(facts({ awareAt: '2026-11-24T03:00:00Z', dataCategories: ['health'] })).obligations.find((o) => o.kind === 'preliminary')!;
    expect(inZone(pre.targetAt!, pre.zone)).toBe('2026-11-26T23:59:59.999+09:00');
    expect(inZone(pre.dueAt, pre.zone)).toBe('2026-11-28T23:59:59.999+09:00'); // a Saturday: not rolled
    expect(pre.guidance).toBe(true);
  });
});

describe('APPI triggers (Rules Art. 7)', () => {
  const ids = (f: Facts) => assess(f).obligations.map((o) => o.id);
  const base = { awareAt: '2026-11-24T03:00:00Z' };

  it.each([
    ['1,000 people exactly', { affectedCount: 1000 }, false],
    ['1,001 people', { affectedCount: 1001 }, true],
    ['sensitive data, one person', { affectedCount: 1, dataCategories: ['sensitive'] }, true],
    ['health data', { dataCategories: ['health'] }, true],
    ['card numbers', { dataCategories: ['payment_card'] }, true],
    ['net-banking credentials', { dataCategories: ['bank_credentials'] }, true],
    ['unauthorised access, one person', { affectedCount: 1, unfairPurpose: true }, true],
    ['names and e-mails of 10 people', { affectedCount: 10, dataCategories: ['name', 'email'] }, false],
    ['card numbers, strongly encrypted', { dataCategories: ['payment_card'], encrypted: true }, false],
  ] as const)('%s → reportable: %s', (_, over, reportable) => {
    const got = ids(facts({ ...base, ...(over as Partial<Facts>) }));
    expect(got).toEqual(reportable ? ['JP-APPI/ppc-preliminary', 'JP-APPI/ppc-final', 'JP-APPI/individuals'] : []);
  });

  it('says why it applies, citing each trigger met', () => {
    const [first] = assess(facts({ ...base, affectedCount: 1200, unfairPurpose: true })).obligations;
    expect(first!.why).toEqual([
      'APPI Rules Art. 7(3): may have been caused with an unfair purpose (unfairPurpose: true)',
      'APPI Rules Art. 7(4): more than 1,000 people affected (affectedCount: 1200)',
    ]);
  });

  it('says why it does not apply instead of staying silent', () => {
    expect(assess(facts({ ...base, affectedCount: 1000 })).notApplicable).toEqual([
      { regime: 'JP-APPI', reason: 'none of the four triggers of APPI Rules Art. 7 is met by the facts known' },
    ]);
    expect(assess(Facts.parse({ ...base, jurisdictions: ['DE'], affectedCount: 5000 })).notApplicable[0]!.reason).toBe('no JP in jurisdictions');
  });
});

describe('Japanese government calendar', () => {
  const instant = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-01T00:00:00Z'), noInvalidDate: true });

  it('never lets a final report fall due on a closed day, before day 30, or more than 10 days after it', () => {
    fc.assert(
      fc.property(instant, fc.boolean(), (aware, unfairPurpose) => {
        const f = facts({ awareAt: aware.toISOString(), affectedCount: 2000, unfairPurpose });
        const final = assess(f).obligations.find((o) => o.kind === 'final')!;
        const dueDay = dayOf(final.dueAt, 'Asia/Tokyo');
        expect(japanGovernment.closedBecause(dueDay)).toBeUndefined();
        const days = Math.round((Date.parse(dueDay) - Date.parse(dayOf(aware.getTime(), 'Asia/Tokyo'))) / 86_400_000) + 1;
        const nominal = unfairPurpose ? 60 : 30;
        expect(days).toBeGreaterThanOrEqual(nominal);
        expect(days).toBeLessThanOrEqual(nominal + 10);
      }),
      { numRuns: 500 },
    );
  });

  it('never moves a due instant earlier when awareness moves later', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 40 * 86_400_000 }), (aware, laterMs) => {
        const dueFor = (ms: number) => assess(facts({ awareAt: new Date(ms).toISOString(), affectedCount: 2000 })).obligations.map((o) => o.dueAt);
        const early = dueFor(aware.getTime());
        const late = dueFor(aware.getTime() + laterMs);
        early.forEach((d, i) => expect(late[i]).toBeGreaterThanOrEqual(d));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to count past the holiday data rather than guess', () => {
    expect(() => rollForward('2051-01-05', japanGovernment)).toThrow(/holiday data for 1970–2050/);
  });
});

describe('escalation ladder', () => {
  const dueAt = Date.parse('2027-01-22T14:59:59.999Z');
  const H = 3_600_000;

  it('reminds 72 h and 24 h before the deadline, then daily for a week once it is missed', () => {
    expect(ladderSteps(dueAt).map((s) => [s.step, (s.at - dueAt) / H])).toEqual([
      ['due-in-72h', -72],
      ['due-in-24h', -24],
      ['missed', 0],
      ['missed+24h', 24],
      ['missed+48h', 48],
      ['missed+72h', 72],
      ['missed+96h', 96],
      ['missed+120h', 120],
      ['missed+144h', 144],
    ]);
    expect(DEFAULT_LADDER.overdue.times).toBe(7);
  });

  it('escalates a deadline that appears late once, at once, not in a burst', () => {
    const steps = pendingSteps(dueAt, dueAt - 10 * H, new Set());
    expect(steps.map((s) => s.step).slice(0, 2)).toEqual(['due-in-24h', 'missed']);
  });

  it('skips steps already sent', () => {
    expect(pendingSteps(dueAt, dueAt - 10 * H, new Set(['due-in-24h']))[0]!.step).toBe('missed');
    expect(pendingSteps(dueAt, dueAt + 1000 * H, new Set(['missed+144h']))).toEqual([]);
  });
});
