// `breachline escalation ack|snooze`: answer an escalation from the command line, as the person named by --by.
import type { Command } from 'commander';
import { EscalationAnswerRequest, type EscalationAnswerResult } from '../../workflows/definitions';
import { parseOrExplain } from '../../workflows/domain/facts';
import { breaches } from './common';

const said = (result: EscalationAnswerResult) => {
  const what = result.action === 'acknowledge' ? 'acknowledged' : `snoozed until ${result.until}`;
  const next = result.nextEscalation ? `next escalation ${result.nextEscalation.step} at ${result.nextEscalation.at}` : 'no further escalation';
  return `${result.escalationId}: ${what} by ${result.by}; ${next}; it stays open until met`;
};

async function answer(breachId: string, request: unknown): Promise<void> {
  const parsed = parseOrExplain(EscalationAnswerRequest, request, 'answer');
  console.log(said(await (await breaches()).answerEscalation(breachId, parsed)));
}

export function addEscalation(program: Command): void {
  const escalation = program
    .command('escalation')
    .description("acknowledge or snooze an escalation (an obligation's deadline, or task/<id>); neither meets the obligation");
  escalation
    .command('ack <breachId> <escalationId>')
    .description("stop the escalation's ladder climbing; the deadline's own reminders (at and after it) remain")
    .requiredOption('--by <id>', 'who acknowledges')
    .action((breachId: string, escalationId: string, options: { by: string }) =>
      answer(breachId, { escalationId, action: 'acknowledge', by: { id: options.by }, via: 'cli' }),
    );
  escalation
    .command('snooze <breachId> <escalationId>')
    .description("hold the escalation's ladder for a while: at most the policy's maxSnoozeMinutes, never past the deadline")
    .requiredOption('--by <id>', 'who snoozes')
    .requiredOption('--minutes <n>', 'how long', (value) => Number(value))
    .action((breachId: string, escalationId: string, options: { by: string; minutes: number }) =>
      answer(breachId, { escalationId, action: 'snooze', snoozeMinutes: options.minutes, by: { id: options.by }, via: 'cli' }),
    );
}
