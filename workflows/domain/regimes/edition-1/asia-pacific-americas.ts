// Edition 1, frozen (see index.ts).
// South Korea, Singapore, Australia, Brazil, India, China and Canada. Where the law sets only "as soon as
// practicable" or "without delay", the obligation carries Breachline's internal target and says so.
import { applies, defineRulePack, notApplicable } from '../../obligations';
import { categoriesIn, country, headCountIn, inCountry, meets } from './facts-helpers';
import { buildOnce } from '../../../built-once';

const once = buildOnce('domain/regimes/edition-1/asia-pacific-americas');

const coversCountry = (code: string) => (jurisdiction: string) => country(jurisdiction) === code;
const inJurisdictions = (code: string) => `no ${code} in jurisdictions`;

/** PIPA Art. 34 and Enforcement Decree Art. 39–40 (as amended 2023): 72 hours from awareness. */
export const pipa = once.data(() =>
  defineRulePack({
    regime: 'KR-PIPA',
    name: 'Personal Information Protection Act (Korea)',
    zone: 'Asia/Seoul',
    covers: coversCountry('KR'),
    appliesWhen: (facts) =>
      inCountry(facts, 'KR')
        ? applies('PIPA Art. 34(1): personal information of people in Korea leaked (jurisdictions: KR)')
        : notApplicable(inJurisdictions('KR')),
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
    ],
  }),
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
      // PDP (Notification of Data Breaches) Regulations 2021 reg. 3 and Schedule: the prescribed classes of data.
      const harmful = categoriesIn(facts, 'government_id', 'payment_card', 'bank_credentials', 'health', 'sensitive', 'credentials');
      if (harmful.length) why.push(`PDPA s26B(1)(a): likely significant harm, prescribed data involved (dataCategories: ${harmful.join(', ')})`);
      const scale = meets(headCountIn(facts, 'SG'), (n) => n >= 500, '500 or more individuals');
      if (scale.met) why.push(`PDPA s26B(1)(b) and reg. 4: significant scale, ${scale.why}`);
      if (why.length === 0) return notApplicable(`not notifiable: no prescribed data and ${scale.why}`);
      if (facts.encrypted) return notApplicable('the data was encrypted to a reasonable standard (PDPA s26B(3) and reg. 5; encrypted: true)');
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
          const harmful = categoriesIn(facts, 'government_id', 'payment_card', 'bank_credentials', 'health', 'sensitive', 'credentials');
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
        counting: BR_BUSINESS_DAYS,
      },
    ],
  }),
);

/** DPDP Act 2023 s. 8(6) and DPDP Rules 2025 r. 7. */
export const dpdp = once.data(() =>
  defineRulePack({
    regime: 'IN-DPDP',
    name: 'Digital Personal Data Protection Act 2023 (India)',
    zone: 'Asia/Kolkata',
    covers: coversCountry('IN'),
    appliesWhen: (facts) =>
      inCountry(facts, 'IN')
        ? applies('DPDP Act s. 8(6): a personal data breach affecting people in India (jurisdictions: IN)')
        : notApplicable(inJurisdictions('IN')),
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

/** PIPL Art. 57: "immediately" take remedial measures and notify the authority and the individuals. */
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
