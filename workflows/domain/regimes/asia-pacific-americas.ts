// South Korea, Singapore, Australia, Brazil, India, China and Canada. Where the law sets only "as soon as
// practicable" or "without delay", the obligation carries Breachline's internal target and says so.
import type { Facts } from '../facts';
import { applies, defineRulePack, notApplicable } from '../obligations';
import { categoriesIn, country, hasSector, headCountIn, inCountry, meets } from './facts-helpers';
import { buildOnce } from '../../built-once';

const once = buildOnce('domain/regimes/asia-pacific-americas');

const coversCountry = (code: string) => (jurisdiction: string) => country(jurisdiction) === code;
const inJurisdictions = (code: string) => `no ${code} in jurisdictions`;

/** The PIPA amendment promulgated 2026-03-10, in force 2026-09-11: possible leaks, forgery, alteration and damage. */
const PIPA_2026 = '2026-09-11';
/** PIPA Art. 34 and Enforcement Decree Art. 39–40: 72 hours from awareness. */
export const pipa = once.data(() =>
  defineRulePack({
    regime: 'KR-PIPA',
    name: 'Personal Information Protection Act (Korea)',
    zone: 'Asia/Seoul',
    covers: coversCountry('KR'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'KR')) return notApplicable(inJurisdictions('KR'));
      return facts.awareAt.slice(0, 10) >= PIPA_2026
        ? applies(
            'PIPA Art. 34(1) as amended (in force 2026-09-11): personal information of people in Korea leaked, possibly leaked, forged, altered or damaged (jurisdictions: KR)',
          )
        : applies('PIPA Art. 34(1): personal information of people in Korea leaked (jurisdictions: KR)');
    },
    rules: [
      {
        id: 'data-subjects',
        title: 'Notify the data subjects',
        recipient: 'individuals',
        kind: 'single',
        citation: 'PIPA Art. 34(1); Enforcement Decree Art. 39(1)',
        guidance: false,
        start: 'awareness',
        duration: { amount: 72, unit: 'hours' },
      },
      {
        id: 'pipc',
        condition: '1,000 or more subjects, sensitive or unique identifiers, or hacking',
        title: 'Report to the PIPC (or KISA)',
        recipient: 'regulator',
        kind: 'single',
        citation: 'PIPA Art. 34(3); Enforcement Decree Art. 40(1)',
        guidance: false,
        start: 'awareness',
        duration: { amount: 72, unit: 'hours' },
        appliesWhen: (facts) => {
          const why: string[] = [];
          const scale = meets(headCountIn(facts, 'KR'), (n) => n >= 1000, '1,000 or more data subjects');
          if (scale.met) why.push(`Enforcement Decree Art. 40(1)(1): ${scale.why}`);
          const special = categoriesIn(facts, 'sensitive', 'health', 'government_id');
          if (special.length) why.push(`Enforcement Decree Art. 40(1)(2): sensitive or unique identifying information (dataCategories: ${special.join(', ')})`);
          if (facts.unfairPurpose) why.push('Enforcement Decree Art. 40(1)(3): leaked through unauthorised access such as hacking (unfairPurpose: true)');
          return why.length ? applies(...why) : notApplicable(`fewer than 1,000 subjects, no sensitive or unique identifiers, no hacking (${scale.why})`);
        },
      },
      {
        id: 'web-posting',
        condition: 'people cannot be reached',
        title: 'Post the notice on the website for 30 days where people cannot be reached',
        recipient: 'public',
        kind: 'single',
        citation: 'PIPA Art. 34(1); Enforcement Decree Art. 39',
        guidance: false,
        start: 'awareness',
        duration: { amount: 72, unit: 'hours' },
        appliesWhen: (facts) =>
          facts.unreachableCount
            ? applies(`Enforcement Decree Art. 39: ${facts.unreachableCount} people cannot be reached (unreachableCount); the posting stays up 30 days`)
            : notApplicable('every affected person can be notified (unreachableCount is 0 or unknown)'),
      },
    ],
  }),
);

/** PDP (Notification of Data Breaches) Regulations 2021 reg. 3 and Schedule: the prescribed classes of data. */
const sgHarmful = (facts: Facts) =>
  categoriesIn(
    facts,
    'government_id',
    'passport',
    'tax_id',
    'payment_card',
    'bank_credentials',
    'health',
    'sensitive',
    'credentials',
    'biometric',
    'genetic',
    'health_insurance',
  );

/** PDPA Part 6A: a notifiable breach (significant harm or significant scale), 3 calendar days after the assessment. */
export const pdpa = once.data(() =>
  defineRulePack({
    regime: 'SG-PDPA',
    name: 'Personal Data Protection Act 2012 (Singapore)',
    zone: 'Asia/Singapore',
    covers: coversCountry('SG'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'SG')) return notApplicable(inJurisdictions('SG'));
      const why: string[] = [];
      // Encryption to a reasonable standard makes significant harm unlikely (s26D(5)(b)); it does not change the scale.
      const harmful = facts.encrypted ? [] : sgHarmful(facts);
      if (harmful.length) why.push(`PDPA s26B(1)(a), (2): likely significant harm, prescribed data involved (dataCategories: ${harmful.join(', ')})`);
      const scale = meets(headCountIn(facts, 'SG'), (n) => n >= 500, '500 or more individuals');
      if (scale.met) why.push(`PDPA s26B(1)(b), (3) and reg. 4: significant scale, ${scale.why}`);
      if (why.length === 0) {
        const data = facts.encrypted ? 'prescribed data only in encrypted form (encrypted: true)' : 'no prescribed data';
        return notApplicable(`not notifiable: ${data} and ${scale.why}`);
      }
      return applies(...why, 'PDPA s26C(3): the assessment itself is due within 30 days of the first suspicion');
    },
    rules: [
      {
        id: 'pdpc',
        title: 'Notify the PDPC',
        recipient: 'regulator',
        kind: 'single',
        citation: 'PDPA s26D(1)',
        guidance: false,
        start: 'determination',
        duration: { amount: 3, unit: 'calendar-days' },
        counting: { startDayCounts: false, rollForward: false },
      },
      {
        id: 'individuals',
        condition: 'significant harm likely',
        title: 'Notify the affected individuals',
        recipient: 'individuals',
        kind: 'single',
        citation: 'PDPA s26D(2)',
        // "On or after notifying the Commission", as soon as practicable: internal target, with the PDPC notice.
        guidance: true,
        internalTarget: true,
        start: 'determination',
        duration: { amount: 3, unit: 'calendar-days' },
        counting: { startDayCounts: false, rollForward: false },
        appliesWhen: (facts) => {
          if (facts.encrypted)
            return notApplicable('technological measures make significant harm to the individuals unlikely (PDPA s26D(5)(b); encrypted: true)');
          const harmful = sgHarmful(facts);
          return harmful.length
            ? applies(`PDPA s26D(2): likely significant harm to the individuals (dataCategories: ${harmful.join(', ')})`)
            : notApplicable('notifiable for its scale only: individuals are not told (PDPA s26D(2))');
        },
      },
    ],
  }),
);

/** Privacy Act 1988 Part IIIC (Notifiable Data Breaches): an eligible data breach, as soon as practicable. */
export const ndb = once.data(() =>
  defineRulePack({
    regime: 'AU-NDB',
    name: 'Privacy Act 1988, Notifiable Data Breaches scheme',
    zone: 'Australia/Sydney',
    covers: coversCountry('AU'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'AU')) return notApplicable(inJurisdictions('AU'));
      if (facts.encrypted)
        return notApplicable('remedial action: the data is encrypted and the key is safe, so serious harm is not likely (s26WF; encrypted: true)');
      if (!facts.highRisk) {
        return notApplicable(
          'not yet assessed as an eligible data breach: a suspected one must be assessed within 30 days (s26WH(2)); set highRisk: true when serious harm is likely',
        );
      }
      return applies('Privacy Act s26WE: an eligible data breach, likely to result in serious harm (highRisk: true)');
    },
    rules: [
      {
        id: 'oaic',
        title: 'Statement to the OAIC',
        recipient: 'regulator',
        kind: 'single',
        citation: 'Privacy Act 1988 s26WK',
        guidance: true,
        internalTarget: true,
        start: 'determination',
        duration: { amount: 72, unit: 'hours' },
      },
      {
        id: 'individuals',
        title: 'Notify the individuals at risk',
        recipient: 'individuals',
        kind: 'single',
        citation: 'Privacy Act 1988 s26WL',
        guidance: true,
        internalTarget: true,
        start: 'determination',
        duration: { amount: 72, unit: 'hours' },
      },
    ],
  }),
);

/** LGPD Art. 48 and Resolution CD/ANPD 15/2024: 3 business days from knowledge, Brazilian national holidays. */
const BR_BUSINESS_DAYS = { startDayCounts: false, rollForward: false, calendar: 'BR-national' } as const;
/** Resolution CD/ANPD 2/2022 Art. 14: small processing agents have double the time. */
const doubledForSmallAgents = (amount: number) => [
  {
    when: (facts: Facts) =>
      hasSector(facts, 'small-processing-agent')
        ? applies(`Resolution CD/ANPD 2/2022 Art. 14: double time for a small processing agent, ${amount * 2} business days (sectors: small-processing-agent)`)
        : notApplicable('not a small processing agent'),
    duration: { amount: amount * 2, unit: 'business-days' as const },
  },
];
export const lgpd = once.data(() =>
  defineRulePack({
    regime: 'BR-LGPD',
    name: 'Lei Geral de Proteção de Dados',
    zone: 'America/Sao_Paulo',
    covers: coversCountry('BR'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'BR')) return notApplicable(inJurisdictions('BR'));
      if (facts.encrypted)
        return notApplicable('the data is unintelligible to third parties: no relevant risk (Resolution CD/ANPD 15/2024 Art. 5; encrypted: true)');
      // Resolution 15/2024 Art. 5: relevant risk or damage when sensitive, financial or authentication data (or others) are involved.
      const relevant = categoriesIn(facts, 'sensitive', 'health', 'payment_card', 'bank_credentials', 'credentials');
      if (relevant.length)
        return applies(`LGPD Art. 48; Resolution CD/ANPD 15/2024 Art. 5: relevant risk, data involved (dataCategories: ${relevant.join(', ')})`);
      if (facts.highRisk) return applies('LGPD Art. 48: relevant risk or damage to the data subjects (highRisk: true)');
      return notApplicable('no relevant risk or damage established (no sensitive, financial or authentication data; highRisk not true)');
    },
    rules: [
      {
        id: 'anpd',
        title: 'Communicate the incident to the ANPD',
        recipient: 'regulator',
        kind: 'notification',
        citation: 'LGPD Art. 48; Resolution CD/ANPD 15/2024 Art. 6',
        guidance: false,
        start: 'awareness',
        duration: { amount: 3, unit: 'business-days' },
        durationWhen: doubledForSmallAgents(3),
        counting: BR_BUSINESS_DAYS,
      },
      {
        id: 'data-subjects',
        title: 'Communicate the incident to the data subjects',
        recipient: 'individuals',
        kind: 'single',
        citation: 'LGPD Art. 48; Resolution CD/ANPD 15/2024 Art. 9',
        guidance: false,
        start: 'awareness',
        duration: { amount: 3, unit: 'business-days' },
        durationWhen: doubledForSmallAgents(3),
        counting: BR_BUSINESS_DAYS,
      },
      {
        id: 'anpd-complement',
        title: 'Complete the communication to the ANPD',
        recipient: 'regulator',
        kind: 'final',
        citation: 'Resolution CD/ANPD 15/2024 Art. 6 §3',
        guidance: false,
        start: { after: 'anpd' },
        duration: { amount: 20, unit: 'business-days' },
        durationWhen: doubledForSmallAgents(20),
        counting: BR_BUSINESS_DAYS,
      },
    ],
  }),
);

const DPDP_BREACH_RULES_FROM = '2027-05-13';
/** DPDP Act 2023 s. 8(6) and DPDP Rules 2025 r. 7. */
export const dpdp = once.data(() =>
  defineRulePack({
    regime: 'IN-DPDP',
    name: 'Digital Personal Data Protection Act 2023 (India)',
    zone: 'Asia/Kolkata',
    covers: coversCountry('IN'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'IN')) return notApplicable(inJurisdictions('IN'));
      // DPDP Rules 2025 r. 1(3): the breach rules come into force 18 months after publication (2025-11-13).
      if (facts.awareAt.slice(0, 10) < DPDP_BREACH_RULES_FROM)
        return notApplicable(`the DPDP breach rules (r. 7) apply from ${DPDP_BREACH_RULES_FROM}: no DPDP obligation for a breach before it (awareAt)`);
      return applies('DPDP Act s. 8(6); DPDP Rules 2025 r. 7: a personal data breach affecting people in India (jurisdictions: IN)');
    },
    rules: [
      {
        id: 'board-intimation',
        title: 'Intimate the Data Protection Board',
        recipient: 'regulator',
        kind: 'notification',
        citation: 'DPDP Rules 2025 r. 7(2)(a)',
        guidance: true,
        internalTarget: true,
        start: 'awareness',
        duration: { amount: 24, unit: 'hours' },
      },
      {
        id: 'board-report',
        title: 'Detailed report to the Data Protection Board',
        recipient: 'regulator',
        kind: 'final',
        citation: 'DPDP Rules 2025 r. 7(2)(b)',
        guidance: false,
        start: 'awareness',
        duration: { amount: 72, unit: 'hours' },
      },
      {
        id: 'data-principals',
        title: 'Intimate each affected Data Principal',
        recipient: 'individuals',
        kind: 'single',
        citation: 'DPDP Rules 2025 r. 7(1)',
        guidance: true,
        internalTarget: true,
        start: 'awareness',
        duration: { amount: 72, unit: 'hours' },
      },
    ],
  }),
);

/** The CAC's cybersecurity-incident reporting measures are in force from 2025-11-01. */
const CAC_MEASURES_FROM = '2025-11-01';
/**
 * PIPL Art. 57: "immediately" take remedial measures and notify the authority and the individuals. The summary report
 * due 30 days after the incident is handled has no fact to start from and is not computed.
 */
export const pipl = once.data(() =>
  defineRulePack({
    regime: 'CN-PIPL',
    name: 'Personal Information Protection Law (China)',
    zone: 'Asia/Shanghai',
    covers: coversCountry('CN'),
    appliesWhen: (facts) =>
      inCountry(facts, 'CN')
        ? applies('PIPL Art. 57: personal information of people in China leaked (jurisdictions: CN)')
        : notApplicable(inJurisdictions('CN')),
    rules: [
      {
        id: 'authority',
        title: 'Notify the personal information protection authority',
        recipient: 'regulator',
        kind: 'single',
        citation: 'PIPL Art. 57(1)',
        guidance: true,
        internalTarget: true,
        start: 'awareness',
        duration: { amount: 24, unit: 'hours' },
      },
      {
        id: 'individuals',
        condition: 'measures do not avoid harm',
        title: 'Notify the individuals',
        recipient: 'individuals',
        kind: 'single',
        citation: 'PIPL Art. 57(1)-(2)',
        guidance: true,
        internalTarget: true,
        start: 'awareness',
        duration: { amount: 72, unit: 'hours' },
        appliesWhen: (facts) =>
          facts.encrypted
            ? notApplicable('measures effectively avoid harm (PIPL Art. 57(2); encrypted: true); the authority may still require notice')
            : applies('PIPL Art. 57(2): measures taken do not effectively avoid harm (encrypted is not true)'),
      },
      {
        id: 'cac-report',
        condition: '1 million people or more (relatively major), from 2025-11-01',
        title: 'Report the incident to the provincial Cyberspace Administration',
        recipient: 'regulator',
        kind: 'single',
        citation: 'National Cybersecurity Incident Reporting Measures (国家网络安全事件报告管理办法, CAC 2025); Incident Classification Guide',
        guidance: false,
        start: 'awareness',
        duration: { amount: 4, unit: 'hours' },
        appliesWhen: (facts) => {
          if (facts.awareAt.slice(0, 10) < CAC_MEASURES_FROM)
            return notApplicable(`the CAC incident measures apply from ${CAC_MEASURES_FROM} (awareAt before)`);
          const scale = meets(headCountIn(facts, 'CN'), (n) => n >= 1_000_000, 'personal information of 1 million people or more leaked');
          return scale.met
            ? applies(`CAC incident measures: a relatively major (较大) incident or above, ${scale.why}`)
            : notApplicable(`not rated relatively major or above on the facts known (${scale.why})`);
        },
      },
      {
        id: 'cii-report',
        condition: 'a critical information infrastructure operator, relatively major incident, from 2025-11-01',
        title: 'Report to the sector protection department and the public security organ',
        recipient: 'regulator',
        kind: 'single',
        citation: 'National Cybersecurity Incident Reporting Measures (国家网络安全事件报告管理办法, CAC 2025)',
        guidance: false,
        start: 'awareness',
        duration: { amount: 1, unit: 'hours' },
        appliesWhen: (facts) => {
          if (facts.awareAt.slice(0, 10) < CAC_MEASURES_FROM)
            return notApplicable(`the CAC incident measures apply from ${CAC_MEASURES_FROM} (awareAt before)`);
          if (!hasSector(facts, 'critical-information-infrastructure'))
            return notApplicable('not an operator of critical information infrastructure (sectors)');
          const scale = meets(headCountIn(facts, 'CN'), (n) => n >= 1_000_000, 'personal information of 1 million people or more leaked');
          return scale.met
            ? applies(
                `CAC incident measures: an operator of critical information infrastructure (sectors) with a relatively major incident or above, ${scale.why}`,
              )
            : notApplicable(`not rated relatively major or above on the facts known (${scale.why})`);
        },
      },
    ],
  }),
);

/** PIPEDA s. 10.1: a real risk of significant harm, as soon as feasible after determining the breach occurred. */
export const pipeda = once.data(() =>
  defineRulePack({
    regime: 'CA-PIPEDA',
    name: 'Personal Information Protection and Electronic Documents Act (Canada)',
    zone: 'America/Toronto',
    covers: coversCountry('CA'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'CA')) return notApplicable(inJurisdictions('CA'));
      if (!facts.highRisk) {
        return notApplicable(
          'no real risk of significant harm established (s. 10.1(1); set highRisk: true when it is); keep a record of the breach for 24 months (s. 10.3)',
        );
      }
      return applies('PIPEDA s. 10.1(1): a real risk of significant harm (highRisk: true)');
    },
    rules: [
      {
        id: 'commissioner',
        title: 'Report to the Privacy Commissioner',
        recipient: 'regulator',
        kind: 'single',
        citation: 'PIPEDA s. 10.1(1)-(2); Breach of Security Safeguards Regulations s. 2',
        guidance: true,
        internalTarget: true,
        start: 'determination',
        duration: { amount: 72, unit: 'hours' },
      },
      {
        id: 'individuals',
        title: 'Notify the individuals',
        recipient: 'individuals',
        kind: 'single',
        citation: 'PIPEDA s. 10.1(3), (6); Regulations s. 3',
        guidance: true,
        internalTarget: true,
        start: 'determination',
        duration: { amount: 72, unit: 'hours' },
      },
    ],
  }),
);
