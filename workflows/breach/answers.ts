// Acknowledgements and snoozes of escalations, as the obligations and the tasks keep them: one in force per
// escalation, for its current deadline; the ladder's steps are filtered through it (domain/escalation.ts).
import type { EscalationAnswerStatus } from '../definitions';
import type { EscalationAnswer } from '../domain/escalation';

/** The answer still in force for this deadline: one given for an earlier deadline lapses when the deadline moves. */
export function inForce(answer: EscalationAnswer | undefined, dueAt: number): EscalationAnswer | undefined {
  return answer?.dueAt === dueAt ? answer : undefined;
}

export function answerStatus(escalationId: string, answer: EscalationAnswer): EscalationAnswerStatus {
  return {
    escalationId,
    action: answer.action,
    by: answer.by,
    via: answer.via,
    at: new Date(answer.at).toISOString(),
    ...(answer.until !== undefined ? { until: new Date(answer.until).toISOString() } : {}),
  };
}

/** The timeline's words for an answer. */
export function answerDetail(answer: EscalationAnswer, zoned: (ms: number) => string, legal: boolean): string {
  const via = `via ${answer.via}`;
  if (answer.action === 'snooze') return `snoozed ${via} until ${zoned(answer.until!)}`;
  return legal
    ? `acknowledged ${via}: the ladder stops climbing; the deadline's own escalations remain until the obligation is met`
    : `acknowledged ${via}: no further escalations until the task is recorded`;
}
