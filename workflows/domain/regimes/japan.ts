// Japan: the APPI and the sector regulators that add to it. Time zone Asia/Tokyo; due days roll forward over the
// days government offices are closed.
import type { Facts } from '../facts';
import { applies, defineRulePack, notApplicable, type Verdict } from '../obligations';
import { categoriesIn, country, hasSector, inCountry } from './facts-helpers';
import { buildOnce } from '../../built-once';

const once = buildOnce('domain/regimes/japan');

const ZONE = 'Asia/Tokyo';
/** APPI guideline 3-5-3-4: the awareness day is day 1; a closed due day rolls forward. */
const APPI_DAYS = { startDayCounts: true, rollForward: true, calendar: 'JP-gov' } as const;
const covers = (jurisdiction: string) => country(jurisdiction) === 'JP';

/** APPI Rules Art. 7: the four triggers of a reportable leak, with the strong-encryption exclusion. */
function appiTriggers(facts: Facts): Verdict {
  if (!inCountry(facts, 'JP')) return notApplicable('no JP in jurisdictions');
  const why: string[] = [];
  const sensitive = categoriesIn(facts, 'sensitive', 'health');
  if (sensitive.length) why.push(`APPI Rules Art. 7(1): sensitive personal information (dataCategories: ${sensitive.join(', ')})`);
  const financial = categoriesIn(facts, 'payment_card', 'bank_credentials');
  if (financial.length) why.push(`APPI Rules Art. 7(2): data whose misuse may cause property damage (dataCategories: ${financial.join(', ')})`);
  if (facts.unfairPurpose) why.push('APPI Rules Art. 7(3): may have been caused with an unfair purpose (unfairPurpose: true)');
  if (facts.affectedCount !== undefined && facts.affectedCount > 1000) {
    why.push(`APPI Rules Art. 7(4): more than 1,000 people affected (affectedCount: ${facts.affectedCount})`);
  }
  if (why.length === 0) return notApplicable('none of the four triggers of APPI Rules Art. 7 is met by the facts known');
  // PPC General Guideline 3-5-3-1: strong encryption with the key not leaked excludes the report.
  if (facts.encrypted) return notApplicable('strongly encrypted and the key did not leak (PPC General Guideline 3-5-3-1)');
  return applies(...why);
}

/** APPI Rules Art. 8(2): 60 days instead of 30 when trigger 3 (unfair purpose) applies, alone or with others. */
const sixtyDays = [
  {
    when: (facts: Facts) =>
      facts.unfairPurpose ? applies('APPI Rules Art. 8(2): 60 days, because trigger 3 (unfair purpose) applies') : notApplicable('no unfair purpose'),
    duration: { amount: 60, unit: 'calendar-days' },
  },
] as const;

/**
 * APPI Art. 26(1) proviso and Enforcement Rules Art. 9: a contractor (委託先) that notifies the principal (委託元) of
 * the leak is relieved of its own report to the PPC, and then of the notice to the people (Art. 26(2) excludes it).
 * Modelled as GDPR Art. 33(2) is: a processor's duty is its notice to the principal (JP-APPI/principal).
 */
const principalReports = (facts: Facts): Verdict =>
  facts.processor
    ? notApplicable(
        'a contractor (委託先) that notifies the principal is relieved of this (APPI Art. 26(1) proviso, 26(2); Enforcement Rules Art. 9; processor: true): see JP-APPI/principal',
      )
    : applies();

export const appi = once.data(() =>
  defineRulePack({
    regime: 'JP-APPI',
    name: 'Act on the Protection of Personal Information',
    zone: ZONE,
    covers,
    appliesWhen: appiTriggers,
    rules: [
      {
        id: 'ppc-preliminary',
        title: 'Preliminary report to the PPC (速報)',
        recipient: 'regulator',
        kind: 'preliminary',
        citation: 'APPI Art. 26(1); Rules Art. 8(1); PPC General Guideline 3-5-3-3',
        // "Promptly"; the guideline says about 3–5 days. Convention: target day 3, due day 5, no roll-forward.
        guidance: true,
        start: 'awareness',
        duration: { amount: 5, unit: 'calendar-days' },
        counting: { startDayCounts: true, rollForward: false },
        appliesWhen: principalReports,
        target: { amount: 3, unit: 'calendar-days' },
      },
      {
        id: 'ppc-final',
        title: 'Final report to the PPC (確報)',
        recipient: 'regulator',
        kind: 'final',
        citation: 'APPI Art. 26(1); Rules Art. 8(2); PPC General Guideline 3-5-3-4',
        guidance: false,
        start: 'awareness',
        duration: { amount: 30, unit: 'calendar-days' },
        durationWhen: [...sixtyDays],
        counting: APPI_DAYS,
        appliesWhen: principalReports,
      },
      {
        id: 'individuals',
        title: 'Notify each affected person (本人通知)',
        recipient: 'individuals',
        kind: 'single',
        citation: 'APPI Art. 26(2); Rules Art. 10',
        // "Promptly according to the circumstances": no fixed days. Convention: the final report's due day.
        guidance: true,
        start: 'awareness',
        duration: { amount: 30, unit: 'calendar-days' },
        durationWhen: [...sixtyDays],
        counting: APPI_DAYS,
        appliesWhen: principalReports,
      },
      {
        id: 'substitute-notice',
        condition: 'people cannot be reached',
        title: 'Public notice and contact desk where people cannot be reached (代替措置)',
        recipient: 'public',
        kind: 'single',
        citation: 'APPI Art. 26(2) proviso; PPC General Guideline 3-5-4-5',
        guidance: true,
        start: 'awareness',
        duration: { amount: 30, unit: 'calendar-days' },
        durationWhen: [...sixtyDays],
        counting: APPI_DAYS,
        appliesWhen: (facts) => {
          const role = principalReports(facts);
          if (!role.applies) return role;
          return facts.unreachableCount
            ? applies(`APPI Art. 26(2) proviso: notice is difficult for ${facts.unreachableCount} people (unreachableCount)`)
            : notApplicable('every affected person can be notified (unreachableCount is 0 or unknown)');
        },
      },
      {
        id: 'principal',
        title: 'Notify the principal (委託元) of the leak',
        recipient: 'controller',
        kind: 'single',
        citation: 'APPI Art. 26(1) proviso; Enforcement Rules Art. 9',
        // "Promptly" (速やかに), with what is known then: internal target 24 hours, so the principal keeps most of its
        // own 3–5 days for the preliminary report.
        guidance: true,
        internalTarget: true,
        start: 'awareness',
        duration: { amount: 24, unit: 'hours' },
        appliesWhen: (facts) =>
          facts.processor
            ? applies('APPI Art. 26(1) proviso: the organisation handles the data as a contractor (委託先) of a principal (processor: true)')
            : notApplicable('the organisation handles the data for itself (processor is not true)'),
      },
    ],
  }),
);

/**
 * Financial institutions: the FSA's financial-sector guideline Art. 11(1) asks for a report "immediately" (直ちに) to
 * the supervisory authority, also for leaks outside the four APPI triggers (PPC/FSA Q&A 4-6). No hours are set:
 * Breachline's internal target is 24 hours.
 */
export const fsa = once.data(() =>
  defineRulePack({
    regime: 'JP-FSA',
    name: 'FSA Guidelines for Personal Information Protection in the Financial Sector',
    zone: ZONE,
    covers,
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'JP')) return notApplicable('no JP in jurisdictions');
      if (!hasSector(facts, 'finance')) return notApplicable('not a financial institution (no "finance" in sectors)');
      return applies(
        'FSA Financial Sector Guideline Art. 11(1): a financial institution reports every leak of personal data to its supervisor (sectors: finance)',
      );
    },
    rules: [
      {
        id: 'supervisor-report',
        title: 'Report to the supervisory authority (FSA or Local Finance Bureau)',
        recipient: 'regulator',
        kind: 'single',
        citation: 'FSA Financial Sector Guideline Art. 11(1); PPC/FSA Q&A 4-6',
        guidance: true,
        internalTarget: true,
        start: 'awareness',
        duration: { amount: 24, unit: 'hours' },
      },
    ],
  }),
);

/**
 * Medical and care providers: the MHLW/PPC guidance defers the APPI reports to the General Guideline, and the
 * MHLW's security guideline for medical information systems asks for a suspected cyberattack to be reported to the
 * MHLW. No hours are set: Breachline's internal target is 24 hours.
 */
export const mhlw = once.data(() =>
  defineRulePack({
    regime: 'JP-MHLW',
    name: 'MHLW guidance for medical and care providers',
    zone: ZONE,
    covers,
    appliesWhen: (facts) => {
      if (!inCountry(facts, 'JP')) return notApplicable('no JP in jurisdictions');
      if (!hasSector(facts, 'healthcare')) return notApplicable('not a medical or care provider (no "healthcare" in sectors)');
      if (!facts.unfairPurpose) return notApplicable('no suspected cyberattack or other unfair purpose (unfairPurpose)');
      return applies(
        'MHLW Guidelines for the Security Management of Medical Information Systems: a medical provider reports a suspected cyberattack to the MHLW (sectors: healthcare; unfairPurpose: true)',
      );
    },
    rules: [
      {
        id: 'mhlw-report',
        title: 'Report the suspected cyberattack to the MHLW',
        recipient: 'regulator',
        kind: 'single',
        citation: 'MHLW Guidelines for the Security Management of Medical Information Systems (6th ed.); Medical and Care Guidance IV-8',
        guidance: true,
        internalTarget: true,
        start: 'awareness',
        duration: { amount: 24, unit: 'hours' },
      },
    ],
  }),
);
