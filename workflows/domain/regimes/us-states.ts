// The breach laws of every US state, DC, Puerto Rico, Guam and the US Virgin Islands, as data: one row per law,
// validated by zod when the module loads, and one function that turns a row into a rule pack. Rows cover the
// general private-sector statute; insurance-licensee, state-agency and sector rules are left out. Each row cites
// its statute. Day clocks count the start day as day 0 ("within 30 days after") and end at the end of the due day
// in the state's own time zone (the capital's, where a state spans two).
import { z } from 'zod';
import { type DataCategory, type Facts, parseOrExplain } from '../facts';
import {
  applies,
  type ClockStart,
  type DayCounting,
  defineRulePack,
  type Duration,
  notApplicable,
  type ObligationRule,
  type RulePack,
  US_STATE_REGIMES,
  type Verdict,
} from '../obligations';
import { hasSector, headCountIn, meets } from './facts-helpers';
import { buildOnce } from '../../built-once';

const once = buildOnce('domain/regimes/us-states');

/** The data elements the state laws list, each answered by the facts' data categories. */
export const ELEMENT_CATEGORIES = {
  'government-id': ['government_id'],
  passport: ['passport'],
  'tax-id': ['tax_id'],
  // "Account or card number with any required code": card numbers are usable without one, so they count.
  account: ['payment_card', 'bank_credentials'],
  medical: ['health'],
  'health-insurance': ['health_insurance'],
  biometric: ['biometric'],
  genetic: ['genetic'],
  'online-credentials': ['credentials'],
  'date-of-birth': ['date_of_birth'],
} as const satisfies Record<string, readonly DataCategory[]>;
const Element = once(() => z.enum(Object.keys(ELEMENT_CATEGORIES) as [keyof typeof ELEMENT_CATEGORIES, ...(keyof typeof ELEMENT_CATEGORIES)[]]));
type Element = z.infer<typeof Element>;

const Unit = once(() => z.enum(['hours', 'calendar-days', 'business-days']));
/** When a notice is due. */
const Timing = once(() =>
  z.discriminatedUnion('kind', [
    // A number of hours or days from the discovery of the breach (or notice of it from a third party) or from the
    // determination that it occurred.
    z.strictObject({ kind: z.literal('fixed'), amount: z.number().int().positive(), unit: Unit, from: z.enum(['discovery', 'determination']) }),
    // Days after the residents are notified (the clock starts when that notice is recorded as given).
    z.strictObject({ kind: z.literal('after-residents'), amount: z.number().int().positive(), unit: Unit }),
    // "Not later than", "prior to", "concurrently with" the residents' notice: due when it is.
    z.strictObject({ kind: z.literal('with-residents'), words: z.string().min(1) }),
    // No time in the law ("without unreasonable delay"): an internal target, said to be one.
    z.strictObject({ kind: z.literal('expedient'), words: z.string().min(1) }),
  ]),
);
type Timing = z.infer<typeof Timing>;

/** A head count the notice needs: `count` residents, or more than `count`. Absent: any resident. */
const Threshold = once(() => z.strictObject({ count: z.number().int().positive(), inclusive: z.boolean() }));

const Notice = once(() =>
  z.strictObject({
    id: z.string().regex(/^[a-z0-9-]+$/),
    /** Whom to notify, as the statute names them. */
    who: z.string().min(1),
    recipient: z.enum(['attorney-general', 'regulator', 'consumer-reporting-agencies']),
    threshold: Threshold.optional(),
    timing: Timing,
    /** A second limit, the earlier applying (Arkansas: with the residents' notice or 45 days, whichever is first). */
    notLaterThan: z.strictObject({ amount: z.number().int().positive(), from: z.enum(['discovery', 'determination']) }).optional(),
    /** The notice is required only for breaches discovered from this day (a new duty without retroactive effect). */
    since: z.iso.date().optional(),
    citation: z.string().min(1),
  }),
);

export const StateLaw = once(() =>
  z.strictObject({
    code: z.enum(US_STATE_REGIMES),
    /** The statute, short: the pack's name and the head of every citation. */
    statute: z.string().min(1),
    zone: z.string().min(1),
    residents: z.strictObject({ timing: Timing, citation: z.string().min(1) }),
    regulators: z.array(Notice).default([]),
    creditBureaus: Notice.omit({ id: true, who: true, recipient: true }).optional(),
    /** Elements that trigger the law with a name (or alone where the statute says so). */
    elements: z.array(Element).min(1),
    /** Elements the statute makes personal information even without a name. */
    alone: z.array(Element).default([]),
    /** Encrypted data (key not acquired) is outside the law; 'redacted-only': only redaction is (encryption is not). */
    safeHarbour: z.enum(['encryption', 'redacted-only']),
    /** The risk-of-harm exception: notice is not required on a documented determination that harm is not likely. */
    riskOfHarm: z
      .strictObject({
        standard: z.string().min(1),
        keepYears: z.number().int().positive().optional(),
        /** The determination must itself go to a regulator (Alaska, Florida, South Dakota, Vermont, DC). */
        tell: z.strictObject({ who: z.string().min(1), timing: Timing, citation: z.string().min(1) }).optional(),
        citation: z.string().min(1),
      })
      .optional(),
    /** Entities notifying under their federal regime are deemed to comply with the residents' notice. */
    deemedCompliance: z
      .strictObject({ regimes: z.array(z.enum(['hipaa', 'glba'])).min(1), regulatorStill: z.boolean(), citation: z.string().min(1) })
      .optional(),
  }),
);
export type StateLaw = z.input<typeof StateLaw>;

// Row builders: the table below reads like the statutes.
const discovery = (amount: number, unit: z.infer<typeof Unit> = 'calendar-days'): Timing => ({ kind: 'fixed', amount, unit, from: 'discovery' });
const determination = (amount: number, unit: z.infer<typeof Unit> = 'calendar-days'): Timing => ({ kind: 'fixed', amount, unit, from: 'determination' });
const afterResidents = (amount: number, unit: z.infer<typeof Unit> = 'calendar-days'): Timing => ({ kind: 'after-residents', amount, unit });
const withResidents = (words: string): Timing => ({ kind: 'with-residents', words });
const expedient = (words = 'without unreasonable delay'): Timing => ({ kind: 'expedient', words });
const over = (count: number) => ({ count, inclusive: false });
const atLeast = (count: number) => ({ count, inclusive: true });
const ag = (citation: string, timing: Timing, threshold?: { count: number; inclusive: boolean }) => ({
  id: 'attorney-general',
  who: 'the Attorney General',
  recipient: 'attorney-general' as const,
  timing,
  citation,
  ...(threshold ? { threshold } : {}),
});
const bureaus = (citation: string, threshold?: { count: number; inclusive: boolean }, timing: Timing = expedient()) => ({
  timing,
  citation,
  ...(threshold ? { threshold } : {}),
});
const harm = (citation: string, standard: string, keepYears?: number) => ({ citation, standard, ...(keepYears ? { keepYears } : {}) });

const CORE: Element[] = ['government-id', 'account'];

/** Every US state, DC and the territories: the general breach-notification statute of each, as in force on 2026-11-27. */
export const STATE_LAWS: StateLaw[] = once.data(() => [
  {
    code: 'US-AL',
    statute: 'Ala. Code 8-38-1 et seq.',
    zone: 'America/Chicago',
    residents: { timing: determination(45), citation: 'Ala. Code 8-38-5(b)' },
    regulators: [ag('Ala. Code 8-38-6(a)', determination(45), over(1000))],
    creditBureaus: bureaus('Ala. Code 8-38-7', over(1000)),
    elements: [...CORE, 'tax-id', 'passport', 'medical', 'health-insurance', 'online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('Ala. Code 8-38-5(c)', 'not reasonably likely to cause substantial harm', 5),
    deemedCompliance: { regimes: ['hipaa', 'glba'], regulatorStill: true, citation: 'Ala. Code 8-38-11' },
  },
  {
    code: 'US-AK',
    statute: 'Alaska Stat. 45.48.010-.090',
    zone: 'America/Anchorage',
    residents: { timing: expedient('in the most expeditious time possible and without unreasonable delay'), citation: 'Alaska Stat. 45.48.010(b)' },
    creditBureaus: bureaus('Alaska Stat. 45.48.040', over(1000)),
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: {
      ...harm('Alaska Stat. 45.48.010(c)', 'no reasonable likelihood that harm has resulted or will result'),
      tell: {
        who: 'the Attorney General (written notice of the determination)',
        timing: expedient('the determination is sent in writing'),
        citation: 'Alaska Stat. 45.48.010(c)',
      },
    },
  },
  {
    code: 'US-AZ',
    statute: 'A.R.S. 18-552',
    zone: 'America/Phoenix',
    residents: { timing: determination(45), citation: 'A.R.S. 18-552(B)' },
    regulators: [
      ag('A.R.S. 18-552(B)(2)', determination(45), over(1000)),
      {
        id: 'homeland-security',
        who: 'the Arizona Department of Homeland Security',
        recipient: 'regulator',
        threshold: over(1000),
        timing: determination(45),
        citation: 'A.R.S. 18-552(B)(2)',
      },
    ],
    creditBureaus: bureaus('A.R.S. 18-552(B)(1)', over(1000), determination(45)),
    elements: [...CORE, 'medical', 'health-insurance', 'passport', 'tax-id', 'biometric', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('A.R.S. 18-552(J)', 'not likely to result in substantial economic loss'),
    deemedCompliance: { regimes: ['hipaa', 'glba'], regulatorStill: false, citation: 'A.R.S. 18-552(N)' },
  },
  {
    code: 'US-AR',
    statute: 'Ark. Code 4-110-101 et seq.',
    zone: 'America/Chicago',
    residents: { timing: expedient('in the most expedient way possible and without unreasonable delay'), citation: 'Ark. Code 4-110-105(a)' },
    regulators: [
      {
        ...ag('Ark. Code 4-110-105(d)', withResidents('at the same time as the residents')),
        threshold: over(1000),
        notLaterThan: { amount: 45, from: 'determination' },
      },
    ],
    elements: [...CORE, 'medical', 'biometric'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('Ark. Code 4-110-105(d), (g)', 'no reasonable likelihood of harm to customers', 5),
  },
  {
    code: 'US-CA',
    statute: 'Cal. Civ. Code 1798.82',
    zone: 'America/Los_Angeles',
    // SB 446 (Stats. 2025, ch. 319), from 2026-01-01: 30 calendar days after discovery or notification.
    residents: { timing: discovery(30), citation: 'Cal. Civ. Code 1798.82(a)(1) as amended by SB 446 (2025)' },
    regulators: [ag('Cal. Civ. Code 1798.82(f)(2) as amended by SB 446 (2025)', afterResidents(15), over(500))],
    elements: [...CORE, 'tax-id', 'passport', 'medical', 'health-insurance', 'biometric', 'genetic', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
  },
  {
    code: 'US-CO',
    statute: 'C.R.S. 6-1-716',
    zone: 'America/Denver',
    residents: { timing: determination(30), citation: 'C.R.S. 6-1-716(2)(a)' },
    regulators: [ag('C.R.S. 6-1-716(2)(f)', determination(30), atLeast(500))],
    creditBureaus: bureaus('C.R.S. 6-1-716(2)(d)', over(1000)),
    elements: [...CORE, 'passport', 'medical', 'health-insurance', 'biometric', 'online-credentials'],
    alone: ['online-credentials', 'account'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('C.R.S. 6-1-716(2)(a)', 'misuse has not occurred and is not reasonably likely'),
  },
  {
    code: 'US-CT',
    statute: 'Conn. Gen. Stat. 36a-701b',
    zone: 'America/New_York',
    residents: { timing: discovery(60), citation: 'Conn. Gen. Stat. 36a-701b(b)(1)' },
    regulators: [ag('Conn. Gen. Stat. 36a-701b(b)(2)', withResidents('not later than the residents'))],
    elements: [...CORE, 'tax-id', 'passport', 'medical', 'health-insurance', 'biometric', 'online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('Conn. Gen. Stat. 36a-701b(b)(1)', 'no likely harm, after investigation and consultation with law enforcement'),
  },
  {
    code: 'US-DE',
    statute: '6 Del. C. 12B-101 to -104',
    zone: 'America/New_York',
    residents: { timing: determination(60), citation: '6 Del. C. 12B-102(c)' },
    regulators: [ag('6 Del. C. 12B-102(d)', withResidents('not later than the residents'), over(500))],
    elements: [...CORE, 'passport', 'online-credentials', 'medical', 'genetic', 'health-insurance', 'biometric', 'tax-id'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('6 Del. C. 12B-102(a)', 'not reasonably likely to result in harm'),
  },
  {
    code: 'US-DC',
    statute: 'D.C. Code 28-3851 to -3853',
    zone: 'America/New_York',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'D.C. Code 28-3852(a)' },
    regulators: [
      {
        ...ag('D.C. Code 28-3852(b-1)', withResidents('not later than the residents'), atLeast(50)),
        who: 'the Office of the Attorney General for the District of Columbia',
      },
    ],
    creditBureaus: bureaus('D.C. Code 28-3852(c)', over(1000)),
    elements: [...CORE, 'tax-id', 'passport', 'medical', 'genetic', 'health-insurance', 'biometric', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: {
      ...harm('D.C. Code 28-3852(a-1)', 'not likely to result in harm, after a reasonable investigation'),
      tell: {
        who: 'the Attorney General and federal law enforcement (consulted before relying on the exception)',
        timing: expedient('consulted before the determination is relied on'),
        citation: 'D.C. Code 28-3852(a-1)(2)',
      },
    },
  },
  {
    code: 'US-FL',
    statute: 'Fla. Stat. 501.171',
    zone: 'America/New_York',
    // 15 more days on good cause given in writing to the Department within the 30 (501.171(4)(a)): not assumed.
    residents: { timing: determination(30), citation: 'Fla. Stat. 501.171(4)(a)' },
    regulators: [
      {
        ...ag('Fla. Stat. 501.171(3)(a)', determination(30), atLeast(500)),
        who: 'the Department of Legal Affairs',
      },
    ],
    creditBureaus: bureaus('Fla. Stat. 501.171(5)', over(1000)),
    elements: [...CORE, 'passport', 'medical', 'health-insurance', 'biometric', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: {
      ...harm('Fla. Stat. 501.171(4)(c)', 'not reasonably likely to result in identity theft or other financial harm', 5),
      tell: { who: 'the Department of Legal Affairs (the written determination)', timing: determination(30), citation: 'Fla. Stat. 501.171(4)(c)' },
    },
  },
  {
    code: 'US-GA',
    statute: 'O.C.G.A. 10-1-910 to -912',
    zone: 'America/New_York',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'O.C.G.A. 10-1-912(a)' },
    creditBureaus: bureaus('O.C.G.A. 10-1-912(d)', over(10000)),
    elements: [...CORE, 'online-credentials'],
    safeHarbour: 'encryption',
  },
  {
    code: 'US-HI',
    statute: 'HRS 487N-1 to -4',
    zone: 'Pacific/Honolulu',
    residents: { timing: expedient(), citation: 'HRS 487N-2(a)' },
    regulators: [
      {
        id: 'consumer-protection',
        who: 'the Office of Consumer Protection',
        recipient: 'regulator',
        threshold: over(1000),
        timing: expedient('without unreasonable delay'),
        citation: 'HRS 487N-2(f)',
      },
    ],
    creditBureaus: bureaus('HRS 487N-2(f)', over(1000)),
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('HRS 487N-1 ("security breach")', 'no risk of harm'),
  },
  {
    code: 'US-ID',
    statute: 'Idaho Code 28-51-104 to -107',
    zone: 'America/Boise',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'Idaho Code 28-51-105(1)' },
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('Idaho Code 28-51-105(1)', 'misuse has not occurred and is not reasonably likely'),
  },
  {
    code: 'US-IL',
    statute: '815 ILCS 530',
    zone: 'America/Chicago',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: '815 ILCS 530/10(a)' },
    regulators: [ag('815 ILCS 530/10(e)', withResidents('no later than the residents'), over(500))],
    elements: [...CORE, 'medical', 'health-insurance', 'biometric', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
  },
  {
    code: 'US-IN',
    statute: 'Ind. Code 24-4.9-3',
    zone: 'America/Indiana/Indianapolis',
    // HEA 1351 (2022): without unreasonable delay, at most 45 days after discovery.
    residents: { timing: discovery(45), citation: 'Ind. Code 24-4.9-3-3(a)' },
    regulators: [ag('Ind. Code 24-4.9-3-1(c)', discovery(45))],
    creditBureaus: bureaus('Ind. Code 24-4.9-3-1(b)', over(1000)),
    elements: CORE,
    alone: ['government-id'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('Ind. Code 24-4.9-3-1(a)', 'no identity deception, identity theft or fraud has resulted or could result'),
    deemedCompliance: { regimes: ['hipaa', 'glba'], regulatorStill: false, citation: 'Ind. Code 24-4.9-3-3.5' },
  },
  {
    code: 'US-IA',
    statute: 'Iowa Code 715C',
    zone: 'America/Chicago',
    residents: { timing: expedient('in the most expeditious manner possible and without unreasonable delay'), citation: 'Iowa Code 715C.2(1)' },
    regulators: [
      {
        ...ag('Iowa Code 715C.2(8)', afterResidents(5, 'business-days'), over(500)),
        who: 'the Consumer Protection Division of the Attorney General',
      },
    ],
    elements: [...CORE, 'biometric'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('Iowa Code 715C.2(6)', 'no reasonable likelihood of financial harm', 5),
  },
  {
    code: 'US-KS',
    statute: 'K.S.A. 50-7a01, 50-7a02',
    zone: 'America/Chicago',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'K.S.A. 50-7a02(a)' },
    creditBureaus: bureaus('K.S.A. 50-7a02(f)', over(1000)),
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('K.S.A. 50-7a02(a)', 'misuse has not occurred and is not reasonably likely'),
  },
  {
    code: 'US-KY',
    statute: 'KRS 365.732',
    zone: 'America/New_York',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'KRS 365.732(2)' },
    creditBureaus: bureaus('KRS 365.732(7)', over(1000)),
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('KRS 365.732(1)(a)', 'identity theft or fraud not likely'),
  },
  {
    code: 'US-LA',
    statute: 'La. R.S. 51:3071-3077',
    zone: 'America/Chicago',
    residents: { timing: discovery(60), citation: 'La. R.S. 51:3074(E)' },
    regulators: [
      {
        ...ag('La. R.S. 51:3074(I); LAC 16:III.701', afterResidents(10)),
        who: 'the Consumer Protection Section of the Attorney General',
      },
    ],
    elements: [...CORE, 'passport', 'biometric'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('La. R.S. 51:3074(I)', 'no reasonable likelihood of harm', 5),
  },
  {
    code: 'US-ME',
    statute: '10 M.R.S. 1346-1350-B',
    zone: 'America/New_York',
    // 30 days after becoming aware of the breach and identifying its scope: the determination.
    residents: { timing: determination(30), citation: '10 M.R.S. 1348(1)' },
    regulators: [
      {
        ...ag('10 M.R.S. 1348(5)', expedient('no time in the law')),
        who: 'the Attorney General (or the Department of Professional and Financial Regulation, for the businesses it regulates)',
      },
    ],
    creditBureaus: bureaus('10 M.R.S. 1348(4)', over(1000)),
    elements: [...CORE, 'online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('10 M.R.S. 1348(1)', 'misuse has not occurred and is not reasonably possible'),
  },
  {
    code: 'US-MD',
    statute: 'Md. Code, Com. Law 14-3501 to -3508',
    zone: 'America/New_York',
    // HB 962 (2022): 45 days after the business discovers or is notified of the breach.
    residents: { timing: discovery(45), citation: 'Md. Code, Com. Law 14-3504(c)(2)' },
    regulators: [ag('Md. Code, Com. Law 14-3504(h)', withResidents('prior to the residents'))],
    creditBureaus: bureaus('Md. Code, Com. Law 14-3506', atLeast(1000)),
    elements: [...CORE, 'tax-id', 'passport', 'medical', 'health-insurance', 'biometric', 'genetic', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('Md. Code, Com. Law 14-3504(b)(4)', 'misuse not reasonably likely, after a reasonable investigation'),
  },
  {
    code: 'US-MA',
    statute: 'M.G.L. c. 93H',
    zone: 'America/New_York',
    residents: { timing: expedient('as soon as practicable and without unreasonable delay'), citation: 'M.G.L. c. 93H 3(b)' },
    regulators: [
      ag('M.G.L. c. 93H 3(b)', expedient('as soon as practicable and without unreasonable delay')),
      {
        id: 'consumer-affairs',
        who: 'the Office of Consumer Affairs and Business Regulation',
        recipient: 'regulator',
        timing: expedient('as soon as practicable and without unreasonable delay'),
        citation: 'M.G.L. c. 93H 3(b)',
      },
    ],
    creditBureaus: bureaus('M.G.L. c. 93H 3(b) (the agencies the Office identifies)'),
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('M.G.L. c. 93H 1 ("breach of security")', 'no substantial risk of identity theft or fraud'),
  },
  {
    code: 'US-MI',
    statute: 'MCL 445.63, 445.72',
    zone: 'America/Detroit',
    residents: { timing: expedient(), citation: 'MCL 445.72(4)' },
    creditBureaus: bureaus('MCL 445.72(8)', atLeast(1000)),
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('MCL 445.72(1)', 'not likely to cause substantial loss or injury or identity theft'),
  },
  {
    code: 'US-MN',
    statute: 'Minn. Stat. 325E.61',
    zone: 'America/Chicago',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'Minn. Stat. 325E.61 subd. 1(a)' },
    creditBureaus: bureaus('Minn. Stat. 325E.61 subd. 2', over(500), discovery(48, 'hours')),
    elements: CORE,
    safeHarbour: 'encryption',
  },
  {
    code: 'US-MS',
    statute: 'Miss. Code 75-24-29',
    zone: 'America/Chicago',
    residents: { timing: expedient(), citation: 'Miss. Code 75-24-29(3)' },
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('Miss. Code 75-24-29(3)', 'not reasonably likely to result in harm'),
  },
  {
    code: 'US-MO',
    statute: 'Mo. Rev. Stat. 407.1500',
    zone: 'America/Chicago',
    residents: { timing: expedient(), citation: 'Mo. Rev. Stat. 407.1500(2)(1)' },
    regulators: [ag('Mo. Rev. Stat. 407.1500(2)(8)', expedient(), over(1000))],
    creditBureaus: bureaus('Mo. Rev. Stat. 407.1500(2)(8)', over(1000)),
    elements: [...CORE, 'medical', 'health-insurance'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('Mo. Rev. Stat. 407.1500(2)(5)', 'no reasonable likelihood of identity theft or fraud', 5),
  },
  {
    code: 'US-MT',
    statute: 'Mont. Code 30-14-1704',
    zone: 'America/Denver',
    residents: { timing: expedient(), citation: 'Mont. Code 30-14-1704(1)' },
    regulators: [
      {
        ...ag('Mont. Code 30-14-1704(8)', withResidents('simultaneously with the residents')),
        who: 'the Office of Consumer Protection (electronic copy of the notice)',
      },
    ],
    elements: [...CORE, 'medical', 'tax-id'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('Mont. Code 30-14-1704(4)(a)', 'has not caused and is not reasonably believed to cause loss or injury'),
  },
  {
    code: 'US-NE',
    statute: 'Neb. Rev. Stat. 87-801 to -808',
    zone: 'America/Chicago',
    residents: { timing: expedient('as soon as possible and without unreasonable delay'), citation: 'Neb. Rev. Stat. 87-803(1)' },
    regulators: [ag('Neb. Rev. Stat. 87-803(2)', withResidents('not later than the residents'))],
    elements: [...CORE, 'biometric', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('Neb. Rev. Stat. 87-803(1)', 'use for an unauthorized purpose has not occurred and is not reasonably likely'),
  },
  {
    code: 'US-NV',
    statute: 'NRS 603A.010-.290',
    zone: 'America/Los_Angeles',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'NRS 603A.220(1)' },
    creditBureaus: bureaus('NRS 603A.220(6)', over(1000)),
    elements: [...CORE, 'medical', 'health-insurance', 'online-credentials'],
    safeHarbour: 'encryption',
    deemedCompliance: { regimes: ['glba'], regulatorStill: false, citation: 'NRS 603A.220(5)' },
  },
  {
    code: 'US-NH',
    statute: 'RSA 359-C:19 to -21',
    zone: 'America/New_York',
    residents: { timing: expedient('as quickly as possible'), citation: 'RSA 359-C:20(I)(a)' },
    regulators: [
      {
        ...ag('RSA 359-C:20(I)(b)', expedient('no time in the law; the notice states when the residents will be told')),
        who: 'the Attorney General (or the primary regulator, for regulated trades)',
      },
    ],
    creditBureaus: bureaus('RSA 359-C:20(VI)', over(1000)),
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('RSA 359-C:20(I)(a)', 'misuse has not occurred and is not reasonably likely'),
  },
  {
    code: 'US-NJ',
    statute: 'N.J.S.A. 56:8-161 to -166',
    zone: 'America/New_York',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'N.J.S.A. 56:8-163(a)' },
    regulators: [
      {
        id: 'state-police',
        who: 'the Division of State Police',
        recipient: 'regulator',
        timing: withResidents('prior to the residents'),
        citation: 'N.J.S.A. 56:8-163(c)(1)',
      },
    ],
    creditBureaus: bureaus('N.J.S.A. 56:8-163(f)', over(1000)),
    elements: [...CORE, 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('N.J.S.A. 56:8-163(a)', 'misuse not reasonably possible', 5),
  },
  {
    code: 'US-NM',
    statute: 'N.M. Stat. 57-12C-1 to -12',
    zone: 'America/Denver',
    residents: { timing: discovery(45), citation: 'N.M. Stat. 57-12C-6(A)' },
    regulators: [ag('N.M. Stat. 57-12C-10', discovery(45), over(1000))],
    creditBureaus: bureaus('N.M. Stat. 57-12C-10', over(1000), discovery(45)),
    elements: [...CORE, 'biometric'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('N.M. Stat. 57-12C-6(C)', 'no significant risk of identity theft or fraud'),
  },
  {
    code: 'US-NY',
    statute: 'N.Y. Gen. Bus. Law 899-aa',
    zone: 'America/New_York',
    // S2659-B (2024): within 30 days after discovery; only a law-enforcement delay remains.
    residents: { timing: discovery(30), citation: 'N.Y. Gen. Bus. Law 899-aa(2) as amended by L. 2024, S2659-B' },
    regulators: [
      ag('N.Y. Gen. Bus. Law 899-aa(8)(a)', expedient('no time in the law (timing, content and distribution of the notices)')),
      {
        id: 'department-of-state',
        who: 'the Department of State',
        recipient: 'regulator',
        timing: expedient('no time in the law (timing, content and distribution of the notices)'),
        citation: 'N.Y. Gen. Bus. Law 899-aa(8)(a)',
      },
      {
        id: 'state-police',
        who: 'the Division of State Police',
        recipient: 'regulator',
        timing: expedient('no time in the law (timing, content and distribution of the notices)'),
        citation: 'N.Y. Gen. Bus. Law 899-aa(8)(a)',
      },
      {
        id: 'financial-services',
        who: 'the Department of Financial Services',
        recipient: 'regulator',
        timing: expedient('no time in the law (timing, content and distribution of the notices)'),
        citation: 'N.Y. Gen. Bus. Law 899-aa(8)(a) as amended by L. 2024, S2659-B',
      },
    ],
    creditBureaus: bureaus('N.Y. Gen. Bus. Law 899-aa(8)(b)', over(5000)),
    elements: [...CORE, 'biometric', 'medical', 'health-insurance', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
  },
  {
    code: 'US-NC',
    statute: 'N.C.G.S. 75-61, 75-65',
    zone: 'America/New_York',
    residents: { timing: expedient(), citation: 'N.C.G.S. 75-65(a)' },
    regulators: [
      {
        ...ag('N.C.G.S. 75-65(e1)', expedient()),
        who: 'the Consumer Protection Division of the Attorney General',
      },
    ],
    creditBureaus: bureaus('N.C.G.S. 75-65(f)', over(1000)),
    elements: [...CORE, 'tax-id', 'passport', 'biometric'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('N.C.G.S. 75-61(14)', 'no illegal use and no material risk of harm'),
  },
  {
    code: 'US-ND',
    statute: 'N.D.C.C. 51-30',
    zone: 'America/Chicago',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'N.D.C.C. 51-30-02' },
    regulators: [ag('N.D.C.C. 51-30-02', expedient('in the most expedient time possible and without unreasonable delay'), over(250))],
    elements: [...CORE, 'date-of-birth', 'medical', 'health-insurance'],
    safeHarbour: 'encryption',
  },
  {
    code: 'US-OH',
    statute: 'Ohio Rev. Code 1349.19',
    zone: 'America/New_York',
    residents: { timing: discovery(45), citation: 'Ohio Rev. Code 1349.19(B)(2)' },
    creditBureaus: bureaus('Ohio Rev. Code 1349.19(G)', over(1000)),
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('Ohio Rev. Code 1349.19(B)(1)', 'no material risk of identity theft or other fraud'),
  },
  {
    code: 'US-OK',
    statute: '24 O.S. 161-166',
    zone: 'America/Chicago',
    residents: { timing: expedient(), citation: '24 O.S. 163(A)' },
    // SB 626 (2025), for breaches discovered from 2026-01-01: 500 residents (1,000 for a credit bureau).
    regulators: [{ ...ag('24 O.S. 163(E) as amended by SB 626 (2025)', afterResidents(60), atLeast(500)), since: '2026-01-01' }],
    elements: [...CORE, 'biometric'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('24 O.S. 163(A)', 'identity theft or fraud has not been caused and is not reasonably likely'),
    deemedCompliance: { regimes: ['hipaa'], regulatorStill: true, citation: '24 O.S. 164 as amended by SB 626 (2025)' },
  },
  {
    code: 'US-OR',
    statute: 'ORS 646A.600-.628',
    zone: 'America/Los_Angeles',
    residents: { timing: discovery(45), citation: 'ORS 646A.604(3)' },
    regulators: [ag('ORS 646A.604(1)(b)', discovery(45), over(250))],
    creditBureaus: bureaus('ORS 646A.604(6)', over(1000)),
    elements: [...CORE, 'passport', 'biometric', 'health-insurance', 'medical', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('ORS 646A.604(8)', 'no reasonable likelihood of harm, after investigation or consultation with law enforcement', 5),
  },
  {
    code: 'US-PA',
    statute: '73 P.S. 2301-2330',
    zone: 'America/New_York',
    residents: { timing: expedient(), citation: '73 P.S. 2303(a)' },
    // Act 33 of 2024: the Attorney General, concurrently, above 500 residents.
    regulators: [ag('73 P.S. 2303(a.1) as amended by Act 33 of 2024', withResidents('concurrently with the residents'), over(500))],
    creditBureaus: bureaus('73 P.S. 2305 as amended by Act 33 of 2024', over(500)),
    elements: [...CORE, 'health-insurance', 'online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('73 P.S. 2302 ("breach of the security of the system")', 'has not caused and is not reasonably believed to cause loss or injury'),
  },
  {
    code: 'US-RI',
    statute: 'R.I. Gen. Laws 11-49.3-1 to -6',
    zone: 'America/New_York',
    // 45 calendar days after confirmation of the breach: the determination.
    residents: { timing: determination(45), citation: 'R.I. Gen. Laws 11-49.3-4(a)(2)' },
    regulators: [ag('R.I. Gen. Laws 11-49.3-4(a)(2)', withResidents('without delaying the residents'), over(500))],
    creditBureaus: bureaus('R.I. Gen. Laws 11-49.3-4(a)(2)', over(500)),
    elements: [...CORE, 'medical', 'health-insurance', 'online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('R.I. Gen. Laws 11-49.3-4(a)(1)', 'no significant risk of identity theft'),
  },
  {
    code: 'US-SC',
    statute: 'S.C. Code 39-1-90',
    zone: 'America/New_York',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'S.C. Code 39-1-90(A)' },
    regulators: [
      {
        id: 'consumer-affairs',
        who: 'the Consumer Protection Division of the Department of Consumer Affairs',
        recipient: 'regulator',
        threshold: over(1000),
        timing: expedient(),
        citation: 'S.C. Code 39-1-90(K)',
      },
    ],
    creditBureaus: bureaus('S.C. Code 39-1-90(K)', over(1000)),
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('S.C. Code 39-1-90(A)', 'illegal use has not occurred and is not reasonably likely, and no material risk of harm'),
  },
  {
    code: 'US-SD',
    statute: 'SDCL 22-40-19 to -26',
    zone: 'America/Chicago',
    residents: { timing: discovery(60), citation: 'SDCL 22-40-20' },
    regulators: [ag('SDCL 22-40-20', expedient('no separate time in the law'), over(250))],
    creditBureaus: bureaus('SDCL 22-40-24'),
    elements: [...CORE, 'medical', 'biometric', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: {
      ...harm('SDCL 22-40-20', 'not reasonably likely to result in harm', 3),
      tell: {
        who: 'the Attorney General (before relying on the exception)',
        timing: expedient('before the exception is relied on'),
        citation: 'SDCL 22-40-20',
      },
    },
  },
  {
    code: 'US-TN',
    statute: 'Tenn. Code 47-18-2107',
    zone: 'America/Chicago',
    residents: { timing: discovery(45), citation: 'Tenn. Code 47-18-2107(b)' },
    creditBureaus: bureaus('Tenn. Code 47-18-2107(g)', over(1000)),
    elements: CORE,
    safeHarbour: 'encryption',
  },
  {
    code: 'US-TX',
    statute: 'Tex. Bus. & Com. Code 521.053',
    zone: 'America/Chicago',
    residents: { timing: determination(60), citation: 'Tex. Bus. & Com. Code 521.053(b)' },
    // SB 768 (2023): 250 or more Texans, not later than the 30th day after the determination.
    regulators: [ag('Tex. Bus. & Com. Code 521.053(i)', determination(30), atLeast(250))],
    creditBureaus: bureaus('Tex. Bus. & Com. Code 521.053(h)', over(10000)),
    elements: [...CORE, 'medical', 'health-insurance'],
    safeHarbour: 'encryption',
  },
  {
    code: 'US-UT',
    statute: 'Utah Code 13-44-101 to -301',
    zone: 'America/Denver',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'Utah Code 13-44-202(2)' },
    regulators: [
      ag('Utah Code 13-44-202(1)(b)', expedient('no time in the law'), atLeast(500)),
      {
        id: 'cyber-center',
        who: 'the Utah Cyber Center',
        recipient: 'regulator',
        threshold: atLeast(500),
        timing: expedient('no time in the law'),
        citation: 'Utah Code 13-44-202(1)(b)',
      },
    ],
    creditBureaus: bureaus('Utah Code 13-44-202(1)(c)', atLeast(1000)),
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('Utah Code 13-44-202(1)(a)', 'misuse for identity theft or fraud has not occurred and is not reasonably likely'),
  },
  {
    code: 'US-VT',
    statute: '9 V.S.A. 2430, 2435',
    zone: 'America/New_York',
    residents: { timing: discovery(45), citation: '9 V.S.A. 2435(b)(1)' },
    regulators: [
      {
        id: 'attorney-general',
        who: 'the Attorney General (or the Department of Financial Regulation, for the businesses it regulates): preliminary notice',
        recipient: 'attorney-general',
        // 14 business days of discovery, or when the consumers are told, whichever is sooner.
        timing: discovery(14, 'business-days'),
        citation: '9 V.S.A. 2435(b)(3)',
      },
      {
        id: 'attorney-general-follow-up',
        who: 'the Attorney General: the number of residents and a copy of the notice',
        recipient: 'attorney-general',
        timing: withResidents('when the consumers are notified'),
        citation: '9 V.S.A. 2435(b)(3)(B)',
      },
    ],
    creditBureaus: bureaus('9 V.S.A. 2435(c)', over(1000)),
    elements: [...CORE, 'tax-id', 'passport', 'biometric', 'genetic', 'medical', 'health-insurance', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: {
      ...harm('9 V.S.A. 2435(d)', 'misuse is not reasonably possible'),
      tell: {
        who: 'the Attorney General or the Department of Financial Regulation (the determination and its explanation)',
        timing: expedient('with the determination'),
        citation: '9 V.S.A. 2435(d)(1)',
      },
    },
  },
  {
    code: 'US-VA',
    statute: 'Va. Code 18.2-186.6',
    zone: 'America/New_York',
    residents: { timing: expedient(), citation: 'Va. Code 18.2-186.6(B)' },
    regulators: [ag('Va. Code 18.2-186.6(B), (E)', expedient())],
    creditBureaus: bureaus('Va. Code 18.2-186.6(E)', over(1000)),
    elements: [...CORE, 'passport'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('Va. Code 18.2-186.6(B)', 'identity theft or fraud is not reasonably believed to result'),
  },
  {
    code: 'US-WA',
    statute: 'RCW 19.255',
    zone: 'America/Los_Angeles',
    residents: { timing: discovery(30), citation: 'RCW 19.255.010(8)' },
    regulators: [ag('RCW 19.255.010(7)', discovery(30), over(500))],
    elements: [...CORE, 'date-of-birth', 'passport', 'health-insurance', 'medical', 'biometric', 'online-credentials'],
    alone: ['online-credentials'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('RCW 19.255.010(1)', 'not reasonably likely to subject consumers to a risk of harm'),
  },
  {
    code: 'US-WV',
    statute: 'W. Va. Code 46A-2A-101 to -105',
    zone: 'America/New_York',
    residents: { timing: expedient(), citation: 'W. Va. Code 46A-2A-102(a)' },
    creditBureaus: bureaus('W. Va. Code 46A-2A-102(d)', over(1000)),
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('W. Va. Code 46A-2A-102(a)', 'identity theft or fraud is not reasonably believed to result'),
  },
  {
    code: 'US-WI',
    statute: 'Wis. Stat. 134.98',
    zone: 'America/Chicago',
    residents: { timing: discovery(45), citation: 'Wis. Stat. 134.98(3)(a)' },
    creditBureaus: bureaus('Wis. Stat. 134.98(2)(br)', over(1000)),
    elements: [...CORE, 'genetic', 'biometric'],
    safeHarbour: 'encryption',
    riskOfHarm: harm('Wis. Stat. 134.98(2)(cm)', 'no material risk of identity theft or fraud'),
  },
  {
    code: 'US-WY',
    statute: 'Wyo. Stat. 40-12-501, -502',
    zone: 'America/Denver',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: 'Wyo. Stat. 40-12-502(a)' },
    elements: [...CORE, 'online-credentials', 'medical', 'health-insurance', 'biometric', 'tax-id'],
    // The safe harbour covers redacted data; encryption is not expressly addressed (40-12-501(a)(vii)).
    safeHarbour: 'redacted-only',
    riskOfHarm: harm('Wyo. Stat. 40-12-502(a)', 'misuse has not occurred and is not reasonably likely'),
  },
  {
    code: 'US-PR',
    statute: '10 L.P.R.A. 4051-4055 (Law 111-2005)',
    zone: 'America/Puerto_Rico',
    residents: { timing: expedient('as expeditiously as possible'), citation: '10 L.P.R.A. 4052' },
    regulators: [
      {
        id: 'consumer-affairs',
        who: 'the Department of Consumer Affairs (DACO)',
        recipient: 'regulator',
        // Non-extendable: 10 days after the breach is detected. DACO announces it publicly within 24 hours.
        timing: discovery(10),
        citation: '10 L.P.R.A. 4052; DACO Regulation 7207',
      },
    ],
    elements: [...CORE, 'online-credentials', 'medical', 'tax-id'],
    safeHarbour: 'encryption',
  },
  {
    code: 'US-GU',
    statute: '9 G.C.A. 48.10-48.80',
    zone: 'Pacific/Guam',
    residents: { timing: expedient(), citation: '9 G.C.A. 48.30(a)' },
    elements: CORE,
    safeHarbour: 'encryption',
    riskOfHarm: harm('9 G.C.A. 48.30(a)', 'identity theft or fraud is not reasonably believed to result'),
  },
  {
    code: 'US-VI',
    statute: '14 V.I.C. 2208-2212',
    zone: 'America/St_Thomas',
    residents: { timing: expedient('in the most expedient time possible and without unreasonable delay'), citation: '14 V.I.C. 2208(a)' },
    elements: CORE,
    // Personal information is unencrypted data (14 V.I.C. 2208(d)).
    safeHarbour: 'encryption',
  },
]);

/** Where the law gives no days: Breachline's internal target, 30 days from the determination (the shortest fixed state clock). */
export const EXPEDIENT_TARGET_DAYS = 30;

const DAYS_AFTER = { startDayCounts: false, rollForward: false } as const;
const BUSINESS_CALENDARS: Partial<Record<string, DayCounting['calendar']>> = { 'US-VT': 'US-VT', 'US-IA': 'US-IA' };

type Clock = Pick<ObligationRule, 'start' | 'duration' | 'counting' | 'guidance' | 'internalTarget' | 'guidanceReason'>;

function countingFor(code: string, unit: z.infer<typeof Unit>): DayCounting | undefined {
  if (unit === 'hours') return undefined;
  if (unit === 'calendar-days') return DAYS_AFTER;
  return { ...DAYS_AFTER, calendar: BUSINESS_CALENDARS[code] ?? 'US-federal' };
}

const from = (start: 'discovery' | 'determination'): ClockStart => (start === 'discovery' ? 'awareness' : 'determination');

/** The clock of one notice; `residents` is the residents' clock, for the notices tied to it. */
function clockOf(code: string, timing: Timing, residents?: Clock): Clock {
  const duration = (amount: number, unit: z.infer<typeof Unit>): Duration => ({ amount, unit });
  switch (timing.kind) {
    case 'fixed':
      return { start: from(timing.from), duration: duration(timing.amount, timing.unit), counting: countingFor(code, timing.unit), guidance: false };
    case 'after-residents':
      return { start: { after: 'residents' }, duration: duration(timing.amount, timing.unit), counting: countingFor(code, timing.unit), guidance: false };
    case 'with-residents':
      return residents!.guidance
        ? { ...residents!, guidanceReason: `"${timing.words}": due with the residents’ notice, which has no days in the law` }
        : residents!;
    case 'expedient': {
      const base = residents && !residents.guidance ? residents : undefined;
      return {
        ...(base ?? { start: 'determination', duration: duration(EXPEDIENT_TARGET_DAYS, 'calendar-days'), counting: DAYS_AFTER }),
        guidance: true,
        internalTarget: true,
        guidanceReason: `"${timing.words}": no days in the law${base ? ', so with the residents’ notice' : ''}`,
      };
    }
  }
}

/** The territories have ISO 3166-1 codes of their own besides their ISO 3166-2:US ones: either names the same place. */
const TERRITORY_COUNTRY_CODES: Partial<Record<string, string>> = { 'US-PR': 'PR', 'US-GU': 'GU', 'US-VI': 'VI' };

const thresholdWords = (threshold: z.infer<typeof Threshold> | undefined) =>
  threshold &&
  `${threshold.inclusive ? `${threshold.count.toLocaleString('en-US')} or more` : `more than ${threshold.count.toLocaleString('en-US')}`} residents`;

function thresholdTest(code: string, threshold: z.infer<typeof Threshold> | undefined, facts: Facts): Verdict {
  if (!threshold) return applies();
  const words = `${threshold.inclusive ? `${threshold.count} or more` : `more than ${threshold.count}`} residents of ${code}`;
  const alias = TERRITORY_COUNTRY_CODES[code];
  const head = alias && facts.affectedByJurisdiction?.[alias] !== undefined ? headCountIn(facts, alias) : headCountIn(facts, code);
  const test = meets(head, (n) => (threshold.inclusive ? n >= threshold.count : n > threshold.count), words);
  return test.met ? applies(test.why) : notApplicable(`below the threshold: ${test.why}`);
}

const conditionOf = (...parts: (string | undefined)[]) => {
  const words = parts.filter(Boolean).join(', ');
  return words ? { condition: words } : {};
};

const FEDERAL = { hipaa: ['hipaa-covered-entity', 'hipaa-business-associate'], glba: ['glba-financial-institution'] } as const;

/** Validates one row of the table: throws InvalidInput naming the state, each field and the reason. */
export const checkStateLaw = (law: StateLaw) => parseOrExplain(StateLaw, law, `US state law ${law.code}`);

/** A rule pack from one row of the table, validated by checkStateLaw once per process (validateRuleTables), not here: see defineRulePack. */
export function statePack(input: StateLaw): RulePack {
  const law = { ...input, regulators: input.regulators ?? [], alone: input.alone ?? [] };
  const { code, statute } = law;
  const names = [code, ...(TERRITORY_COUNTRY_CODES[code] ? [TERRITORY_COUNTRY_CODES[code]] : [])];
  const residentsClock = clockOf(code, law.residents.timing);
  const noHarm = (facts: Facts): Verdict =>
    facts.harmUnlikelyDocumented && law.riskOfHarm
      ? notApplicable(
          `${law.riskOfHarm.citation}: a documented determination that the breach is ${law.riskOfHarm.standard} (harmUnlikelyDocumented: true)${law.riskOfHarm.keepYears ? `; keep it ${law.riskOfHarm.keepYears} years` : ''}`,
        )
      : applies(...(facts.harmUnlikelyDocumented ? [`${statute} has no risk-of-harm exception: notice is due whatever the assessment`] : []));
  const deemed = (facts: Facts): string | undefined => {
    const d = law.deemedCompliance;
    const sectors = d?.regimes.flatMap((r) => FEDERAL[r].filter((s) => hasSector(facts, s)));
    return d && sectors?.length ? `${d.citation}: deemed to comply by notifying under its federal regime (sectors: ${sectors.join(', ')})` : undefined;
  };
  const since = (day: string | undefined, facts: Facts): Verdict =>
    day && facts.awareAt.slice(0, 10) < day ? notApplicable(`a duty for breaches discovered from ${day} (awareAt ${facts.awareAt})`) : applies();
  const all =
    (...verdicts: ((facts: Facts) => Verdict)[]) =>
    (facts: Facts): Verdict => {
      const why: string[] = [];
      for (const verdict of verdicts) {
        const v = verdict(facts);
        if (!v.applies) return v;
        why.push(...v.why);
      }
      return applies(...why);
    };

  const rules: ObligationRule[] = [
    {
      id: 'residents',
      title: `Notify the ${code} residents affected`,
      recipient: 'individuals',
      kind: 'single',
      citation: law.residents.citation,
      ...residentsClock,
      appliesWhen: all(noHarm, (facts) => {
        const why = deemed(facts);
        return why ? notApplicable(why) : applies();
      }),
    },
    ...law.regulators.map((notice): ObligationRule => ({
      id: notice.id,
      title: `Notify ${notice.who}`,
      recipient: notice.recipient,
      kind: 'single',
      citation: notice.citation,
      ...clockOf(code, notice.timing, residentsClock),
      ...conditionOf(thresholdWords(notice.threshold), notice.since && `discovered from ${notice.since}`),
      ...(notice.notLaterThan
        ? {
            notLaterThan: {
              start: from(notice.notLaterThan.from),
              duration: { amount: notice.notLaterThan.amount, unit: 'calendar-days' },
              counting: DAYS_AFTER,
            },
          }
        : {}),
      appliesWhen: all(
        noHarm,
        (facts) => since(notice.since, facts),
        (facts) => thresholdTest(code, notice.threshold, facts),
        (facts) => {
          const why = deemed(facts);
          return why && !law.deemedCompliance!.regulatorStill ? notApplicable(why) : applies(...(why ? [`${why}; this notice is still due`] : []));
        },
      ),
    })),
    ...(law.creditBureaus
      ? [
          {
            id: 'consumer-reporting-agencies',
            title: 'Notify the nationwide consumer reporting agencies',
            recipient: 'consumer-reporting-agencies' as const,
            kind: 'single' as const,
            citation: law.creditBureaus.citation,
            ...clockOf(code, law.creditBureaus.timing, residentsClock),
            ...conditionOf(thresholdWords(law.creditBureaus.threshold)),
            appliesWhen: all(noHarm, (facts) => thresholdTest(code, law.creditBureaus!.threshold, facts)),
          },
        ]
      : []),
    ...(law.riskOfHarm?.tell
      ? [
          {
            id: 'no-harm-determination',
            title: `Send the no-harm determination to ${law.riskOfHarm.tell.who}`,
            recipient: 'attorney-general' as const,
            kind: 'single' as const,
            citation: law.riskOfHarm.tell.citation,
            ...clockOf(code, law.riskOfHarm.tell.timing),
            condition: 'the no-harm exception is relied on',
            appliesWhen: (facts: Facts) =>
              facts.harmUnlikelyDocumented
                ? applies(`${law.riskOfHarm!.tell!.citation}: the risk-of-harm exception is relied on (harmUnlikelyDocumented: true)`)
                : notApplicable('no documented no-harm determination (harmUnlikelyDocumented is not true)'),
          },
        ]
      : []),
  ];

  return defineRulePack({
    regime: code,
    name: statute,
    zone: law.zone,
    covers: (jurisdiction) => names.includes(jurisdiction),
    appliesWhen: (facts) => {
      const resident = names.some((name) => facts.jurisdictions.includes(name) || (facts.affectedByJurisdiction?.[name] ?? 0) > 0);
      if (!resident) return notApplicable(`no ${code} in jurisdictions`);
      const hit = law.elements.filter((e) => ELEMENT_CATEGORIES[e].some((c) => facts.dataCategories.includes(c)));
      if (hit.length === 0) {
        return notApplicable(
          `no personal information as ${statute} defines it (dataCategories: none of ${[...new Set(law.elements.flatMap((e) => ELEMENT_CATEGORIES[e]))].join(', ')})`,
        );
      }
      if (facts.encrypted && law.safeHarbour === 'encryption') return notApplicable(`encrypted, and the key was not acquired (${statute}; encrypted: true)`);
      const named = facts.dataCategories.includes('name');
      const elements = hit.map((e) => (law.alone.includes(e) ? `${e} (enough alone)` : e));
      return applies(
        `${statute}: residents of ${code} affected (jurisdictions), with ${elements.join(', ')} (dataCategories)`,
        ...(named || hit.some((e) => law.alone.includes(e))
          ? []
          : ['no name among dataCategories: assumed linkable to one, as a name may be with these elements']),
        ...(facts.encrypted && law.safeHarbour === 'redacted-only' ? [`${statute} exempts redacted data only: encryption does not lift the notice`] : []),
      );
    },
    rules,
  });
}

/** Every state pack, in the order of US_STATE_REGIMES: one row per code, none missing (checked as the module loads). */
export const US_STATE_PACKS: readonly RulePack[] = once.data(() => {
  const codes = STATE_LAWS.map((law) => law.code);
  if (codes.join() !== US_STATE_REGIMES.join()) throw new Error(`US state laws: expected one row for each of ${US_STATE_REGIMES.join(', ')} in that order`);
  return STATE_LAWS.map(statePack);
});
