// Thailand, the Philippines, Indonesia, Vietnam, Malaysia, Switzerland, Turkey, South Africa, Saudi Arabia, Québec,
// Alberta, Chile, New Zealand, Nigeria and Kenya. Hours from awareness where the law sets them; where it says only
// "promptly" or "without undue delay", a target marked guidance with the law's words, and internal where no
// regulator's guidance gives one. Each zone is the capital's.
import type { DataCategory, Facts } from '../facts';
import { applies, defineRulePack, notApplicable, type ObligationRule, type RulePack, type Verdict } from '../obligations';
import { categoriesIn, country, headCountIn, inCountry, meets } from './facts-helpers';
import { buildOnce } from '../../built-once';

const once = buildOnce('domain/regimes/more-countries');

const HOURS = (amount: number) => ({ amount, unit: 'hours' as const });
const inJurisdictions = (code: string) => `no ${code} in jurisdictions`;
const coversCountry = (code: string) => (jurisdiction: string) => country(jurisdiction) === code;
const coversExactly = (code: string) => (jurisdiction: string) => jurisdiction === code;

/** Data whose loss is likely to harm people: identity, money, health, body. */
const HARMFUL: DataCategory[] = [
  'sensitive',
  'health',
  'genetic',
  'biometric',
  'health_insurance',
  'government_id',
  'passport',
  'tax_id',
  'payment_card',
  'bank_credentials',
  'credentials',
];

/** A rule with no time in the law: a target, said to be guidance, with the law's words. */
function promptly(
  rule: Omit<ObligationRule, 'guidance' | 'duration' | 'start'> & { words: string; hours: number; regulatorGuidance?: string },
): ObligationRule {
  const { words, hours, regulatorGuidance, ...rest } = rule;
  return {
    ...rest,
    start: 'awareness',
    duration: HOURS(hours),
    guidance: true,
    internalTarget: regulatorGuidance === undefined,
    guidanceReason: regulatorGuidance ? `"${words}": no hours in the law; ${regulatorGuidance}` : `"${words}": no hours in the law`,
  };
}

const unlessRiskUnlikely =
  (citation: string) =>
  (facts: Facts): Verdict =>
    facts.riskUnlikely
      ? notApplicable(`assessed unlikely to result in a risk to people (${citation}; riskUnlikely: true)`)
      : applies(`${citation}: not assessed unlikely to result in a risk (riskUnlikely is not true)`);

const onHighRisk =
  (citation: string, words = 'a high risk to people') =>
  (facts: Facts): Verdict =>
    facts.highRisk
      ? applies(`${citation}: ${words} (highRisk: true)`)
      : notApplicable(`not established: ${words} (${citation}; set highRisk: true when it is)`);

const countryPack = (code: string, law: string, citation: string) => (facts: Facts) =>
  inCountry(facts, code)
    ? applies(`${citation}: a personal data breach involving people in ${code} (jurisdictions), under the ${law}`)
    : notApplicable(inJurisdictions(code));

/** Thailand PDPA B.E. 2562 s.37(4); PDPC Notification on personal data breach notification (2022). */
export const thailand = once.data(() =>
  defineRulePack({
    regime: 'TH-PDPA',
    name: 'Personal Data Protection Act B.E. 2562 (Thailand)',
    zone: 'Asia/Bangkok',
    covers: coversCountry('TH'),
    appliesWhen: countryPack('TH', 'PDPA', 'PDPA s.37(4)'),
    rules: [
      {
        id: 'pdpc-office',
        condition: 'not assessed unlikely to risk rights and freedoms',
        title: 'Notify the Office of the PDPC',
        recipient: 'regulator',
        kind: 'single',
        // A later notice, with reasons, is accepted up to 15 days in unavoidable cases (PDPC Notification 2022 cl. 5).
        citation: 'PDPA s.37(4); PDPC Notification on breach notification (2022)',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
        appliesWhen: unlessRiskUnlikely('PDPA s.37(4)'),
      },
      promptly({
        id: 'data-subjects',
        condition: 'high risk',
        title: 'Notify the data subjects',
        recipient: 'individuals',
        kind: 'single',
        citation: 'PDPA s.37(4)',
        words: 'without delay',
        hours: 72,
        appliesWhen: onHighRisk('PDPA s.37(4)'),
      }),
    ],
  }),
);

/** Philippines Data Privacy Act (RA 10173) s.20(f); NPC Circular 16-03 ss.17-18. */
export const philippines = once.data(() =>
  defineRulePack({
    regime: 'PH-DPA',
    name: 'Data Privacy Act of 2012 (Philippines)',
    zone: 'Asia/Manila',
    covers: coversCountry('PH'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'PH')) return notApplicable(inJurisdictions('PH'));
      const data = categoriesIn(facts, ...HARMFUL);
      if (data.length === 0) return notApplicable('no sensitive personal information nor information that may enable identity fraud (RA 10173 s.20(f))');
      if (facts.riskUnlikely) return notApplicable('no real risk of serious harm (RA 10173 s.20(f); riskUnlikely: true)');
      if (facts.encrypted)
        return notApplicable('encrypted, and the key was not acquired: no real risk of serious harm (NPC Circular 16-03 s.11; encrypted: true)');
      return applies(
        `RA 10173 s.20(f): sensitive personal information or information that may enable identity fraud (dataCategories: ${data.join(', ')}), a real risk of serious harm not ruled out`,
      );
    },
    rules: [
      {
        id: 'npc',
        title: 'Notify the National Privacy Commission',
        recipient: 'regulator',
        kind: 'notification',
        citation: 'RA 10173 s.20(f); NPC Circular 16-03 s.17(A)',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
      },
      {
        id: 'data-subjects',
        title: 'Notify the affected data subjects',
        recipient: 'individuals',
        kind: 'single',
        citation: 'RA 10173 s.20(f); NPC Circular 16-03 s.18(A)',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
      },
      {
        id: 'npc-full-report',
        title: 'Full report to the National Privacy Commission',
        recipient: 'regulator',
        kind: 'final',
        citation: 'NPC Circular 16-03 s.17(C)',
        guidance: false,
        start: { after: 'npc' },
        duration: { amount: 5, unit: 'calendar-days' },
        counting: { startDayCounts: false, rollForward: false },
      },
    ],
  }),
);

/** Indonesia PDP Law (UU 27/2022) Art. 46: every failure of protection, 3 × 24 hours. */
export const indonesia = once.data(() =>
  defineRulePack({
    regime: 'ID-PDP',
    name: 'Personal Data Protection Law, UU 27/2022 (Indonesia)',
    zone: 'Asia/Jakarta',
    covers: coversCountry('ID'),
    appliesWhen: countryPack('ID', 'PDP Law', 'UU 27/2022 Art. 46(1)'),
    rules: [
      {
        id: 'data-subjects',
        title: 'Written notice to the data subjects',
        recipient: 'individuals',
        kind: 'single',
        citation: 'UU 27/2022 Art. 46(1)-(2)',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
      },
      {
        id: 'institution',
        title: 'Written notice to the supervising institution',
        recipient: 'regulator',
        kind: 'single',
        citation: 'UU 27/2022 Art. 46(1)-(2)',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
      },
    ],
  }),
);

const VN_LAW_FROM = '2026-01-01';
const vnLaw = (facts: Facts) => facts.awareAt.slice(0, 10) >= VN_LAW_FROM;
/** Vietnam: the Personal Data Protection Law 91/2025/QH15 from 2026-01-01; Decree 13/2023/ND-CP before. */
export const vietnam = once.data(() =>
  defineRulePack({
    regime: 'VN-PDP',
    name: 'Personal Data Protection Law 91/2025/QH15 (Vietnam)',
    zone: 'Asia/Ho_Chi_Minh',
    covers: coversCountry('VN'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'VN')) return notApplicable(inJurisdictions('VN'));
      if (!vnLaw(facts)) return applies('Decree 13/2023/ND-CP Art. 23: a violation of personal data protection, before 2026-01-01 (awareAt)');
      return applies('Law 91/2025/QH15 Art. 23(1): a breach of personal data of people in Vietnam (jurisdictions)');
    },
    rules: [
      {
        id: 'agency',
        title: 'Notify the personal data protection agency (Ministry of Public Security)',
        recipient: 'regulator',
        kind: 'single',
        citation: 'Law 91/2025/QH15 Art. 23(1); Decree 356/2025/ND-CP Art. 8(3) (before 2026-01-01: Decree 13/2023/ND-CP Art. 23)',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
        appliesWhen: (facts) => {
          if (!vnLaw(facts)) return applies('Decree 13/2023/ND-CP Art. 23(1): 72 hours from the violation');
          return facts.riskUnlikely
            ? notApplicable('no possible harm to national security, social order or a person (Law 91/2025/QH15 Art. 23(1); riskUnlikely: true)')
            : applies(
                'Law 91/2025/QH15 Art. 23(1): may harm national security, social order or a person’s life, health, honour, dignity or property (riskUnlikely is not true)',
              );
        },
      },
      {
        id: 'data-subjects',
        condition: 'sensitive financial or banking data, from 2026-01-01',
        title: 'Notify the data subjects (sensitive financial or banking data)',
        recipient: 'individuals',
        kind: 'single',
        citation: 'Decree 356/2025/ND-CP Art. 8(3)',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
        appliesWhen: (facts) => {
          if (!vnLaw(facts)) return notApplicable('before 2026-01-01, Decree 13/2023/ND-CP set no duty to tell data subjects');
          const money = categoriesIn(facts, 'payment_card', 'bank_credentials');
          return money.length
            ? applies(`Decree 356/2025/ND-CP Art. 8(3): sensitive financial or banking data (dataCategories: ${money.join(', ')})`)
            : notApplicable('no general duty to tell data subjects: only for sensitive financial or banking data (Decree 356/2025/ND-CP Art. 8(3))');
        },
      },
    ],
  }),
);

/** Significant harm under Malaysia's s.12B: the data involved, an assessment, or scale alone (more than 1,000 people). */
function malaysiaHarm(facts: Facts): { harm: string[]; scale?: string } {
  const harm: string[] = [];
  const data = categoriesIn(facts, ...HARMFUL);
  if (data.length) harm.push(`data likely to cause significant harm (dataCategories: ${data.join(', ')})`);
  if (facts.highRisk) harm.push('significant harm assessed as likely (highRisk: true)');
  const scale = meets(headCountIn(facts, 'MY'), (n) => n > 1000, 'more than 1,000 data subjects');
  return { harm, ...(scale.met ? { scale: scale.why } : {}) };
}
/** Malaysia PDPA 2010 s.12B (Act A1727, in force 2025-06-01); the Commissioner's Data Breach Notification Guideline. */
export const malaysia = once.data(() =>
  defineRulePack({
    regime: 'MY-PDPA',
    name: 'Personal Data Protection Act 2010, as amended by Act A1727 (Malaysia)',
    zone: 'Asia/Kuala_Lumpur',
    covers: coversCountry('MY'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'MY')) return notApplicable(inJurisdictions('MY'));
      if (facts.awareAt.slice(0, 10) < '2025-06-01') return notApplicable('s.12B is in force from 2025-06-01 (awareAt before it)');
      if (facts.encrypted) return notApplicable('encrypted, and the key was not acquired: significant harm is not likely (Guideline; encrypted: true)');
      const { harm, scale } = malaysiaHarm(facts);
      if (harm.length === 0 && !scale) return notApplicable('no significant harm likely and not more than 1,000 data subjects (PDPA s.12B(1))');
      return applies(...[...harm, ...(scale ? [scale] : [])].map((w) => `PDPA s.12B(1): ${w}`));
    },
    rules: [
      {
        id: 'commissioner',
        title: 'Notify the Personal Data Protection Commissioner',
        recipient: 'regulator',
        kind: 'notification',
        citation: 'PDPA 2010 s.12B(1); Data Breach Notification Guideline',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
      },
      {
        id: 'data-subjects',
        condition: 'significant harm likely to them',
        title: 'Notify the affected data subjects',
        recipient: 'individuals',
        kind: 'single',
        citation: 'PDPA 2010 s.12B(2); Data Breach Notification Guideline',
        guidance: false,
        start: { after: 'commissioner' },
        duration: { amount: 7, unit: 'calendar-days' },
        counting: { startDayCounts: false, rollForward: false },
        appliesWhen: (facts) => {
          const { harm } = malaysiaHarm(facts);
          return harm.length
            ? applies(...harm.map((w) => `PDPA s.12B(2): ${w}`))
            : notApplicable('notifiable for its scale only: data subjects are told only when significant harm to them is likely (PDPA s.12B(2))');
        },
      },
    ],
  }),
);

/** Switzerland revised FADP Art. 24 (in force 2023-09-01): a likely high risk, "as soon as possible". */
export const switzerland = once.data(() =>
  defineRulePack({
    regime: 'CH-FADP',
    name: 'Federal Act on Data Protection (Switzerland)',
    zone: 'Europe/Zurich',
    covers: coversCountry('CH'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'CH')) return notApplicable(inJurisdictions('CH'));
      return onHighRisk('FADP Art. 24(1)', 'a likely high risk to the personality or fundamental rights of the people affected')(facts);
    },
    rules: [
      promptly({
        id: 'fdpic',
        title: 'Notify the FDPIC',
        recipient: 'regulator',
        kind: 'single',
        citation: 'FADP Art. 24(1)-(2)',
        words: 'as soon as possible',
        hours: 72,
      }),
      promptly({
        id: 'data-subjects',
        title: 'Inform the data subjects (when needed for their protection, or when the FDPIC asks)',
        recipient: 'individuals',
        kind: 'single',
        citation: 'FADP Art. 24(4)',
        words: 'if it is necessary for their protection or if the FDPIC so requests',
        hours: 72,
      }),
    ],
  }),
);

/** Turkey KVKK Art. 12(5); Board Decision 2019/10: the Board within 72 hours. */
export const turkey = once.data(() =>
  defineRulePack({
    regime: 'TR-KVKK',
    name: 'Law on the Protection of Personal Data No. 6698 (Turkey)',
    zone: 'Europe/Istanbul',
    covers: coversCountry('TR'),
    appliesWhen: countryPack('TR', 'KVKK', 'Law 6698 Art. 12(5)'),
    rules: [
      {
        id: 'board',
        title: 'Notify the Personal Data Protection Board',
        recipient: 'regulator',
        kind: 'single',
        citation: 'Law 6698 Art. 12(5); Board Decision 2019/10',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
      },
      promptly({
        id: 'data-subjects',
        title: 'Notify the data subjects',
        recipient: 'individuals',
        kind: 'single',
        citation: 'Law 6698 Art. 12(5); Board Decision 2019/10',
        words: 'within a reasonable time after they are identified',
        hours: 72,
      }),
    ],
  }),
);

/** South Africa POPIA s.22: every compromise, "as soon as reasonably possible after discovery". */
export const southAfrica = once.data(() =>
  defineRulePack({
    regime: 'ZA-POPIA',
    name: 'Protection of Personal Information Act (South Africa)',
    zone: 'Africa/Johannesburg',
    covers: coversCountry('ZA'),
    appliesWhen: countryPack('ZA', 'POPIA', 'POPIA s.22(1)'),
    rules: [
      promptly({
        id: 'information-regulator',
        title: 'Notify the Information Regulator (through its portal)',
        recipient: 'regulator',
        kind: 'single',
        citation: 'POPIA s.22(1)-(2)',
        words: 'as soon as reasonably possible after the discovery',
        hours: 72,
      }),
      promptly({
        id: 'data-subjects',
        title: 'Notify the data subjects',
        recipient: 'individuals',
        kind: 'single',
        citation: 'POPIA s.22(1)-(2)',
        words: 'as soon as reasonably possible after the discovery',
        hours: 72,
      }),
    ],
  }),
);

/** Saudi Arabia PDPL Implementing Regulation Art. 24: SDAIA within 72 hours. */
export const saudiArabia = once.data(() =>
  defineRulePack({
    regime: 'SA-PDPL',
    name: 'Personal Data Protection Law (Saudi Arabia)',
    zone: 'Asia/Riyadh',
    covers: coversCountry('SA'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'SA')) return notApplicable(inJurisdictions('SA'));
      return facts.riskUnlikely
        ? notApplicable('the incident cannot harm the data or the data subjects (Implementing Regulation Art. 24(1); riskUnlikely: true)')
        : applies('PDPL Art. 20; Implementing Regulation Art. 24(1): an incident that may harm the data or the data subjects (riskUnlikely is not true)');
    },
    rules: [
      {
        id: 'sdaia',
        title: 'Notify the competent authority (SDAIA)',
        recipient: 'regulator',
        kind: 'single',
        citation: 'PDPL Art. 20; Implementing Regulation Art. 24(1)',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
      },
      promptly({
        id: 'data-subjects',
        title: 'Notify the data subjects',
        recipient: 'individuals',
        kind: 'single',
        citation: 'PDPL Art. 20; Implementing Regulation Art. 24(4)',
        words: 'without undue delay',
        hours: 72,
      }),
    ],
  }),
);

/** Québec: Act respecting the protection of personal information in the private sector ss.3.5-3.8 (Law 25). */
export const quebec = once.data(() =>
  defineRulePack({
    regime: 'CA-QC',
    name: 'Act respecting the protection of personal information in the private sector (Québec)',
    zone: 'America/Toronto',
    covers: coversExactly('CA-QC'),
    appliesWhen: (facts) => {
      if (!facts.jurisdictions.includes('CA-QC')) return notApplicable(inJurisdictions('CA-QC'));
      return onHighRisk('Private Sector Act s.3.5', 'a risk of serious injury')(facts);
    },
    rules: [
      promptly({
        id: 'commission',
        title: "Notify the Commission d'accès à l'information",
        recipient: 'regulator',
        kind: 'single',
        citation: 'Private Sector Act s.3.5; Regulation respecting confidentiality incidents s.3',
        words: 'promptly',
        hours: 72,
      }),
      promptly({
        id: 'persons-concerned',
        title: 'Notify the persons concerned',
        recipient: 'individuals',
        kind: 'single',
        citation: 'Private Sector Act s.3.5; Regulation respecting confidentiality incidents s.4',
        words: 'promptly',
        hours: 72,
      }),
    ],
  }),
);

/** Alberta PIPA s.34.1: a real risk of significant harm, "without unreasonable delay". */
export const alberta = once.data(() =>
  defineRulePack({
    regime: 'CA-AB',
    name: 'Personal Information Protection Act (Alberta)',
    zone: 'America/Edmonton',
    covers: coversExactly('CA-AB'),
    appliesWhen: (facts) => {
      if (!facts.jurisdictions.includes('CA-AB')) return notApplicable(inJurisdictions('CA-AB'));
      return onHighRisk('PIPA s.34.1(1)', 'a real risk of significant harm to an individual')(facts);
    },
    rules: [
      // Individuals are told only when the Commissioner requires it (s.37.1): no obligation until then.
      promptly({
        id: 'commissioner',
        title: 'Notify the Information and Privacy Commissioner',
        recipient: 'regulator',
        kind: 'single',
        citation: 'PIPA s.34.1(1); PIPA Regulation s.19.1',
        words: 'without unreasonable delay',
        hours: 72,
      }),
    ],
  }),
);

const CL_FROM = '2026-12-01';
/** Chile Law 19.628 Art. 14 sexies, as amended by Law 21.719 (in force 2026-12-01). */
export const chile = once.data(() =>
  defineRulePack({
    regime: 'CL-PDP',
    name: 'Law 19.628 on the protection of personal data, as amended by Law 21.719 (Chile)',
    zone: 'America/Santiago',
    covers: coversCountry('CL'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'CL')) return notApplicable(inJurisdictions('CL'));
      if (facts.awareAt.slice(0, 10) < CL_FROM)
        return notApplicable(`Law 21.719 brings the breach duty in force on ${CL_FROM} (Boletín 18.623-07 would defer it a year); awareAt is before it`);
      return applies('Law 19.628 Art. 14 sexies (Law 21.719): a breach of the security measures involving people in Chile (jurisdictions)');
    },
    rules: [
      promptly({
        id: 'agency',
        title: 'Notify the Personal Data Protection Agency',
        recipient: 'regulator',
        kind: 'single',
        citation: 'Law 19.628 Art. 14 sexies, as amended by Law 21.719',
        words: 'by the most expeditious means and without undue delay',
        hours: 72,
      }),
      promptly({
        id: 'data-subjects',
        condition: 'sensitive, children’s or financial data',
        title: 'Notify the data subjects (sensitive, children’s or financial data)',
        recipient: 'individuals',
        kind: 'single',
        citation: 'Law 19.628 Art. 14 sexies, as amended by Law 21.719',
        words: 'without undue delay',
        hours: 72,
        appliesWhen: (facts) => {
          const data = categoriesIn(facts, 'sensitive', 'health', 'genetic', 'biometric', 'payment_card', 'bank_credentials');
          return data.length
            ? applies(`Art. 14 sexies: sensitive or financial data involved (dataCategories: ${data.join(', ')})`)
            : notApplicable('no sensitive, children’s or financial data known to be involved (Art. 14 sexies)');
        },
      }),
    ],
  }),
);

/** New Zealand Privacy Act 2020 ss.114-117: a notifiable privacy breach (serious harm likely). */
export const newZealand = once.data(() =>
  defineRulePack({
    regime: 'NZ-PRIVACY',
    name: 'Privacy Act 2020 (New Zealand)',
    zone: 'Pacific/Auckland',
    covers: coversCountry('NZ'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'NZ')) return notApplicable(inJurisdictions('NZ'));
      return onHighRisk('Privacy Act 2020 s.112-113', 'serious harm likely: a notifiable privacy breach')(facts);
    },
    rules: [
      promptly({
        id: 'commissioner',
        title: 'Notify the Privacy Commissioner',
        recipient: 'regulator',
        kind: 'single',
        citation: 'Privacy Act 2020 s.114',
        words: 'as soon as practicable after becoming aware',
        hours: 72,
        regulatorGuidance: "the Privacy Commissioner's guidance: within 72 hours",
      }),
      promptly({
        id: 'affected-individuals',
        title: 'Notify the affected individuals',
        recipient: 'individuals',
        kind: 'single',
        citation: 'Privacy Act 2020 s.115, s.116 (public notice where individual notice is not reasonably practicable)',
        words: 'as soon as practicable after becoming aware',
        hours: 72,
      }),
    ],
  }),
);

/** Nigeria Data Protection Act 2023 s.40: the Commission within 72 hours. */
export const nigeria = once.data(() =>
  defineRulePack({
    regime: 'NG-NDPA',
    name: 'Nigeria Data Protection Act 2023',
    zone: 'Africa/Lagos',
    covers: coversCountry('NG'),
    appliesWhen: countryPack('NG', 'NDPA', 'NDPA 2023 s.40'),
    rules: [
      {
        id: 'commission',
        condition: 'not assessed unlikely to risk rights and freedoms',
        title: 'Notify the Nigeria Data Protection Commission',
        recipient: 'regulator',
        kind: 'single',
        citation: 'NDPA 2023 s.40(2)',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
        appliesWhen: unlessRiskUnlikely('NDPA 2023 s.40(2)'),
      },
      promptly({
        id: 'data-subjects',
        condition: 'high risk',
        title: 'Notify the data subjects',
        recipient: 'individuals',
        kind: 'single',
        citation: 'NDPA 2023 s.40(3)',
        words: 'immediately',
        hours: 24,
        appliesWhen: onHighRisk('NDPA 2023 s.40(3)'),
      }),
      {
        id: 'controller',
        condition: 'a processor',
        title: 'Notify the controller',
        recipient: 'controller',
        kind: 'single',
        citation: 'NDPA 2023 s.40(1)',
        guidance: true,
        internalTarget: true,
        guidanceReason: '"without undue delay": no hours in the law',
        start: 'awareness',
        duration: HOURS(24),
        appliesWhen: (facts) =>
          facts.processor ? applies('NDPA 2023 s.40(1): a processor (processor: true)') : notApplicable('the organisation is the controller'),
      },
    ],
  }),
);

/** Kenya Data Protection Act 2019 s.43: the Data Commissioner within 72 hours. */
export const kenya = once.data(() =>
  defineRulePack({
    regime: 'KE-DPA',
    name: 'Data Protection Act 2019 (Kenya)',
    zone: 'Africa/Nairobi',
    covers: coversCountry('KE'),
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'KE')) return notApplicable(inJurisdictions('KE'));
      return facts.riskUnlikely
        ? notApplicable('no real risk of harm (DPA 2019 s.43(1); riskUnlikely: true)')
        : applies('DPA 2019 s.43(1): unauthorised access with a real risk of harm to the data subjects (riskUnlikely is not true)');
    },
    rules: [
      {
        id: 'data-commissioner',
        title: 'Notify the Data Commissioner',
        recipient: 'regulator',
        kind: 'single',
        citation: 'DPA 2019 s.43(1)(a), (3)',
        guidance: false,
        start: 'awareness',
        duration: HOURS(72),
        appliesWhen: (facts) => (facts.processor ? notApplicable('a processor tells its controller, who notifies (DPA 2019 s.43(2))') : applies()),
      },
      promptly({
        id: 'data-subjects',
        title: 'Notify the data subjects',
        recipient: 'individuals',
        kind: 'single',
        citation: 'DPA 2019 s.43(1)(b)',
        words: 'within a reasonably practical period',
        hours: 72,
        appliesWhen: (facts) => (facts.processor ? notApplicable('a processor tells its controller, who notifies (DPA 2019 s.43(2))') : applies()),
      }),
      {
        id: 'controller',
        condition: 'a processor',
        title: 'Notify the controller',
        recipient: 'controller',
        kind: 'single',
        citation: 'DPA 2019 s.43(2)',
        guidance: false,
        start: 'awareness',
        duration: HOURS(48),
        appliesWhen: (facts) =>
          facts.processor ? applies('DPA 2019 s.43(2): a processor (processor: true)') : notApplicable('the organisation is the controller'),
      },
    ],
  }),
);

export const MORE_COUNTRY_PACKS: readonly RulePack[] = [
  thailand,
  philippines,
  indonesia,
  vietnam,
  malaysia,
  switzerland,
  turkey,
  southAfrica,
  saudiArabia,
  quebec,
  alberta,
  chile,
  newZealand,
  nigeria,
  kenya,
];
