// Obligations from facts, regime by regime: pure rules, no server. Every expected instant below was counted by
// hand from the law each rule cites and a calendar, not by the code.
import { describe, expect, it } from 'vitest';
import { inZone } from '../workflows/domain/calendar';
import { Facts } from '../workflows/domain/facts';
import { assess } from '../workflows/domain/regimes';

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
    expect(final.counting).toContain('start day 2026-11-30 (Asia/Tokyo) is day 1; 30 calendar days: 2026-12-29');
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
    expect(assess(facts({ ...base, ...(over as Partial<Facts>) })).notApplicable.some((n) => n.regime === 'JP-APPI' && !n.obligation)).toBe(!reportable);
  });

  it('says why it applies, citing each trigger met', () => {
    const [first] = assess(facts({ ...base, affectedCount: 1200, unfairPurpose: true })).obligations;
    expect(first!.why).toEqual([
      'APPI Rules Art. 7(3): may have been caused with an unfair purpose (unfairPurpose: true)',
      'APPI Rules Art. 7(4): more than 1,000 people affected (affectedCount: 1200)',
    ]);
  });

  it('says why it does not apply instead of staying silent', () => {
    expect(assess(facts({ ...base, affectedCount: 1000 })).notApplicable).toContainEqual({
      regime: 'JP-APPI',
      reason: 'none of the four triggers of APPI Rules Art. 7 is met by the facts known',
    });
    expect(assess(Facts.parse({ ...base, jurisdictions: ['DE'], affectedCount: 5000 })).notApplicable[0]).toEqual({
      regime: 'JP-APPI',
      reason: 'no JP in jurisdictions',
    });
  });
});

/** The facts every row starts from: aware on Tue 24 Nov 2026, 03:00 UTC (12:00 in Tokyo, 22:00 the day before in New York). */
const AWARE = '2026-11-24T03:00:00Z';
const DETERMINED = '2026-11-24T17:00:00Z';
type Row = [string, Partial<Facts>, string, string, boolean];

const rows: Record<string, Row[]> = {
  'Japan, sector regulators': [
    [
      'FSA: a bank, even outside the APPI triggers; internal target 24 h',
      { jurisdictions: ['JP'], sectors: ['finance'], affectedCount: 10 },
      'JP-FSA/supervisor-report',
      '2026-11-25T12:00:00.000+09:00',
      true,
    ],
    [
      'MHLW: a hospital under suspected cyberattack',
      { jurisdictions: ['JP'], sectors: ['healthcare'], unfairPurpose: true },
      'JP-MHLW/mhlw-report',
      '2026-11-25T12:00:00.000+09:00',
      true,
    ],
    [
      'APPI substitute notice where people cannot be reached',
      { jurisdictions: ['JP'], affectedCount: 2000, unreachableCount: 5 },
      'JP-APPI/substitute-notice',
      '2026-12-23T23:59:59.999+09:00',
      true,
    ],
  ],
  'EU and UK GDPR (Art. 33, 34)': [
    ['supervisory authority, 72 h, shown in Brussels', { jurisdictions: ['DE'] }, 'EU-GDPR/supervisory-authority', '2026-11-27T04:00:00.000+01:00', false],
    [
      '72 hours are hours, across the switch to summer time',
      { awareAt: '2026-03-27T12:00:00Z', jurisdictions: ['FR'] },
      'EU-GDPR/supervisory-authority',
      '2026-03-30T14:00:00.000+02:00',
      false,
    ],
    ['an EEA state outside the EU', { jurisdictions: ['NO'] }, 'EU-GDPR/supervisory-authority', '2026-11-27T04:00:00.000+01:00', false],
    ['data subjects on high risk: internal target', { jurisdictions: ['IT'], highRisk: true }, 'EU-GDPR/data-subjects', '2026-11-27T04:00:00.000+01:00', true],
    ['processor to controller: internal target 24 h', { jurisdictions: ['ES'], processor: true }, 'EU-GDPR/controller', '2026-11-25T04:00:00.000+01:00', true],
    ['ICO, 72 h, shown in London', { jurisdictions: ['GB'] }, 'UK-GDPR/supervisory-authority', '2026-11-27T03:00:00.000+00:00', false],
  ],
  'NIS2 (Art. 23(4))': [
    ['early warning, 24 h', { sectors: ['nis2-entity'] }, 'EU-NIS2/early-warning', '2026-11-25T04:00:00.000+01:00', false],
    ['incident notification, 72 h', { sectors: ['nis2-entity'] }, 'EU-NIS2/incident-notification', '2026-11-27T04:00:00.000+01:00', false],
    [
      'incident notification, 24 h for a trust service provider',
      { sectors: ['nis2-entity', 'trust-service-provider'] },
      'EU-NIS2/incident-notification',
      '2026-11-25T04:00:00.000+01:00',
      false,
    ],
    ['final report, one month after the notification', { sectors: ['nis2-entity'] }, 'EU-NIS2/final-report', '2026-12-27T23:59:59.999+01:00', false],
    [
      'one month from 31 Jan is 28 Feb',
      { awareAt: '2027-01-28T10:00:00Z', sectors: ['nis2-entity'] },
      'EU-NIS2/final-report',
      '2027-02-28T23:59:59.999+01:00',
      false,
    ],
  ],
  'DORA (Art. 19)': [
    [
      'initial notification, 4 h after classification',
      { sectors: ['dora-entity'], classifiedMajorAt: '2026-11-24T10:00:00Z' },
      'EU-DORA/initial-notification',
      '2026-11-24T15:00:00.000+01:00',
      false,
    ],
    [
      'initial notification capped at 24 h after awareness',
      { sectors: ['dora-entity'], classifiedMajorAt: '2026-11-25T01:00:00Z' },
      'EU-DORA/initial-notification',
      '2026-11-25T04:00:00.000+01:00',
      false,
    ],
    [
      'intermediate report, 72 h after the initial notification',
      { sectors: ['dora-entity'], classifiedMajorAt: '2026-11-24T10:00:00Z' },
      'EU-DORA/intermediate-report',
      '2026-11-27T15:00:00.000+01:00',
      false,
    ],
    [
      'final report, one month after the intermediate report',
      { sectors: ['dora-entity'], classifiedMajorAt: '2026-11-24T10:00:00Z' },
      'EU-DORA/final-report',
      '2026-12-27T23:59:59.999+01:00',
      false,
    ],
  ],
  'HIPAA (45 CFR 164.404–410)': [
    [
      'individuals, 60 days after discovery (New York day 0: 23 Nov)',
      { sectors: ['hipaa-covered-entity'], dataCategories: ['health'], affectedCount: 800 },
      'US-HIPAA/individuals',
      '2027-01-22T23:59:59.999-05:00',
      false,
    ],
    [
      'HHS with the individuals at 500 or more',
      { sectors: ['hipaa-covered-entity'], dataCategories: ['health'], affectedCount: 500 },
      'US-HIPAA/hhs',
      '2027-01-22T23:59:59.999-05:00',
      false,
    ],
    [
      'HHS within 60 days of the year end under 500',
      { sectors: ['hipaa-covered-entity'], dataCategories: ['health'], affectedCount: 120 },
      'US-HIPAA/hhs-annual',
      '2027-03-01T23:59:59.999-05:00',
      false,
    ],
    [
      'media, more than 500 residents of a state',
      {
        sectors: ['hipaa-covered-entity'],
        dataCategories: ['health'],
        jurisdictions: ['US-TX', 'US-CA'],
        affectedByJurisdiction: { 'US-TX': 600, 'US-CA': 100 },
      },
      'US-HIPAA/media',
      '2027-01-22T23:59:59.999-05:00',
      false,
    ],
    [
      'business associate to covered entity',
      { sectors: ['hipaa-business-associate'], dataCategories: ['health'] },
      'US-HIPAA/covered-entity',
      '2027-01-22T23:59:59.999-05:00',
      false,
    ],
  ],
  'SEC Form 8-K Item 1.05, NYDFS 500.17': [
    [
      'four business days, over Thanksgiving and a weekend',
      { sectors: ['sec-registrant'], materialityDeterminedAt: '2026-11-25T15:00:00Z' },
      'US-SEC/form-8-k',
      '2026-12-02T23:59:59.999-05:00',
      false,
    ],
    [
      'four business days, over the observed Independence Day',
      { sectors: ['sec-registrant'], materialityDeterminedAt: '2026-07-01T14:00:00Z' },
      'US-SEC/form-8-k',
      '2026-07-08T23:59:59.999-04:00',
      false,
    ],
    [
      'NYDFS, 72 h after the determination',
      { sectors: ['nydfs-covered'], determinedAt: DETERMINED },
      'US-NYDFS/superintendent',
      '2026-11-27T12:00:00.000-05:00',
      false,
    ],
    [
      'NYDFS, counted from awareness while no determination is known',
      { sectors: ['nydfs-covered'] },
      'US-NYDFS/superintendent',
      '2026-11-26T22:00:00.000-05:00',
      false,
    ],
  ],
  'US states': [
    [
      'Colorado residents, 30 days after determination',
      { jurisdictions: ['US-CO'], dataCategories: ['government_id'], determinedAt: DETERMINED },
      'US-CO/residents',
      '2026-12-24T23:59:59.999-07:00',
      false,
    ],
    [
      'Colorado AG at 500 residents',
      { jurisdictions: ['US-CO'], dataCategories: ['government_id'], determinedAt: DETERMINED, affectedByJurisdiction: { 'US-CO': 500 } },
      'US-CO/attorney-general',
      '2026-12-24T23:59:59.999-07:00',
      false,
    ],
    [
      'Florida residents, 30 days',
      { jurisdictions: ['US-FL'], dataCategories: ['payment_card'], determinedAt: DETERMINED },
      'US-FL/residents',
      '2026-12-24T23:59:59.999-05:00',
      false,
    ],
    [
      'Washington residents, 30 days after discovery',
      { jurisdictions: ['US-WA'], dataCategories: ['credentials'] },
      'US-WA/residents',
      '2026-12-23T23:59:59.999-08:00',
      false,
    ],
    [
      'Washington AG above 500',
      { jurisdictions: ['US-WA'], dataCategories: ['credentials'], affectedByJurisdiction: { 'US-WA': 501 } },
      'US-WA/attorney-general',
      '2026-12-23T23:59:59.999-08:00',
      false,
    ],
    [
      'Texas individuals, 60 days',
      { jurisdictions: ['US-TX'], dataCategories: ['health'], determinedAt: DETERMINED },
      'US-TX/residents',
      '2027-01-23T23:59:59.999-06:00',
      false,
    ],
    [
      'Texas AG at 250 residents, 30 days',
      { jurisdictions: ['US-TX'], dataCategories: ['health'], determinedAt: DETERMINED, affectedByJurisdiction: { 'US-TX': 250 } },
      'US-TX/attorney-general',
      '2026-12-24T23:59:59.999-06:00',
      false,
    ],
    [
      'California residents, 30 days after discovery (SB 446)',
      { jurisdictions: ['US-CA'], dataCategories: ['bank_credentials'], determinedAt: DETERMINED },
      'US-CA/residents',
      '2026-12-23T23:59:59.999-08:00',
      false,
    ],
  ],
  'Asia-Pacific and the Americas': [
    ['Korea data subjects, 72 h', { jurisdictions: ['KR'] }, 'KR-PIPA/data-subjects', '2026-11-27T12:00:00.000+09:00', false],
    ['Korea PIPC at 1,000 subjects', { jurisdictions: ['KR'], affectedCount: 1000 }, 'KR-PIPA/pipc', '2026-11-27T12:00:00.000+09:00', false],
    [
      'Singapore PDPC, 3 days after the assessment',
      { jurisdictions: ['SG'], affectedCount: 500, determinedAt: DETERMINED },
      'SG-PDPA/pdpc',
      '2026-11-28T23:59:59.999+08:00',
      false,
    ],
    [
      'Australia OAIC: internal target after the assessment',
      { jurisdictions: ['AU'], highRisk: true, determinedAt: DETERMINED },
      'AU-NDB/oaic',
      '2026-11-28T04:00:00.000+11:00',
      true,
    ],
    ['Brazil ANPD, 3 business days', { jurisdictions: ['BR'], dataCategories: ['payment_card'] }, 'BR-LGPD/anpd', '2026-11-27T23:59:59.999-03:00', false],
    [
      'Brazil ANPD, over Consciência Negra and a weekend',
      { awareAt: '2026-11-18T15:00:00Z', jurisdictions: ['BR'], dataCategories: ['health'] },
      'BR-LGPD/anpd',
      '2026-11-24T23:59:59.999-03:00',
      false,
    ],
    [
      'Brazil complement, 20 business days after the communication, over Christmas',
      { jurisdictions: ['BR'], dataCategories: ['payment_card'] },
      'BR-LGPD/anpd-complement',
      '2026-12-28T23:59:59.999-03:00',
      false,
    ],
    [
      'India detailed report to the Board, 72 h (breach rules in force from 2027-05-13)',
      { awareAt: '2027-06-01T03:00:00Z', jurisdictions: ['IN'] },
      'IN-DPDP/board-report',
      '2027-06-04T08:30:00.000+05:30',
      false,
    ],
    [
      'India intimation to the Board: internal target',
      { awareAt: '2027-06-01T03:00:00Z', jurisdictions: ['IN'] },
      'IN-DPDP/board-intimation',
      '2027-06-02T08:30:00.000+05:30',
      true,
    ],
    ['China authority, "immediately": internal target', { jurisdictions: ['CN'] }, 'CN-PIPL/authority', '2026-11-25T11:00:00.000+08:00', true],
    [
      'Canada Commissioner on a real risk of significant harm',
      { jurisdictions: ['CA'], highRisk: true, determinedAt: DETERMINED },
      'CA-PIPEDA/commissioner',
      '2026-11-27T12:00:00.000-05:00',
      true,
    ],
  ],
};

for (const [regimes, table] of Object.entries(rows)) {
  describe(regimes, () => {
    it.each(table)('%s', (_, over, id, expected, guidance) => {
      const got = assess(Facts.parse({ awareAt: AWARE, ...over })).obligations.find((o) => o.id === id);
      expect(got, `${id} should apply`).toBeDefined();
      expect(inZone(got!.dueAt, got!.zone)).toBe(expected);
      expect(got!.guidance).toBe(guidance);
      expect(got!.citation).not.toBe('');
      expect(got!.why.length).toBeGreaterThan(0);
    });
  });
}

describe('what does not apply, and why', () => {
  const reasons = (over: Partial<Facts>) => assess(Facts.parse({ awareAt: AWARE, ...over })).notApplicable;
  const ids = (over: Partial<Facts>) => assess(Facts.parse({ awareAt: AWARE, ...over })).obligations.map((o) => o.id);

  it.each([
    [
      'GDPR notice when assessed unlikely to result in a risk',
      { jurisdictions: ['DE'], riskUnlikely: true },
      'EU-GDPR/supervisory-authority',
      'unlikely to result in a risk',
    ],
    ['GDPR Art. 34 without high risk', { jurisdictions: ['DE'] }, 'EU-GDPR/data-subjects', 'no high risk'],
    ['GDPR Art. 34 for encrypted data', { jurisdictions: ['DE'], highRisk: true, encrypted: true }, 'EU-GDPR/data-subjects', 'Art. 34(3)(a)'],
    ['a processor does not notify the authority itself', { jurisdictions: ['DE'], processor: true }, 'EU-GDPR/supervisory-authority', 'Art. 33(2)'],
    ['DORA before classification as major', { sectors: ['dora-entity'] }, 'EU-DORA/initial-notification', 'not classified as major'],
    ['DORA reports that follow an initial notification not yet due', { sectors: ['dora-entity'] }, 'EU-DORA/final-report', 'does not apply'],
    ['Form 8-K before the materiality determination', { sectors: ['sec-registrant'] }, 'US-SEC/form-8-k', 'no materiality determination yet'],
    [
      'HIPAA media at 500 residents of each state',
      { sectors: ['hipaa-covered-entity'], dataCategories: ['health'], jurisdictions: ['US-TX'], affectedByJurisdiction: { 'US-TX': 500 } },
      'US-HIPAA/media',
      'no state with more than 500',
    ],
    [
      'Colorado AG at 499 residents',
      { jurisdictions: ['US-CO'], dataCategories: ['government_id'], affectedByJurisdiction: { 'US-CO': 499 } },
      'US-CO/attorney-general',
      'below the threshold',
    ],
    [
      'Washington AG at exactly 500',
      { jurisdictions: ['US-WA'], dataCategories: ['credentials'], affectedByJurisdiction: { 'US-WA': 500 } },
      'US-WA/attorney-general',
      'below the threshold',
    ],
    [
      'Texas AG at 249',
      { jurisdictions: ['US-TX'], dataCategories: ['health'], affectedByJurisdiction: { 'US-TX': 249 } },
      'US-TX/attorney-general',
      'below the threshold',
    ],
    ['Korea PIPC at 999 subjects with names only', { jurisdictions: ['KR'], affectedCount: 999, dataCategories: ['name'] }, 'KR-PIPA/pipc', 'fewer than 1,000'],
    [
      'Singapore individuals when notifiable for scale alone',
      { jurisdictions: ['SG'], affectedCount: 800, dataCategories: ['email'] },
      'SG-PDPA/individuals',
      'scale only',
    ],
  ] as [string, Partial<Facts>, string, string][])('%s', (_, over, id, reason) => {
    expect(ids(over)).not.toContain(id);
    expect(reasons(over).find((n) => n.obligation === id)?.reason).toContain(reason);
  });

  it.each([
    ['US state law for names and e-mails only', { jurisdictions: ['US-CA'], dataCategories: ['name', 'email'] }, 'US-CA', 'no personal information'],
    ['US state law for encrypted data', { jurisdictions: ['US-TX'], dataCategories: ['government_id'], encrypted: true }, 'US-TX', 'encrypted'],
    ['HIPAA for secured PHI', { sectors: ['hipaa-covered-entity'], dataCategories: ['health'], encrypted: true }, 'US-HIPAA', 'secured PHI'],
    ['NIS2 when the incident is not significant', { sectors: ['nis2-entity'], significantIncident: false }, 'EU-NIS2', 'not a significant incident'],
    ['Singapore below 500 without prescribed data', { jurisdictions: ['SG'], affectedCount: 499, dataCategories: ['email'] }, 'SG-PDPA', 'not notifiable'],
    ['Australia before the assessment', { jurisdictions: ['AU'] }, 'AU-NDB', 'assessed within 30 days'],
    ['Canada without a real risk of significant harm', { jurisdictions: ['CA'] }, 'CA-PIPEDA', 'no real risk of significant harm'],
    ['Brazil without relevant risk', { jurisdictions: ['BR'], dataCategories: ['email'] }, 'BR-LGPD', 'no relevant risk'],
    ['India before its breach rules are in force', { jurisdictions: ['IN'] }, 'IN-DPDP', 'apply from 2027-05-13'],
  ] as [string, Partial<Facts>, string, string][])('%s', (_, over, regime, reason) => {
    expect(ids(over).filter((id) => id.startsWith(`${regime}/`))).toEqual([]);
    expect(reasons(over).find((n) => n.regime === regime && !n.obligation)?.reason).toContain(reason);
  });

  it('says which jurisdictions it has no rule pack for instead of omitting them', () => {
    const assessment = assess(Facts.parse({ awareAt: AWARE, jurisdictions: ['JP', 'US-AS', 'MX'], affectedCount: 5000 }));
    expect(assessment.unevaluated.map((u) => u.jurisdiction)).toEqual(['US-AS', 'MX']);
    expect(assessment.unevaluated[0]!.reason).toContain('no rule pack for US-AS');
    expect(assessment.obligations.map((o) => o.regime)).toContain('JP-APPI');
  });

  it('assumes a head-count threshold is met until a count is known, and says so', () => {
    const media = assess(
      Facts.parse({ awareAt: AWARE, sectors: ['hipaa-covered-entity'], dataCategories: ['health'], jurisdictions: ['US-NY'] }),
    ).obligations.find((o) => o.id === 'US-HIPAA/media');
    expect(media?.why.join(' ')).toContain('assumed met until a head count is known');
  });
});

describe('counting, explained', () => {
  it('names the closed days a business-day clock passed over', () => {
    const filing = assess(Facts.parse({ awareAt: AWARE, sectors: ['sec-registrant'], materialityDeterminedAt: '2026-11-25T15:00:00Z' })).obligations[0]!;
    expect(filing.counting).toContain('passed over 2026-11-26 public holiday (Thanksgiving Day), 2026-11-28 Saturday, 2026-11-29 Sunday');
  });

  it("applies a deployment's own internal target and says whose it is", () => {
    const facts = Facts.parse({ awareAt: AWARE, jurisdictions: ['JP'], sectors: ['finance'] });
    const report = assess(facts, { internalTargets: { 'JP-FSA/supervisor-report': { amount: 4, unit: 'hours' } } }).obligations.find(
      (o) => o.regime === 'JP-FSA',
    )!;
    expect(inZone(report.dueAt, report.zone)).toBe('2026-11-24T16:00:00.000+09:00');
    expect(report.counting).toMatch(/^internal target \(this deployment's\), no statutory time: 4 hours from awareness/);
    expect(report.internalTarget).toBe(true);
  });

  it('counts a chained clock from the submission once it is recorded', () => {
    const facts = Facts.parse({ awareAt: AWARE, jurisdictions: ['BR'], dataCategories: ['health'] });
    const submittedAt = Date.parse('2026-11-25T13:00:00Z'); // Wed 25 Nov, 10:00 in São Paulo
    const complement = assess(facts, { submittedAt: { 'BR-LGPD/anpd': submittedAt } }).obligations.find((o) => o.id === 'BR-LGPD/anpd-complement')!;
    expect(complement.counting).toContain('BR-LGPD/anpd submitted 2026-11-25T10:00:00.000-03:00');
    expect(inZone(complement.dueAt, complement.zone)).toBe('2026-12-23T23:59:59.999-03:00'); // 20 open days from Thu 26 Nov
  });
});
