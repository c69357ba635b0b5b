// Every US state, DC and territory pack: a scenario that fires, with its due instant, and scenarios that do not. The
// instants were counted by hand from each statute: aware Tue 24 Nov 2026 03:00 UTC (the evening of Mon 23 Nov in
// every US zone but Guam's), determined 24 Nov 17:00 UTC (24 Nov everywhere but Guam, where it is 25 Nov). "Within N
// days after" counts the start day as day 0: from discovery, 23 Nov + 30 = 23 Dec, + 45 = 7 Jan, + 60 = 22 Jan; from
// determination, 24 Dec, 8 Jan, 23 Jan. Where the law gives no days, the internal target is 30 days from the
// determination (24 Dec), as guidance.
import { describe, expect, it } from 'vitest';
import { inZone } from '../workflows/domain/calendar';
import { Facts } from '../workflows/domain/facts';
import { US_STATE_REGIMES } from '../workflows/domain/obligations';
import { assess } from '../workflows/domain/regimes';
import { checkStateLaw, STATE_LAWS } from '../workflows/domain/regimes/us-states';

const AWARE = '2026-11-24T03:00:00Z';
const DETERMINED = '2026-11-24T17:00:00Z';
const facts = (code: string, over: Partial<Facts> = {}) =>
  Facts.parse({ awareAt: AWARE, determinedAt: DETERMINED, jurisdictions: [code], dataCategories: ['name', 'government_id'], ...over });
const find = (f: Facts, id: string) => assess(f).obligations.find((o) => o.id === id);
const count = (code: string, n: number) => ({ affectedByJurisdiction: { [code]: n } });

// [state, residents due, guidance]
const residents: [string, string, boolean][] = [
  ['US-AL', '2027-01-08T23:59:59.999-06:00', false], // 45 days after the determination
  ['US-AK', '2026-12-24T23:59:59.999-09:00', true],
  ['US-AZ', '2027-01-08T23:59:59.999-07:00', false],
  ['US-AR', '2026-12-24T23:59:59.999-06:00', true],
  ['US-CA', '2026-12-23T23:59:59.999-08:00', false], // SB 446: 30 days after discovery
  ['US-CO', '2026-12-24T23:59:59.999-07:00', false],
  ['US-CT', '2027-01-22T23:59:59.999-05:00', false], // 60 days after discovery
  ['US-DE', '2027-01-23T23:59:59.999-05:00', false], // 60 days after the determination
  ['US-DC', '2026-12-24T23:59:59.999-05:00', true],
  ['US-FL', '2026-12-24T23:59:59.999-05:00', false],
  ['US-GA', '2026-12-24T23:59:59.999-05:00', true],
  ['US-HI', '2026-12-24T23:59:59.999-10:00', true],
  ['US-ID', '2026-12-24T23:59:59.999-07:00', true],
  ['US-IL', '2026-12-24T23:59:59.999-06:00', true],
  ['US-IN', '2027-01-07T23:59:59.999-05:00', false],
  ['US-IA', '2026-12-24T23:59:59.999-06:00', true],
  ['US-KS', '2026-12-24T23:59:59.999-06:00', true],
  ['US-KY', '2026-12-24T23:59:59.999-05:00', true],
  ['US-LA', '2027-01-22T23:59:59.999-06:00', false],
  ['US-ME', '2026-12-24T23:59:59.999-05:00', false], // 30 days after awareness and scope: the determination
  ['US-MD', '2027-01-07T23:59:59.999-05:00', false],
  ['US-MA', '2026-12-24T23:59:59.999-05:00', true],
  ['US-MI', '2026-12-24T23:59:59.999-05:00', true],
  ['US-MN', '2026-12-24T23:59:59.999-06:00', true],
  ['US-MS', '2026-12-24T23:59:59.999-06:00', true],
  ['US-MO', '2026-12-24T23:59:59.999-06:00', true],
  ['US-MT', '2026-12-24T23:59:59.999-07:00', true],
  ['US-NE', '2026-12-24T23:59:59.999-06:00', true],
  ['US-NV', '2026-12-24T23:59:59.999-08:00', true],
  ['US-NH', '2026-12-24T23:59:59.999-05:00', true],
  ['US-NJ', '2026-12-24T23:59:59.999-05:00', true],
  ['US-NM', '2027-01-07T23:59:59.999-07:00', false],
  ['US-NY', '2026-12-23T23:59:59.999-05:00', false], // 2024 amendment: 30 days after discovery
  ['US-NC', '2026-12-24T23:59:59.999-05:00', true],
  ['US-ND', '2026-12-24T23:59:59.999-06:00', true],
  ['US-OH', '2027-01-07T23:59:59.999-05:00', false],
  ['US-OK', '2026-12-24T23:59:59.999-06:00', true],
  ['US-OR', '2027-01-07T23:59:59.999-08:00', false],
  ['US-PA', '2026-12-24T23:59:59.999-05:00', true],
  ['US-RI', '2027-01-08T23:59:59.999-05:00', false], // 45 days after confirmation
  ['US-SC', '2026-12-24T23:59:59.999-05:00', true],
  ['US-SD', '2027-01-22T23:59:59.999-06:00', false],
  ['US-TN', '2027-01-07T23:59:59.999-06:00', false],
  ['US-TX', '2027-01-23T23:59:59.999-06:00', false],
  ['US-UT', '2026-12-24T23:59:59.999-07:00', true],
  ['US-VT', '2027-01-07T23:59:59.999-05:00', false],
  ['US-VA', '2026-12-24T23:59:59.999-05:00', true],
  ['US-WA', '2026-12-23T23:59:59.999-08:00', false],
  ['US-WV', '2026-12-24T23:59:59.999-05:00', true],
  ['US-WI', '2027-01-07T23:59:59.999-06:00', false],
  ['US-WY', '2026-12-24T23:59:59.999-07:00', true],
  ['US-PR', '2026-12-24T23:59:59.999-04:00', true],
  ['US-GU', '2026-12-25T23:59:59.999+10:00', true], // determined 25 Nov in Guam
  ['US-VI', '2026-12-24T23:59:59.999-04:00', true],
];

describe('every US state, DC and territory', () => {
  it('has one row and one pack for each, none left unevaluated', () => {
    expect(STATE_LAWS.map((l) => l.code)).toEqual([...US_STATE_REGIMES]);
    expect(residents.map(([code]) => code)).toEqual([...US_STATE_REGIMES]);
    const all = assess(Facts.parse({ awareAt: AWARE, jurisdictions: [...US_STATE_REGIMES], dataCategories: ['government_id'] }));
    expect(all.unevaluated).toEqual([]);
  });

  it.each(residents)('%s: residents due %s (guidance: %s)', (code, expected, guidance) => {
    const o = find(facts(code), `${code}/residents`);
    expect(o, `${code}/residents applies`).toBeDefined();
    expect(inZone(o!.dueAt, o!.zone)).toBe(expected);
    expect(o!.guidance).toBe(guidance);
    expect(o!.citation).not.toBe('');
    if (guidance) expect(o!.counting).toMatch(/^"[^"]+": no days in the law; internal target/);
  });

  it.each([...US_STATE_REGIMES])('%s: names and e-mail addresses alone are not personal information under its law', (code) => {
    const a = assess(facts(code, { dataCategories: ['name', 'email', 'address', 'phone'] }));
    expect(a.obligations.filter((o) => o.regime === code)).toEqual([]);
    expect(a.notApplicable.find((n) => n.regime === code && !n.obligation)?.reason).toContain('no personal information');
  });

  it.each([
    ['PR', 'US-PR'],
    ['GU', 'US-GU'],
    ['VI', 'US-VI'],
  ])('the territory named by its own ISO 3166-1 code %s is evaluated by %s', (alpha2, code) => {
    const a = assess(facts(alpha2, count(alpha2, 10)));
    expect(a.unevaluated).toEqual([]);
    expect(a.obligations.map((o) => o.id)).toContain(`${code}/residents`);
  });

  it('refuses a malformed row, naming the field', () => {
    expect(() => checkStateLaw({ ...STATE_LAWS[0]!, elements: ['ssn' as never] })).toThrow(/US state law US-AL: elements\.0: Invalid option/);
  });
});

describe('regulators and consumer reporting agencies, at their thresholds', () => {
  // [what, state, facts, obligation, due, guidance]
  const rows: [string, string, Partial<Facts>, string, string, boolean][] = [
    ['Alabama AG above 1,000, 45 days after the determination', 'US-AL', count('US-AL', 1001), 'attorney-general', '2027-01-08T23:59:59.999-06:00', false],
    ['Arizona AG above 1,000', 'US-AZ', count('US-AZ', 1001), 'attorney-general', '2027-01-08T23:59:59.999-07:00', false],
    ['Arizona Department of Homeland Security', 'US-AZ', count('US-AZ', 1001), 'homeland-security', '2027-01-08T23:59:59.999-07:00', false],
    ['Arizona credit bureaus, 45 days', 'US-AZ', count('US-AZ', 1001), 'consumer-reporting-agencies', '2027-01-08T23:59:59.999-07:00', false],
    ['Arkansas AG with the residents, capped at 45 days', 'US-AR', count('US-AR', 1001), 'attorney-general', '2026-12-24T23:59:59.999-06:00', true],
    // Residents due 23 Dec 23:59:59.999 PST, not yet notified: 15 days after, 7 Jan.
    ['California AG 15 days after the residents, above 500', 'US-CA', count('US-CA', 501), 'attorney-general', '2027-01-07T23:59:59.999-08:00', false],
    ['Colorado AG at 500', 'US-CO', count('US-CO', 500), 'attorney-general', '2026-12-24T23:59:59.999-07:00', false],
    ['Connecticut AG not later than the residents', 'US-CT', {}, 'attorney-general', '2027-01-22T23:59:59.999-05:00', false],
    ['Delaware AG above 500', 'US-DE', count('US-DE', 501), 'attorney-general', '2027-01-23T23:59:59.999-05:00', false],
    ['DC OAG at 50', 'US-DC', count('US-DC', 50), 'attorney-general', '2026-12-24T23:59:59.999-05:00', true],
    ['Florida Department of Legal Affairs at 500', 'US-FL', count('US-FL', 500), 'attorney-general', '2026-12-24T23:59:59.999-05:00', false],
    ['Georgia credit bureaus above 10,000', 'US-GA', count('US-GA', 10001), 'consumer-reporting-agencies', '2026-12-24T23:59:59.999-05:00', true],
    ['Hawaii Office of Consumer Protection above 1,000', 'US-HI', count('US-HI', 1001), 'consumer-protection', '2026-12-24T23:59:59.999-10:00', true],
    ['Indiana AG, any resident, 45 days after discovery', 'US-IN', {}, 'attorney-general', '2027-01-07T23:59:59.999-05:00', false],
    // Residents' target Thu 24 Dec; Iowa business days: 25 Dec and 1 Jan are holidays → 28, 29, 30, 31 Dec, 4 Jan.
    ['Iowa AG 5 business days after the residents', 'US-IA', count('US-IA', 501), 'attorney-general', '2027-01-04T23:59:59.999-06:00', false],
    ['Louisiana AG 10 days after the residents', 'US-LA', {}, 'attorney-general', '2027-02-01T23:59:59.999-06:00', false],
    ['Maine AG: no time in the law, with the residents', 'US-ME', {}, 'attorney-general', '2026-12-24T23:59:59.999-05:00', true],
    ['Maryland AG prior to the residents', 'US-MD', {}, 'attorney-general', '2027-01-07T23:59:59.999-05:00', false],
    ['Massachusetts OCABR', 'US-MA', {}, 'consumer-affairs', '2026-12-24T23:59:59.999-05:00', true],
    ['Minnesota credit bureaus above 500, 48 hours', 'US-MN', count('US-MN', 501), 'consumer-reporting-agencies', '2026-11-25T21:00:00.000-06:00', false],
    ['Missouri AG above 1,000', 'US-MO', count('US-MO', 1001), 'attorney-general', '2026-12-24T23:59:59.999-06:00', true],
    ['Montana OCP simultaneously', 'US-MT', {}, 'attorney-general', '2026-12-24T23:59:59.999-07:00', true],
    ['New Jersey State Police before the residents', 'US-NJ', {}, 'state-police', '2026-12-24T23:59:59.999-05:00', true],
    ['New Mexico AG above 1,000, 45 days after discovery', 'US-NM', count('US-NM', 1001), 'attorney-general', '2027-01-07T23:59:59.999-07:00', false],
    ['New Mexico credit bureaus, 45 days', 'US-NM', count('US-NM', 1001), 'consumer-reporting-agencies', '2027-01-07T23:59:59.999-07:00', false],
    ['New York DFS, with the residents', 'US-NY', {}, 'financial-services', '2026-12-23T23:59:59.999-05:00', true],
    ['New York credit bureaus above 5,000', 'US-NY', count('US-NY', 5001), 'consumer-reporting-agencies', '2026-12-23T23:59:59.999-05:00', true],
    ['North Dakota AG above 250', 'US-ND', count('US-ND', 251), 'attorney-general', '2026-12-24T23:59:59.999-06:00', true],
    // Residents' target 24 Dec; + 60 days = 22 Feb.
    ['Oklahoma AG at 500, 60 days after the residents (from 2026)', 'US-OK', count('US-OK', 500), 'attorney-general', '2027-02-22T23:59:59.999-06:00', false],
    ['Oregon AG above 250', 'US-OR', count('US-OR', 251), 'attorney-general', '2027-01-07T23:59:59.999-08:00', false],
    ['Pennsylvania AG above 500, concurrently', 'US-PA', count('US-PA', 501), 'attorney-general', '2026-12-24T23:59:59.999-05:00', true],
    ['Pennsylvania credit bureaus above 500', 'US-PA', count('US-PA', 501), 'consumer-reporting-agencies', '2026-12-24T23:59:59.999-05:00', true],
    ['Rhode Island AG above 500', 'US-RI', count('US-RI', 501), 'attorney-general', '2027-01-08T23:59:59.999-05:00', false],
    ['South Dakota AG above 250', 'US-SD', count('US-SD', 251), 'attorney-general', '2027-01-22T23:59:59.999-06:00', true],
    ['Texas AG at 250, 30 days after the determination', 'US-TX', count('US-TX', 250), 'attorney-general', '2026-12-24T23:59:59.999-06:00', false],
    ['Utah Cyber Center at 500', 'US-UT', count('US-UT', 500), 'cyber-center', '2026-12-24T23:59:59.999-07:00', true],
    // Day 0 Mon 23 Nov; Vermont business days pass over Thanksgiving and weekends: the 14th is Mon 14 Dec.
    ['Vermont AG preliminary notice, 14 business days', 'US-VT', {}, 'attorney-general', '2026-12-14T23:59:59.999-05:00', false],
    ['Vermont AG follow-up with the consumers', 'US-VT', {}, 'attorney-general-follow-up', '2027-01-07T23:59:59.999-05:00', false],
    ['Washington AG above 500, 30 days after discovery', 'US-WA', count('US-WA', 501), 'attorney-general', '2026-12-23T23:59:59.999-08:00', false],
    // Aware 23:00 on 23 Nov in San Juan: + 10 days = 3 Dec.
    ['Puerto Rico DACO, 10 days after detection', 'US-PR', {}, 'consumer-affairs', '2026-12-03T23:59:59.999-04:00', false],
    [
      'Florida: the no-harm determination goes to the Department within 30 days',
      'US-FL',
      { harmUnlikelyDocumented: true },
      'no-harm-determination',
      '2026-12-24T23:59:59.999-05:00',
      false,
    ],
    [
      'Alaska: the no-harm determination goes to the AG',
      'US-AK',
      { harmUnlikelyDocumented: true },
      'no-harm-determination',
      '2026-12-24T23:59:59.999-09:00',
      true,
    ],
    [
      'Alabama AG still due for a HIPAA covered entity',
      'US-AL',
      { sectors: ['hipaa-covered-entity'], ...count('US-AL', 1001) },
      'attorney-general',
      '2027-01-08T23:59:59.999-06:00',
      false,
    ],
    ['Wyoming: encryption is no safe harbour', 'US-WY', { encrypted: true }, 'residents', '2026-12-24T23:59:59.999-07:00', true],
    ['California: online credentials alone', 'US-CA', { dataCategories: ['credentials'] }, 'residents', '2026-12-23T23:59:59.999-08:00', false],
    ['California: no risk-of-harm exception', 'US-CA', { harmUnlikelyDocumented: true }, 'residents', '2026-12-23T23:59:59.999-08:00', false],
  ];

  it.each(rows)('%s', (_, code, over, id, expected, guidance) => {
    const o = find(facts(code, over), `${code}/${id}`);
    expect(o, `${code}/${id} applies`).toBeDefined();
    expect(inZone(o!.dueAt, o!.zone)).toBe(expected);
    expect(o!.guidance).toBe(guidance);
    expect(o!.why.length).toBeGreaterThan(0);
  });

  it('says why a notice tied to the residents is guidance', () => {
    const o = find(facts('US-MT'), 'US-MT/attorney-general')!;
    expect(o.counting).toMatch(/^"simultaneously with the residents": due with the residents’ notice, which has no days in the law; internal target/);
  });

  it('says when a law has no risk-of-harm exception', () => {
    expect(find(facts('US-CA', { harmUnlikelyDocumented: true }), 'US-CA/residents')!.why.join(' ')).toContain('no risk-of-harm exception');
  });
});

describe('what does not fire, and why', () => {
  const reason = (f: Facts, id: string) => {
    const a = assess(f);
    expect(a.obligations.map((o) => o.id)).not.toContain(id);
    return a.notApplicable.find((n) => n.obligation === id || (n.regime === id && !n.obligation))?.reason;
  };

  it.each([
    ['Alabama AG at 1,000', facts('US-AL', count('US-AL', 1000)), 'US-AL/attorney-general', 'more than 1000 residents'],
    ['California AG at 500', facts('US-CA', count('US-CA', 500)), 'US-CA/attorney-general', 'below the threshold'],
    ['Colorado AG at 499', facts('US-CO', count('US-CO', 499)), 'US-CO/attorney-general', '500 or more residents'],
    ['DC OAG at 49', facts('US-DC', count('US-DC', 49)), 'US-DC/attorney-general', '50 or more'],
    ['Iowa AG at 500', facts('US-IA', count('US-IA', 500)), 'US-IA/attorney-general', 'below the threshold'],
    ['Oregon AG at 250', facts('US-OR', count('US-OR', 250)), 'US-OR/attorney-general', 'below the threshold'],
    ['Texas AG at 249', facts('US-TX', count('US-TX', 249)), 'US-TX/attorney-general', 'below the threshold'],
    ['Washington AG at 500', facts('US-WA', count('US-WA', 500)), 'US-WA/attorney-general', 'below the threshold'],
    ['Minnesota credit bureaus at 500', facts('US-MN', count('US-MN', 500)), 'US-MN/consumer-reporting-agencies', 'below the threshold'],
    ['Georgia credit bureaus at 10,000', facts('US-GA', count('US-GA', 10000)), 'US-GA/consumer-reporting-agencies', 'below the threshold'],
    ['Texas credit bureaus at 10,000', facts('US-TX', count('US-TX', 10000)), 'US-TX/consumer-reporting-agencies', 'below the threshold'],
    [
      'Oklahoma AG for a breach discovered before 2026',
      facts('US-OK', { awareAt: '2025-12-15T12:00:00Z', determinedAt: '2025-12-15T12:00:00Z', ...count('US-OK', 800) }),
      'US-OK/attorney-general',
      'from 2026-01-01',
    ],
    [
      'Colorado residents on a documented no-harm determination',
      facts('US-CO', { harmUnlikelyDocumented: true }),
      'US-CO/residents',
      'documented determination',
    ],
    ['Louisiana: the determination is kept 5 years', facts('US-LA', { harmUnlikelyDocumented: true }), 'US-LA/residents', 'keep it 5 years'],
    ['Florida: no determination to send without one', facts('US-FL'), 'US-FL/no-harm-determination', 'no documented no-harm determination'],
    ['Arizona residents for a HIPAA covered entity', facts('US-AZ', { sectors: ['hipaa-covered-entity'] }), 'US-AZ/residents', 'A.R.S. 18-552(N)'],
    [
      'Arizona AG for a GLBA institution',
      facts('US-AZ', { sectors: ['glba-financial-institution'], ...count('US-AZ', 5000) }),
      'US-AZ/attorney-general',
      'deemed to comply',
    ],
    ['Alabama residents for a GLBA institution', facts('US-AL', { sectors: ['glba-financial-institution'] }), 'US-AL/residents', 'Ala. Code 8-38-11'],
    ['Texas: online credentials are not in its definition', facts('US-TX', { dataCategories: ['credentials'] }), 'US-TX', 'no personal information'],
    ['Kentucky: a health record is not in its definition', facts('US-KY', { dataCategories: ['name', 'health'] }), 'US-KY', 'no personal information'],
    ['Texas: encrypted, key safe', facts('US-TX', { encrypted: true }), 'US-TX', 'encrypted'],
  ] as [string, Facts, string, string][])('%s', (_, f, id, expected) => {
    expect(reason(f, id)).toContain(expected);
  });
});
