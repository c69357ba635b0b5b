// Escalation ladders: when to remind whom about an open deadline, before it and after it is missed. Pure.

export interface EscalationLadder {
  /** Reminders this many hours before the due instant, e.g. [72, 24]. */
  beforeDueHours: number[];
  /** Once the deadline is missed: a first escalation at the due instant, then one every `everyHours`, `times` in all. */
  overdue: { everyHours: number; times: number };
}

export const DEFAULT_LADDER: EscalationLadder = {
  beforeDueHours: [72, 24],
  overdue: { everyHours: 24, times: 7 },
};

export interface EscalationStep {
  /** Stable name of the step: "due-in-24h", "missed", "missed+48h". */
  step: string;
  at: number;
  overdue: boolean;
}

const HOUR_MS = 3_600_000;

/** Every step of the ladder for a deadline, in time order. */
export function ladderSteps(dueAt: number, ladder: EscalationLadder = DEFAULT_LADDER): EscalationStep[] {
  const before = [...new Set(ladder.beforeDueHours)]
    .filter((hours) => hours > 0)
    .sort((a, b) => b - a)
    .map((hours) => ({ step: `due-in-${hours}h`, at: dueAt - hours * HOUR_MS, overdue: false }));
  const after = Array.from({ length: ladder.overdue.times }, (_, i) => {
    const hours = i * ladder.overdue.everyHours;
    return { step: hours === 0 ? 'missed' : `missed+${hours}h`, at: dueAt + hours * HOUR_MS, overdue: true };
  });
  return [...before, ...after];
}

/**
 * The steps still to send for a deadline scheduled at `now`: the future steps, preceded by the latest step
 * already due (so that a deadline that appears late is escalated once, at once, not in a burst), less those
 * already sent.
 */
export function pendingSteps(dueAt: number, now: number, sent: ReadonlySet<string>, ladder: EscalationLadder = DEFAULT_LADDER): EscalationStep[] {
  const steps = ladderSteps(dueAt, ladder);
  const firstFuture = steps.findIndex((s) => s.at > now);
  const from = firstFuture === -1 ? steps.length - 1 : Math.max(0, firstFuture - 1);
  return steps.slice(from).filter((s) => !sent.has(s.step));
}
