// The fifteen countries and provinces added with the US states, and the corrections to existing packs: for each, a
// scenario that fires with its due instant, counted by hand from the law, and one that does not. Aware Tue 24 Nov
// 2026 03:00 UTC unless a row says otherwise.
import { describe, expect, it } from 'vitest';
import { inZone } from '../workflows/domain/calendar';
import { Facts } from '../workflows/domain/facts';
import { assess } from '../workflows/domain/regimes';

const AWARE = '2026-11-24T03:00:00Z';
const find = (f: Facts, id: string) => assess(f).obligations.find((o) => o.id === id);
const facts = (over: Partial<Facts>) => Facts.parse({ awareAt: AWARE, ...over });

// [what, facts, obligation, due, guidance, internal target]
const fires: [string, Partial<Facts>, string, string, boolean, boolean][] = [
  ['Thailand PDPC Office, 72 h', { jurisdictions: ['TH'] }, 'TH-PDPA/pdpc-office', '2026-11-27T10:00:00.000+07:00', false, false],
  [
    'Thailand data subjects on high risk, "without delay"',
    { jurisdictions: ['TH'], highRisk: true },
    'TH-PDPA/data-subjects',
    '2026-11-27T10:00:00.000+07:00',
    true,
    true,
  ],
  ['Philippines NPC, 72 h', { jurisdictions: ['PH'], dataCategories: ['government_id'] }, 'PH-DPA/npc', '2026-11-27T11:00:00.000+08:00', false, false],
  [
    'Philippines data subjects, 72 h',
    { jurisdictions: ['PH'], dataCategories: ['health'] },
    'PH-DPA/data-subjects',
    '2026-11-27T11:00:00.000+08:00',
    false,
    false,
  ],
  // The NPC notice is due 27 Nov 11:00 in Manila; day 0 is 27 Nov, + 5 = 2 Dec.
  [
    'Philippines full report, 5 days after the notification',
    { jurisdictions: ['PH'], dataCategories: ['passport'] },
    'PH-DPA/npc-full-report',
    '2026-12-02T23:59:59.999+08:00',
    false,
    false,
  ],
  ['Indonesia data subjects, 3 × 24 h', { jurisdictions: ['ID'] }, 'ID-PDP/data-subjects', '2026-11-27T10:00:00.000+07:00', false, false],
  ['Indonesia supervising institution, 3 × 24 h', { jurisdictions: ['ID'] }, 'ID-PDP/institution', '2026-11-27T10:00:00.000+07:00', false, false],
  ['Vietnam agency, 72 h (Law 91/2025)', { jurisdictions: ['VN'] }, 'VN-PDP/agency', '2026-11-27T10:00:00.000+07:00', false, false],
  [
    'Vietnam data subjects for banking data',
    { jurisdictions: ['VN'], dataCategories: ['bank_credentials'] },
    'VN-PDP/data-subjects',
    '2026-11-27T10:00:00.000+07:00',
    false,
    false,
  ],
  [
    'Vietnam before 2026: Decree 13/2023, 72 h',
    { awareAt: '2025-12-20T03:00:00Z', jurisdictions: ['VN'], riskUnlikely: true },
    'VN-PDP/agency',
    '2025-12-23T10:00:00.000+07:00',
    false,
    false,
  ],
  [
    'Malaysia Commissioner above 1,000 people, 72 h',
    { jurisdictions: ['MY'], affectedCount: 1001 },
    'MY-PDPA/commissioner',
    '2026-11-27T11:00:00.000+08:00',
    false,
    false,
  ],
  // The Commissioner's notice is due 27 Nov 11:00 in Kuala Lumpur; + 7 days = 4 Dec.
  [
    'Malaysia data subjects 7 days after the Commissioner',
    { jurisdictions: ['MY'], dataCategories: ['payment_card'] },
    'MY-PDPA/data-subjects',
    '2026-12-04T23:59:59.999+08:00',
    false,
    false,
  ],
  [
    'Switzerland FDPIC on high risk, "as soon as possible"',
    { jurisdictions: ['CH'], highRisk: true },
    'CH-FADP/fdpic',
    '2026-11-27T04:00:00.000+01:00',
    true,
    true,
  ],
  ['Turkey Board, 72 h', { jurisdictions: ['TR'] }, 'TR-KVKK/board', '2026-11-27T06:00:00.000+03:00', false, false],
  [
    'South Africa Information Regulator, "as soon as reasonably possible"',
    { jurisdictions: ['ZA'] },
    'ZA-POPIA/information-regulator',
    '2026-11-27T05:00:00.000+02:00',
    true,
    true,
  ],
  ['Saudi Arabia SDAIA, 72 h', { jurisdictions: ['SA'] }, 'SA-PDPL/sdaia', '2026-11-27T06:00:00.000+03:00', false, false],
  [
    'Québec Commission on a risk of serious injury, "promptly"',
    { jurisdictions: ['CA-QC'], highRisk: true },
    'CA-QC/commission',
    '2026-11-26T22:00:00.000-05:00',
    true,
    true,
  ],
  [
    'Alberta Commissioner on a real risk of significant harm',
    { jurisdictions: ['CA-AB'], highRisk: true },
    'CA-AB/commissioner',
    '2026-11-26T20:00:00.000-07:00',
    true,
    true,
  ],
  // Chile is on summer time (UTC−3) in December.
  ['Chile Agency from 2026-12-01', { awareAt: '2026-12-02T03:00:00Z', jurisdictions: ['CL'] }, 'CL-PDP/agency', '2026-12-05T00:00:00.000-03:00', true, true],
  [
    'Chile data subjects for financial data',
    { awareAt: '2026-12-02T03:00:00Z', jurisdictions: ['CL'], dataCategories: ['payment_card'] },
    'CL-PDP/data-subjects',
    '2026-12-05T00:00:00.000-03:00',
    true,
    true,
  ],
  // New Zealand is on daylight time (UTC+13) in November; 72 h is the Commissioner's guidance, not an internal target.
  [
    'New Zealand Commissioner, 72 h per the guidance',
    { jurisdictions: ['NZ'], highRisk: true },
    'NZ-PRIVACY/commissioner',
    '2026-11-27T16:00:00.000+13:00',
    true,
    false,
  ],
  ['Nigeria Commission, 72 h', { jurisdictions: ['NG'] }, 'NG-NDPA/commission', '2026-11-27T04:00:00.000+01:00', false, false],
  [
    'Nigeria data subjects on high risk, "immediately"',
    { jurisdictions: ['NG'], highRisk: true },
    'NG-NDPA/data-subjects',
    '2026-11-25T04:00:00.000+01:00',
    true,
    true,
  ],
  ['Kenya Data Commissioner, 72 h', { jurisdictions: ['KE'] }, 'KE-DPA/data-commissioner', '2026-11-27T06:00:00.000+03:00', false, false],
  ['Kenya processor to controller, 48 h', { jurisdictions: ['KE'], processor: true }, 'KE-DPA/controller', '2026-11-26T06:00:00.000+03:00', false, false],
  // Corrections to existing packs.
  [
    'Korea web posting where people cannot be reached',
    { jurisdictions: ['KR'], unreachableCount: 3 },
    'KR-PIPA/web-posting',
    '2026-11-27T12:00:00.000+09:00',
    false,
    false,
  ],
  // Day 0 Tue 24 Nov in São Paulo: 25, 26, 27, 30 Nov, 1, 2 Dec.
  [
    'Brazil ANPD, 6 business days for a small processing agent',
    { jurisdictions: ['BR'], dataCategories: ['health'], sectors: ['small-processing-agent'] },
    'BR-LGPD/anpd',
    '2026-12-02T23:59:59.999-03:00',
    false,
    false,
  ],
  [
    'China CAC within 4 h at 1 million people',
    { jurisdictions: ['CN'], affectedCount: 1_000_000 },
    'CN-PIPL/cac-report',
    '2026-11-24T15:00:00.000+08:00',
    false,
    false,
  ],
  [
    'China critical information infrastructure within 1 h',
    { jurisdictions: ['CN'], sectors: ['critical-information-infrastructure'] },
    'CN-PIPL/cii-report',
    '2026-11-24T12:00:00.000+08:00',
    false,
    false,
  ],
  [
    'NIS2 for a trust service provider: incident notification in 24 h',
    { sectors: ['trust-service-provider'] },
    'EU-NIS2/incident-notification',
    '2026-11-25T04:00:00.000+01:00',
    false,
    false,
  ],
];

describe('fifteen more countries and provinces, and the corrected packs: what fires', () => {
  it.each(fires)('%s', (_, over, id, expected, guidance, internalTarget) => {
    const o = find(facts(over), id);
    expect(o, `${id} applies`).toBeDefined();
    expect(inZone(o!.dueAt, o!.zone)).toBe(expected);
    expect(o!.guidance).toBe(guidance);
    expect(o!.internalTarget).toBe(internalTarget);
    if (guidance) expect(o!.counting).toMatch(/no hours in the law/);
    expect(o!.why.length).toBeGreaterThan(0);
  });
});

describe('what does not fire, and why', () => {
  const reason = (over: Partial<Facts>, id: string) => {
    const a = assess(facts(over));
    expect(a.obligations.map((o) => o.id)).not.toContain(id);
    return a.notApplicable.find((n) => n.obligation === id || (n.regime === id && !n.obligation))?.reason;
  };

  it.each([
    [
      'Thailand PDPC when assessed unlikely to risk rights',
      { jurisdictions: ['TH'], riskUnlikely: true },
      'TH-PDPA/pdpc-office',
      'unlikely to result in a risk',
    ],
    ['Philippines for names and e-mails', { jurisdictions: ['PH'], dataCategories: ['name', 'email'] }, 'PH-DPA', 'no sensitive personal information'],
    ['Indonesia without people there', { jurisdictions: ['TH'] }, 'ID-PDP', 'no ID in jurisdictions'],
    ['Vietnam data subjects without banking data', { jurisdictions: ['VN'] }, 'VN-PDP/data-subjects', 'only for sensitive financial'],
    ['Vietnam agency when no harm is possible (2026 law)', { jurisdictions: ['VN'], riskUnlikely: true }, 'VN-PDP/agency', 'riskUnlikely: true'],
    ['Malaysia at 1,000 people with names only', { jurisdictions: ['MY'], affectedCount: 1000, dataCategories: ['name'] }, 'MY-PDPA', 'no significant harm'],
    [
      'Malaysia data subjects for the count alone',
      { jurisdictions: ['MY'], affectedCount: 1001, dataCategories: ['name'] },
      'MY-PDPA/data-subjects',
      'scale only',
    ],
    ['Switzerland without a high risk', { jurisdictions: ['CH'] }, 'CH-FADP', 'not established: a likely high risk'],
    ['Turkey without people there', { jurisdictions: ['GR'] }, 'TR-KVKK', 'no TR in jurisdictions'],
    ['South Africa without people there', { jurisdictions: ['NA'] }, 'ZA-POPIA', 'no ZA in jurisdictions'],
    ['Saudi Arabia when it cannot harm', { jurisdictions: ['SA'], riskUnlikely: true }, 'SA-PDPL', 'cannot harm'],
    ['Québec without a risk of serious injury', { jurisdictions: ['CA-QC'] }, 'CA-QC', 'risk of serious injury'],
    ['Alberta without a real risk of significant harm', { jurisdictions: ['CA-AB'] }, 'CA-AB', 'real risk of significant harm'],
    ['Chile before Law 21.719 is in force', { jurisdictions: ['CL'] }, 'CL-PDP', 'in force on 2026-12-01'],
    ['New Zealand without serious harm', { jurisdictions: ['NZ'] }, 'NZ-PRIVACY', 'serious harm'],
    ['Nigeria Commission when no risk', { jurisdictions: ['NG'], riskUnlikely: true }, 'NG-NDPA/commission', 'unlikely'],
    ['Kenya without a real risk of harm', { jurisdictions: ['KE'], riskUnlikely: true }, 'KE-DPA', 'no real risk of harm'],
    ['China CAC below 1 million', { jurisdictions: ['CN'], affectedCount: 999_999 }, 'CN-PIPL/cac-report', 'not rated relatively major'],
    [
      'China 1-hour report below a relatively major incident',
      { jurisdictions: ['CN'], affectedCount: 500, sectors: ['critical-information-infrastructure'] },
      'CN-PIPL/cii-report',
      'not rated relatively major',
    ],
    [
      'Singapore individuals when the data is encrypted',
      { jurisdictions: ['SG'], affectedCount: 500, dataCategories: ['payment_card'], encrypted: true },
      'SG-PDPA/individuals',
      's26D(5)(b)',
    ],
    [
      'Singapore, 499 people, encrypted card numbers',
      { jurisdictions: ['SG'], affectedCount: 499, dataCategories: ['payment_card'], encrypted: true },
      'SG-PDPA',
      'encrypted form',
    ],
    ['Korea web posting when everyone can be reached', { jurisdictions: ['KR'] }, 'KR-PIPA/web-posting', 'every affected person'],
  ] as [string, Partial<Facts>, string, string][])('%s', (_, over, id, expected) => {
    expect(reason(over, id)).toContain(expected);
  });
});
