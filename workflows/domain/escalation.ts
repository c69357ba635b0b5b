// Escalation ladders: whom to remind about an open deadline, when, before it and after it is missed. Pure.
// Steps before the deadline sit at shares of the obligation's window (clock start to due instant), so a 24-hour
// early warning and a 60-day final report both escalate owner → DPO → executive as their time runs out.
import { z } from 'zod';
import type { Obligation, ObligationKind } from './obligations';
import { buildOnce } from '../built-once';

const once = buildOnce('domain/escalation');

export const EscalationAudience = once(() => z.enum(['owner', 'dpo', 'executive']));
export type EscalationAudience = z.infer<typeof EscalationAudience>;

export const EscalationLadder = once(() =>
  z.strictObject({
    before: z
      .array(z.strictObject({ atPercent: z.number().gt(0).lt(100), audience: EscalationAudience }))
      .describe('steps before the deadline, at this share of the window elapsed'),
    overdue: z
      .strictObject({ audience: EscalationAudience, everyHours: z.number().positive(), times: z.number().int().min(0).max(100) })
      .describe('once missed: a step at the due instant, then one every `everyHours`, `times` in all'),
  }),
);
export type EscalationLadder = z.infer<typeof EscalationLadder>;

const OWNER_DPO_EXECUTIVE: EscalationLadder['before'] = [
  { atPercent: 50, audience: 'owner' },
  { atPercent: 80, audience: 'dpo' },
  { atPercent: 95, audience: 'executive' },
];

/** Defaults per kind: hour-scale clocks repeat every few hours once missed, day-scale clocks every day. */
export const DEFAULT_LADDERS: Readonly<Record<ObligationKind, EscalationLadder>> = {
  'early-warning': { before: OWNER_DPO_EXECUTIVE, overdue: { audience: 'executive', everyHours: 2, times: 12 } },
  notification: { before: OWNER_DPO_EXECUTIVE, overdue: { audience: 'executive', everyHours: 6, times: 8 } },
  intermediate: { before: OWNER_DPO_EXECUTIVE, overdue: { audience: 'executive', everyHours: 12, times: 6 } },
  preliminary: { before: OWNER_DPO_EXECUTIVE, overdue: { audience: 'executive', everyHours: 24, times: 7 } },
  final: { before: OWNER_DPO_EXECUTIVE, overdue: { audience: 'executive', everyHours: 24, times: 14 } },
  single: { before: OWNER_DPO_EXECUTIVE, overdue: { audience: 'executive', everyHours: 24, times: 7 } },
};

/** A deployment's ladders, by obligation id ("JP-APPI/ppc-final") or by kind ("final"); the id wins. */
export const LadderOverrides = once(() => z.record(z.string().min(1), EscalationLadder));
export type LadderOverrides = z.infer<typeof LadderOverrides>;

export function ladderFor(obligation: Pick<Obligation, 'id' | 'kind'>, overrides: LadderOverrides = {}): EscalationLadder {
  return overrides[obligation.id] ?? overrides[obligation.kind] ?? DEFAULT_LADDERS[obligation.kind];
}

export interface EscalationStep {
  /** Stable name of the step: "at-80%", "missed", "missed+48h". */
  step: string;
  at: number;
  audience: EscalationAudience;
  overdue: boolean;
}

const HOUR_MS = 3_600_000;

/** Every step of the ladder for a window from `startAt` to `dueAt`, in time order. */
export function ladderSteps(startAt: number, dueAt: number, ladder: EscalationLadder): EscalationStep[] {
  const window = Math.max(0, dueAt - startAt);
  const percents = new Map(ladder.before.map((b) => [b.atPercent, b.audience]));
  const before = [...percents]
    .sort(([a], [b]) => a - b)
    .map(([percent, audience]) => ({ step: `at-${percent}%`, at: startAt + Math.round((window * percent) / 100), audience, overdue: false }));
  const after = Array.from({ length: ladder.overdue.times }, (_, i) => {
    const hours = i * ladder.overdue.everyHours;
    return { step: hours === 0 ? 'missed' : `missed+${hours}h`, at: dueAt + hours * HOUR_MS, audience: ladder.overdue.audience, overdue: true };
  });
  return [...before, ...after];
}

/**
 * The steps still to send for a deadline scheduled at `now`: the future steps, preceded by the latest step
 * already due (so that a deadline that appears late is escalated once, at once, not in a burst), less those
 * already sent.
 */
export function pendingSteps(startAt: number, dueAt: number, now: number, sent: ReadonlySet<string>, ladder: EscalationLadder): EscalationStep[] {
  const steps = ladderSteps(startAt, dueAt, ladder);
  const firstFuture = steps.findIndex((s) => s.at > now);
  const from = firstFuture === -1 ? steps.length - 1 : Math.max(0, firstFuture - 1);
  return steps.slice(from).filter((s) => !sent.has(s.step));
}

/** A playbook task that slips past its target is escalated at the target, then daily: three times in all. */
export const TASK_ESCALATIONS = 3;
const DAY_MS = 24 * HOUR_MS;

/**
 * The steps still to send for a task whose target is `targetAt`, scheduled at `now`: from the latest step already
 * due (a task found days late is escalated once, at once, not in a burst), less those already sent.
 */
export function taskSteps(targetAt: number, now: number, sent: ReadonlySet<string>, audience: EscalationAudience): EscalationStep[] {
  const due = Math.floor((now - targetAt) / DAY_MS);
  const from = Math.min(Math.max(0, due), TASK_ESCALATIONS - 1);
  return Array.from({ length: TASK_ESCALATIONS - from }, (_, i) => from + i)
    .map((k) => ({ step: k === 0 ? 'missed' : `missed+${k * 24}h`, at: targetAt + k * DAY_MS, audience, overdue: true }))
    .filter((s) => !sent.has(s.step));
}

// Answering an escalation, after PagerDuty's escalation policies: an acknowledgement stops the ladder climbing, a
// snooze holds it for a while; neither meets the obligation, and neither silences what the law's deadline itself
// brings (the step at the due instant and those after it, once missed).

export const EscalationAction = once(() => z.enum(['acknowledge', 'snooze']));
export type EscalationAction = z.infer<typeof EscalationAction>;

/** An acknowledgement or snooze in force for one escalation's current deadline. */
export interface EscalationAnswer {
  action: EscalationAction;
  by: string;
  /** Where it came from: the API, the CLI, the dashboard, a link in a mail, PagerDuty. */
  via: string;
  /** Epoch ms. */
  at: number;
  /** The deadline (or task target) answered: a moved deadline escalates afresh. */
  dueAt: number;
  /** A snooze's end, epoch ms. */
  until?: number;
}

/** A snooze when the policy sets no bound: a day. */
export const DEFAULT_MAX_SNOOZE_MINUTES = 24 * 60;

/**
 * When a snooze asked at `now` for `minutes` ends: never later than the policy's bound, and, for a legal deadline,
 * never later than the deadline itself. Undefined when nothing is left to snooze (the deadline has come).
 */
export function snoozeUntil(now: number, minutes: number, maxMinutes: number, dueAt: number, legal: boolean): number | undefined {
  const until = now + Math.min(minutes, maxMinutes) * 60_000;
  if (!legal) return until;
  return now >= dueAt ? undefined : Math.min(until, dueAt);
}

/**
 * The steps an answered escalation still sends. Acknowledged: for a legal deadline only the deadline's own steps
 * (at and after the due instant), for a task's target none. Snoozed: the steps falling in the snooze are held to its
 * end and sent there once, as the latest of them (no burst when it ends), unless the deadline's own step falls
 * there too; later steps as they were.
 */
export function answeredSteps(steps: EscalationStep[], answer: EscalationAnswer | undefined, legal: boolean): EscalationStep[] {
  if (!answer) return steps;
  const own = (s: EscalationStep) => legal && s.at >= answer.dueAt;
  if (answer.action === 'acknowledge') return steps.filter(own);
  const until = answer.until!;
  const held = steps.filter((s) => s.at < until && !own(s));
  const rest = steps.filter((s) => !held.includes(s));
  // A snooze that ends at the deadline: the deadline's own step says it all then.
  return held.length && !rest.some((s) => s.at <= until) ? [{ ...held.at(-1)!, at: until }, ...rest] : rest;
}

/**
 * The answer an acknowledgement or snooze asked at `now` puts in force, or why it is refused: an escalation already
 * acknowledged has nothing left to hold, and a legal deadline that has come cannot be snoozed past.
 */
export function decideAnswer(
  request: { action: EscalationAction; snoozeMinutes?: number; by: string; via: string },
  current: EscalationAnswer | undefined,
  deadline: { dueAt: number; legal: boolean; maxSnoozeMinutes: number },
  now: number,
): EscalationAnswer {
  if (current?.action === 'acknowledge')
    throw new Error(`already acknowledged by ${current.by} at ${new Date(current.at).toISOString()}: its ladder no longer climbs`);
  const answer = { action: request.action, by: request.by, via: request.via, at: now, dueAt: deadline.dueAt };
  if (request.action === 'acknowledge') return answer;
  const until = snoozeUntil(now, request.snoozeMinutes ?? deadline.maxSnoozeMinutes, deadline.maxSnoozeMinutes, deadline.dueAt, deadline.legal);
  if (until === undefined) throw new Error('the deadline has passed: a snooze cannot hold an escalation past its legal deadline');
  return { ...answer, until };
}
