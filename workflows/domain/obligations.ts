// Legal obligations computed from the facts: whom to tell, by when, and why. Pure and deterministic.
// A rule pack lists a regime's rules; each rule says when it applies and how its clock is counted. The
// foundation ships Japan's APPI; the engine grows by adding packs, not by changing assess().
import { addDays, type Calendar, dayOf, endOfDay, inZone, japanGovernment, rollForward } from './calendar';
import type { DataCategory, Facts } from './facts';

export type Regime = 'JP-APPI';
export type Recipient = 'regulator' | 'individuals' | 'media' | 'controller' | 'covered-entity' | 'attorney-general' | 'public';
export type ObligationKind = 'early-warning' | 'notification' | 'preliminary' | 'intermediate' | 'final' | 'single';

/** How a rule counts its clock in calendar days from the day the clock starts. */
export interface DayClock {
  start: 'awareness';
  /** The due day's number, the start day being day 1 (APPI guideline 3-5-3-4 counts this way). */
  dueDay: number;
  /** A day number to aim for, when the regulator's guidance gives one short of the due day. */
  targetDay?: number;
  /** Roll a due day that falls on a closed day of this calendar forward to the next open day. */
  rollForwardOn?: Calendar;
  zone: string;
}

export interface Obligation {
  /** Stable across recomputation: "<regime>/<rule>". */
  id: string;
  regime: Regime;
  title: string;
  recipient: Recipient;
  kind: ObligationKind;
  citation: string;
  /** Epoch ms, UTC. */
  dueAt: number;
  targetAt?: number;
  /** True when the law sets no fixed time and dueAt is the regulator's guidance (or our convention on it). */
  guidance: boolean;
  zone: string;
  /** Which facts triggered which rule. */
  why: string[];
  /** How dueAt was counted. */
  counting: string;
}

export interface Assessment {
  obligations: Obligation[];
  /** Rules considered and found not to apply, with the reason: shown so that a silence is never ambiguous. */
  notApplicable: { regime: Regime; reason: string }[];
}

export interface ObligationRule {
  id: string;
  title: string;
  recipient: Recipient;
  kind: ObligationKind;
  citation: string;
  guidance: boolean;
  clock(facts: Facts): DayClock;
}

export interface RulePack {
  regime: Regime;
  /** The reasons the regime applies to these facts, or why not. */
  triggers(facts: Facts): { applies: true; why: string[] } | { applies: false; reason: string };
  rules: ObligationRule[];
}

function count(clock: DayClock, facts: Facts): Pick<Obligation, 'dueAt' | 'targetAt' | 'counting'> {
  const startDay = dayOf(Date.parse(facts.awareAt), clock.zone);
  const nominal = addDays(startDay, clock.dueDay - 1);
  const rolled = clock.rollForwardOn ? rollForward(nominal, clock.rollForwardOn) : { day: nominal, skipped: [] };
  const parts = [`awareness day ${startDay} (${clock.zone}) is day 1; day ${clock.dueDay} is ${nominal}`];
  if (!clock.rollForwardOn) parts.push('no roll-forward');
  else if (rolled.skipped.length === 0) parts.push(`an open day of the ${clock.rollForwardOn.id} calendar`);
  else {
    const closed = rolled.skipped.map((s) => `${s.day} ${s.reason}`).join(', ');
    parts.push(`closed (${closed}), rolled forward to ${rolled.day}`);
  }
  const dueAt = endOfDay(rolled.day, clock.zone);
  parts.push(`due at the end of that day: ${inZone(dueAt, clock.zone)}`);
  const targetAt = clock.targetDay ? endOfDay(addDays(startDay, clock.targetDay - 1), clock.zone) : undefined;
  if (targetAt !== undefined) parts.push(`target day ${clock.targetDay}: ${inZone(targetAt, clock.zone)}`);
  return { dueAt, targetAt, counting: parts.join('; ') };
}

const has = (facts: Facts, ...categories: DataCategory[]) => categories.filter((c) => facts.dataCategories.includes(c));

const APPI_ZONE = japanGovernment.zone;
/** APPI Rules Art. 8(2): 30 days, 60 when trigger 3 (unfair purpose) applies, alone or with others. */
const appiFinalDay = (facts: Facts) => (facts.unfairPurpose ? 60 : 30);

export const appi: RulePack = {
  regime: 'JP-APPI',
  triggers(facts) {
    if (!facts.jurisdictions.includes('JP')) return { applies: false, reason: 'no JP in jurisdictions' };
    const why: string[] = [];
    const sensitive = has(facts, 'sensitive', 'health');
    if (sensitive.length) why.push(`APPI Rules Art. 7(1): sensitive personal information (dataCategories: ${sensitive.join(', ')})`);
    const financial = has(facts, 'payment_card', 'bank_credentials');
    if (financial.length) why.push(`APPI Rules Art. 7(2): data whose misuse may cause property damage (dataCategories: ${financial.join(', ')})`);
    if (facts.unfairPurpose) why.push('APPI Rules Art. 7(3): may have been caused with an unfair purpose (unfairPurpose: true)');
    if (facts.affectedCount !== undefined && facts.affectedCount > 1000) {
      why.push(`APPI Rules Art. 7(4): more than 1,000 people affected (affectedCount: ${facts.affectedCount})`);
    }
    if (why.length === 0) return { applies: false, reason: 'none of the four triggers of APPI Rules Art. 7 is met by the facts known' };
    // APPI Rules Art. 7 (opening words) and PPC General Guideline 3-5-3-1: strong encryption, key not leaked, excludes.
    if (facts.encrypted) return { applies: false, reason: 'strongly encrypted and the key did not leak (APPI Rules Art. 7; PPC General Guideline 3-5-3-1)' };
    return { applies: true, why };
  },
  rules: [
    {
      id: 'ppc-preliminary',
      title: 'Preliminary report to the PPC (速報)',
      recipient: 'regulator',
      kind: 'preliminary',
      citation: 'APPI Art. 26(1); Rules Art. 8(1); PPC General Guideline 3-5-3-3',
      guidance: true,
      // "Promptly"; guideline: about 3–5 days. Convention: target day 3, due day 5, no roll-forward.
      clock: () => ({ start: 'awareness', dueDay: 5, targetDay: 3, zone: APPI_ZONE }),
    },
    {
      id: 'ppc-final',
      title: 'Final report to the PPC (確報)',
      recipient: 'regulator',
      kind: 'final',
      citation: 'APPI Art. 26(1); Rules Art. 8(2); PPC General Guideline 3-5-3-4',
      guidance: false,
      clock: (facts) => ({ start: 'awareness', dueDay: appiFinalDay(facts), rollForwardOn: japanGovernment, zone: APPI_ZONE }),
    },
    {
      id: 'individuals',
      title: 'Notify each affected person (本人通知)',
      recipient: 'individuals',
      kind: 'single',
      citation: 'APPI Art. 26(2); Rules Art. 10',
      guidance: true,
      // "Promptly according to the circumstances": no fixed days. Convention: the final report's due day.
      clock: (facts) => ({ start: 'awareness', dueDay: appiFinalDay(facts), rollForwardOn: japanGovernment, zone: APPI_ZONE }),
    },
  ],
};

export const RULE_PACKS: readonly RulePack[] = [appi];

/** Every obligation the facts give rise to under every rule pack, each with why and how it was counted. */
export function assess(facts: Facts, packs: readonly RulePack[] = RULE_PACKS): Assessment {
  const assessment: Assessment = { obligations: [], notApplicable: [] };
  for (const pack of packs) {
    const trigger = pack.triggers(facts);
    if (!trigger.applies) {
      assessment.notApplicable.push({ regime: pack.regime, reason: trigger.reason });
      continue;
    }
    for (const rule of pack.rules) {
      const clock = rule.clock(facts);
      assessment.obligations.push({
        id: `${pack.regime}/${rule.id}`,
        regime: pack.regime,
        title: rule.title,
        recipient: rule.recipient,
        kind: rule.kind,
        citation: rule.citation,
        guidance: rule.guidance,
        zone: clock.zone,
        why: trigger.why,
        ...count(clock, facts),
      });
    }
  }
  return assessment;
}
