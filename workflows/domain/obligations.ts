// Legal obligations computed from the facts: whom to tell, by when, and why. Pure and deterministic, so the
// workflow recomputes them in its sandbox on every change of facts. Each regime is a rule pack (regimes/):
// data validated by zod, with small predicates over the facts; assess() knows no regime by name.
import { z } from 'zod';
import { addDays, addMonths, addOpenDays, CALENDARS, type CalendarId, dayOf, endOfDay, inZone, rollForward } from './calendar';
import { type Facts, parseOrExplain } from './facts';
import { buildOnce } from '../built-once';

const once = buildOnce('domain/obligations');

/** Every US state, DC and the territories with a breach law: each is a rule pack of the same name (regimes/us-states.ts). */
export const US_STATE_REGIMES = [
  'US-AL',
  'US-AK',
  'US-AZ',
  'US-AR',
  'US-CA',
  'US-CO',
  'US-CT',
  'US-DE',
  'US-DC',
  'US-FL',
  'US-GA',
  'US-HI',
  'US-ID',
  'US-IL',
  'US-IN',
  'US-IA',
  'US-KS',
  'US-KY',
  'US-LA',
  'US-ME',
  'US-MD',
  'US-MA',
  'US-MI',
  'US-MN',
  'US-MS',
  'US-MO',
  'US-MT',
  'US-NE',
  'US-NV',
  'US-NH',
  'US-NJ',
  'US-NM',
  'US-NY',
  'US-NC',
  'US-ND',
  'US-OH',
  'US-OK',
  'US-OR',
  'US-PA',
  'US-RI',
  'US-SC',
  'US-SD',
  'US-TN',
  'US-TX',
  'US-UT',
  'US-VT',
  'US-VA',
  'US-WA',
  'US-WV',
  'US-WI',
  'US-WY',
  'US-PR',
  'US-GU',
  'US-VI',
] as const;

export const Regime = once(() =>
  z.enum([
    'JP-APPI',
    'JP-FSA',
    'JP-MHLW',
    'EU-GDPR',
    'UK-GDPR',
    'EU-NIS2',
    'EU-DORA',
    'US-HIPAA',
    'US-SEC',
    'US-NYDFS',
    ...US_STATE_REGIMES,
    'KR-PIPA',
    'SG-PDPA',
    'AU-NDB',
    'BR-LGPD',
    'IN-DPDP',
    'CN-PIPL',
    'CA-PIPEDA',
    'CA-QC',
    'CA-AB',
    'TH-PDPA',
    'PH-DPA',
    'ID-PDP',
    'VN-PDP',
    'MY-PDPA',
    'CH-FADP',
    'TR-KVKK',
    'ZA-POPIA',
    'SA-PDPL',
    'CL-PDP',
    'NZ-PRIVACY',
    'NG-NDPA',
    'KE-DPA',
  ]),
);
export type Regime = z.infer<typeof Regime>;
export const Recipient = once(() =>
  z.enum(['regulator', 'individuals', 'media', 'controller', 'covered-entity', 'attorney-general', 'public', 'consumer-reporting-agencies']),
);
export type Recipient = z.infer<typeof Recipient>;
export const ObligationKind = once(() => z.enum(['early-warning', 'notification', 'preliminary', 'intermediate', 'final', 'single']));
export type ObligationKind = z.infer<typeof ObligationKind>;

/** The event a clock starts at: a fact's instant, or the submission of an earlier obligation of the same pack. */
export const ClockStart = once(() =>
  z.union([
    z.enum(['awareness', 'determination', 'materiality-determination', 'classification-as-major', 'end-of-calendar-year']),
    z.strictObject({ after: z.string().describe("an earlier rule's id: the clock starts when that obligation is submitted") }),
  ]),
);
export type ClockStart = z.infer<typeof ClockStart>;

export const Duration = once(() =>
  z.strictObject({
    amount: z.number().int().positive(),
    unit: z.enum(['hours', 'calendar-days', 'business-days', 'months']),
  }),
);
export type Duration = z.infer<typeof Duration>;

export const DayCounting = once(() =>
  z.strictObject({
    /** True when the start day is day 1 (APPI guideline 3-5-3-4); false when day 1 is the day after ("30 days after"). */
    startDayCounts: z.boolean(),
    /** Roll a due day that falls on a closed day of `calendar` forward to its next open day. */
    rollForward: z.boolean(),
    calendar: z.enum(Object.keys(CALENDARS) as [CalendarId, ...CalendarId[]]).optional(),
  }),
);
export type DayCounting = z.infer<typeof DayCounting>;

export type Verdict = { applies: true; why: string[] } | { applies: false; reason: string };
export const applies = (...why: string[]): Verdict => ({ applies: true, why });
export const notApplicable = (reason: string): Verdict => ({ applies: false, reason });
const Predicate = once(() => z.custom<(facts: Facts) => Verdict>((value) => typeof value === 'function', 'expected a function (facts) => Verdict'));

export const ObligationRule = once(() =>
  z
    .strictObject({
      id: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
      title: z.string().min(1),
      recipient: Recipient,
      kind: ObligationKind,
      citation: z.string().min(1),
      /** True when the law sets no fixed time and the duration is the regulator's guidance or Breachline's internal target. */
      guidance: z.boolean(),
      /** True when no regulator guidance exists either: the duration is an internal target a deployment may change. */
      internalTarget: z.boolean().default(false),
      /** Why the time is guidance, in the law's words ("without unreasonable delay"): shown with how it was counted. */
      guidanceReason: z.string().min(1).optional(),
      start: ClockStart,
      duration: Duration,
      /** Other durations for some facts, the first that applies winning (APPI: 60 days when trigger 3 applies). */
      durationWhen: z.array(z.strictObject({ when: Predicate, duration: Duration })).default([]),
      counting: DayCounting.optional(),
      /** A second limit; the earlier of the two applies (DORA: 4 h after classification, at most 24 h after awareness). */
      notLaterThan: z.strictObject({ start: ClockStart, duration: Duration, counting: DayCounting.optional() }).optional(),
      /** A point to aim for before the due instant, from the regulator's guidance (APPI: day 3 of 3–5). */
      target: Duration.optional(),
      zone: z.string().optional(),
      /** Narrows the pack's own trigger for this obligation alone (HIPAA media notice: > 500 residents of a state). */
      appliesWhen: Predicate.optional(),
      /** appliesWhen in words, for the README's coverage table ("more than 500 residents"). */
      condition: z.string().min(1).optional(),
    })
    .superRefine((rule, ctx) => {
      const days = rule.duration.unit !== 'hours';
      if (days && !rule.counting) ctx.addIssue({ code: 'custom', path: ['counting'], message: `required for ${rule.duration.unit}` });
      if (!days && rule.counting) ctx.addIssue({ code: 'custom', path: ['counting'], message: 'hours are counted from the instant: no day counting' });
      const needsCalendar = rule.duration.unit === 'business-days' || rule.counting?.rollForward;
      if (needsCalendar && !rule.counting?.calendar)
        ctx.addIssue({ code: 'custom', path: ['counting', 'calendar'], message: 'business days and roll-forward need a calendar' });
      if (rule.internalTarget && !rule.guidance)
        ctx.addIssue({ code: 'custom', path: ['guidance'], message: 'an internal target is guidance, not a statutory limit' });
      if (rule.guidanceReason && !rule.guidance)
        ctx.addIssue({ code: 'custom', path: ['guidanceReason'], message: 'a statutory limit needs no guidance reason' });
      const cap = rule.notLaterThan;
      if (cap && cap.duration.unit !== 'hours' && !cap.counting)
        ctx.addIssue({ code: 'custom', path: ['notLaterThan', 'counting'], message: `required for ${cap.duration.unit}` });
    }),
);
export type ObligationRule = z.input<typeof ObligationRule>;

export const RulePack = once(() =>
  z
    .strictObject({
      regime: Regime,
      name: z.string().min(1),
      zone: z.string().min(1),
      /** Jurisdictions (facts.jurisdictions entries) whose law this pack evaluates; sector-only regimes cover none. */
      covers: z.custom<(jurisdiction: string) => boolean>((value) => typeof value === 'function'),
      appliesWhen: Predicate,
      rules: z.array(ObligationRule).min(1),
    })
    .superRefine((pack, ctx) => {
      const ids = pack.rules.map((r) => r.id);
      ids.forEach((id, i) => ids.indexOf(id) !== i && ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${id}"` }));
      pack.rules.forEach((rule, i) => {
        for (const start of [rule.start, rule.notLaterThan?.start]) {
          if (typeof start === 'object' && !ids.slice(0, i).includes(start.after)) {
            ctx.addIssue({ code: 'custom', path: ['rules', i, 'start'], message: `"${start.after}" is not an earlier rule of ${pack.regime}` });
          }
        }
      });
    }),
);
export type RulePack = z.output<typeof RulePack>;

const definedPacks: z.input<typeof RulePack>[] = [];

/**
 * A pack as its table writes it, with the schema's defaults filled in but not validated here: validating some 90
 * packs with zod each time a breach workflow evaluated the rule-pack modules was a third of the cost of starting or
 * replaying a breach (measured with bench/breaches.ts; the packs are now built once per workflow thread, see
 * workflows/built-once.ts). Each pack is validated once per process instead, by validateRulePacks: the
 * worker at start and the tests, so a malformed pack still fails every test and the worker. Same output as parsing
 * (test/rule-packs.test.ts compares them), so no breach's history changes.
 */
export const defineRulePack = (pack: z.input<typeof RulePack>): RulePack => {
  definedPacks.push(pack);
  return packWithDefaults(pack);
};

/** A pack with the schema's defaults filled in, unvalidated. */
export const packWithDefaults = (pack: z.input<typeof RulePack>): RulePack => ({ ...pack, rules: pack.rules.map(ruleWithDefaults) });

/** The packs this process has defined, as their tables wrote them. */
export const definedRulePacks = (): readonly z.input<typeof RulePack>[] => definedPacks;

/** ObligationRule's defaults, in the schema's key order (as parsing gives them). */
function ruleWithDefaults(rule: ObligationRule): z.output<typeof ObligationRule> {
  const withDefaults: Record<string, unknown> = { ...rule, internalTarget: rule.internalTarget ?? false, durationWhen: rule.durationWhen ?? [] };
  return Object.fromEntries(
    Object.keys(ObligationRule.shape)
      .filter((key) => withDefaults[key] !== undefined)
      .map((key) => [key, withDefaults[key]]),
  ) as z.output<typeof ObligationRule>;
}

/** Validates a pack as its table writes it: throws InvalidInput naming the pack, each field and the reason. */
export const checkRulePack = (pack: z.input<typeof RulePack>): RulePack => parseOrExplain(RulePack, pack, `rule pack ${String(pack.regime)}`);

/** Validates every pack this process has defined; returns how many. */
export function validateRulePacks(): number {
  definedPacks.forEach(checkRulePack);
  return definedPacks.length;
}

export interface Obligation {
  /** Stable across recomputation: "<regime>/<rule>". */
  id: string;
  regime: Regime;
  title: string;
  recipient: Recipient;
  kind: ObligationKind;
  citation: string;
  /** Epoch ms, UTC: the instant the clock started. */
  startAt: number;
  dueAt: number;
  targetAt?: number;
  guidance: boolean;
  internalTarget: boolean;
  zone: string;
  /** Which facts triggered which rule, with citations. */
  why: string[];
  /** How dueAt was counted: start, unit, convention, roll-forward applied or not. */
  counting: string;
}

export interface Assessment {
  obligations: Obligation[];
  /** Regimes or single obligations considered and found not to apply, with the reason: never a silent omission. */
  notApplicable: { regime: Regime; obligation?: string; reason: string }[];
  /** Jurisdictions Breachline has no rule pack for: their obligations are not computed, and the list says so. */
  unevaluated: { jurisdiction: string; reason: string }[];
}

export interface AssessOptions {
  /** When obligations were submitted (epoch ms), for clocks that start at an earlier obligation's submission. */
  submittedAt?: Readonly<Record<string, number>>;
  /** A deployment's own internal targets, by obligation id, for obligations the law and guidance leave open. */
  internalTargets?: Readonly<Record<string, Duration>>;
}

const HOUR_MS = 3_600_000;

interface Started {
  at: number;
  described: string;
}

type Resolved = { ok: true; start: Started } | { ok: false; reason: string };

function resolveStart(start: ClockStart, facts: Facts, zone: string, earlier: Map<string, Obligation>, options: AssessOptions, regime: Regime): Resolved {
  const at = (iso: string) => Date.parse(iso);
  const show = (ms: number) => inZone(ms, zone);
  if (typeof start === 'object') {
    const prior = earlier.get(start.after);
    if (!prior) return { ok: false, reason: `its clock starts at ${regime}/${start.after}, which does not apply` };
    const submitted = options.submittedAt?.[prior.id];
    return submitted !== undefined
      ? { ok: true, start: { at: submitted, described: `${prior.id} submitted ${show(submitted)}` } }
      : {
          ok: true,
          start: { at: prior.dueAt, described: `${prior.id} not yet submitted: counted from its due instant ${show(prior.dueAt)}, the latest it can start` },
        };
  }
  switch (start) {
    case 'awareness':
      return { ok: true, start: { at: at(facts.awareAt), described: `awareness ${show(at(facts.awareAt))}` } };
    case 'determination':
      return facts.determinedAt
        ? { ok: true, start: { at: at(facts.determinedAt), described: `determination ${show(at(facts.determinedAt))}` } }
        : {
            ok: true,
            start: {
              at: at(facts.awareAt),
              described: `determinedAt not known: counted from awareness ${show(at(facts.awareAt))}, the earliest a determination can be`,
            },
          };
    case 'materiality-determination':
      return facts.materialityDeterminedAt
        ? { ok: true, start: { at: at(facts.materialityDeterminedAt), described: `materiality determination ${show(at(facts.materialityDeterminedAt))}` } }
        : { ok: false, reason: 'no materiality determination yet (set materialityDeterminedAt when the incident is determined material)' };
    case 'classification-as-major':
      return facts.classifiedMajorAt
        ? { ok: true, start: { at: at(facts.classifiedMajorAt), described: `classification as major ${show(at(facts.classifiedMajorAt))}` } }
        : { ok: false, reason: 'not classified as major (set classifiedMajorAt when it is)' };
    case 'end-of-calendar-year': {
      const year = dayOf(at(facts.awareAt), zone).slice(0, 4);
      const end = endOfDay(`${year}-12-31`, zone);
      return { ok: true, start: { at: end, described: `end of the calendar year of awareness, ${show(end)}` } };
    }
  }
}

/** The due instant of a clock, and how it was counted in words. */
export function countDue(start: Started, duration: Duration, counting: DayCounting | undefined, zone: string): { dueAt: number; counting: string } {
  if (duration.unit === 'hours') {
    const dueAt = start.at + duration.amount * HOUR_MS;
    return { dueAt, counting: `${duration.amount} hours from ${start.described}: ${inZone(dueAt, zone)}` };
  }
  const c = counting!;
  const calendar = c.calendar ? CALENDARS[c.calendar] : undefined;
  const startDay = dayOf(start.at, zone);
  const parts = [`${start.described}; start day ${startDay} (${zone}) ${c.startDayCounts ? 'is day 1' : 'is day 0'}`];
  let day: string;
  if (duration.unit === 'business-days') {
    // The start day counts only if it is itself an open day; otherwise counting starts at the next open day.
    const counted = c.startDayCounts && !calendar!.closedBecause(startDay);
    const rolled = addOpenDays(startDay, duration.amount - (counted ? 1 : 0), calendar!);
    day = rolled.day;
    const skipped = rolled.skipped.length ? `; passed over ${rolled.skipped.map((s) => `${s.day} ${s.reason}`).join(', ')}` : '';
    parts.push(`${duration.amount} business days of the ${calendar!.id} calendar: ${day}${skipped}`);
  } else {
    const nominal = duration.unit === 'months' ? addMonths(startDay, duration.amount) : addDays(startDay, duration.amount - (c.startDayCounts ? 1 : 0));
    parts.push(`${duration.amount} ${duration.unit === 'months' ? (duration.amount === 1 ? 'month' : 'months') : 'calendar days'}: ${nominal}`);
    day = nominal;
    if (c.rollForward) {
      const rolled = rollForward(nominal, calendar!);
      day = rolled.day;
      parts.push(
        rolled.skipped.length === 0
          ? `an open day of the ${calendar!.id} calendar`
          : `closed (${rolled.skipped.map((s) => `${s.day} ${s.reason}`).join(', ')}), rolled forward to ${day}`,
      );
    } else parts.push('no roll-forward');
  }
  const dueAt = endOfDay(day, zone);
  parts.push(`due at the end of that day: ${inZone(dueAt, zone)}`);
  return { dueAt, counting: parts.join('; ') };
}

/** Every jurisdiction some pack evaluates; the others are reported as unevaluated. */
function unevaluated(facts: Facts, packs: readonly RulePack[]): Assessment['unevaluated'] {
  return facts.jurisdictions
    .filter((j) => !packs.some((pack) => pack.covers(j)))
    .map((jurisdiction) => ({
      jurisdiction,
      reason: `Breachline has no rule pack for ${jurisdiction}: obligations under its law are not computed; take local advice`,
    }));
}

/** Every obligation the facts give rise to under the given rule packs, each with why and how it was counted. */
export function assessWith(packs: readonly RulePack[], facts: Facts, options: AssessOptions = {}): Assessment {
  const assessment: Assessment = { obligations: [], notApplicable: [], unevaluated: unevaluated(facts, packs) };
  for (const pack of packs) {
    const trigger = pack.appliesWhen(facts);
    if (!trigger.applies) {
      assessment.notApplicable.push({ regime: pack.regime, reason: trigger.reason });
      continue;
    }
    const earlier = new Map<string, Obligation>();
    for (const rule of pack.rules) {
      const id = `${pack.regime}/${rule.id}`;
      const skip = (reason: string) => assessment.notApplicable.push({ regime: pack.regime, obligation: id, reason });
      const narrowed = rule.appliesWhen?.(facts) ?? applies();
      if (!narrowed.applies) {
        skip(narrowed.reason);
        continue;
      }
      const zone = rule.zone ?? pack.zone;
      const start = resolveStart(rule.start, facts, zone, earlier, options, pack.regime);
      if (!start.ok) {
        skip(start.reason);
        continue;
      }
      const override = rule.internalTarget ? options.internalTargets?.[id] : undefined;
      const variant = rule.durationWhen.map((v) => ({ ...v, verdict: v.when(facts) })).find((v) => v.verdict.applies);
      const duration = override ?? variant?.duration ?? rule.duration;
      const variantWhy = variant?.verdict.applies ? variant.verdict.why : [];
      let { dueAt, counting } = countDue(start.start, duration, rule.counting, zone);
      let startAt = start.start.at;
      if (rule.internalTarget) counting = `internal target (${override ? "this deployment's" : "Breachline's default"}), no statutory time: ${counting}`;
      if (rule.guidanceReason) counting = `${rule.guidanceReason}; ${counting}`;
      if (rule.notLaterThan) {
        const cap = resolveStart(rule.notLaterThan.start, facts, zone, earlier, options, pack.regime);
        if (cap.ok) {
          const limit = countDue(cap.start, rule.notLaterThan.duration, rule.notLaterThan.counting, zone);
          if (limit.dueAt < dueAt) {
            counting = `${counting}; but no later than ${limit.counting}, which is earlier and applies`;
            // The outer limit's clock is the one that runs: escalations spread over its window.
            dueAt = limit.dueAt;
            startAt = cap.start.at;
          } else counting = `${counting}; within the outer limit of ${limit.counting}`;
        }
      }
      const targetAt = rule.target ? countDue(start.start, rule.target, rule.counting && { ...rule.counting, rollForward: false }, zone).dueAt : undefined;
      if (targetAt !== undefined) counting = `${counting}; target ${inZone(targetAt, zone)} per the regulator's guidance`;
      const obligation: Obligation = {
        id,
        regime: pack.regime,
        title: rule.title,
        recipient: rule.recipient,
        kind: rule.kind,
        citation: rule.citation,
        startAt,
        dueAt,
        ...(targetAt === undefined ? {} : { targetAt }),
        guidance: rule.guidance,
        internalTarget: rule.internalTarget,
        zone,
        why: [...trigger.why, ...narrowed.why, ...variantWhy],
        counting,
      };
      earlier.set(rule.id, obligation);
      assessment.obligations.push(obligation);
    }
  }
  return assessment;
}
