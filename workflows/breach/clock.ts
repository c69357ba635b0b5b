// One clock for everything that escalates as time runs out: an obligation's deadline, a playbook task's target.
// It sleeps until each step of its list, sends each through the escalation sender, and records it.
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';
import type { EscalationAudience, EscalationStep } from '../domain/escalation';
import { type Delivered, type EscalationContent, type EscalationSender, EscalationUndelivered } from './escalations';

/** A step sent, or tried: `failed` says why an audience (or every one) could not be mailed. */
export interface EscalationRecord {
  step: string;
  at: number;
  audience: EscalationAudience;
  overdue: boolean;
  /** The deadline (or task target) the step was for: a moved deadline escalates afresh. */
  dueAt: number;
  failed?: string;
  /** The channel that took it when not mail (a policy's webhook, Slack, Teams or PagerDuty channel). */
  channel?: string;
}

/** What a clock escalates: its name, its deadline, its mail, and what it puts on the timeline once a step is sent or has failed. */
export interface ClockSubject {
  /** Names the clock's timers in the Web UI: "JP-APPI/ppc-final", "task task-force". */
  label: string;
  dueAt: number;
  obligationId?: string;
  mailKey(step: EscalationStep): string;
  notice(step: EscalationStep): EscalationContent;
  delivered(step: EscalationStep, delivered: Delivered, mailKey: string): Promise<void>;
  /** Without it, a step nobody could be mailed is in the status, and its escalation-failed entries on the timeline. */
  undelivered?(step: EscalationStep, error: EscalationUndelivered, mailKey: string): Promise<void>;
}

export class Clock {
  /** Every step sent or tried, across restarts. */
  readonly records: EscalationRecord[] = [];
  private scope?: CancellationScope;

  constructor(private readonly sender: EscalationSender) {}

  /** The steps already sent for this deadline: a restart with the same deadline does not send them again. */
  sent(dueAt: number): Set<string> {
    return new Set(this.records.filter((r) => r.dueAt === dueAt).map((r) => r.step));
  }

  /** Starts the clock on these steps, stopping the one running (a restart, after a deadline moved): one durable timer at a time. */
  start(steps: EscalationStep[], subject: ClockSubject): void {
    this.stop();
    const scope = new CancellationScope();
    this.scope = scope;
    scope
      .run(() => this.run(steps, subject))
      .catch((error) => {
        if (!isCancellation(error)) throw error;
      });
  }

  stop(): void {
    this.scope?.cancel();
    this.scope = undefined;
  }

  private async run(steps: EscalationStep[], subject: ClockSubject): Promise<void> {
    for (const step of steps) {
      const waitMs = step.at - Date.now();
      if (waitMs > 0) await sleep(waitMs, { summary: `${subject.label}: ${step.step}` }); // shown in the Web UI
      // Once the step is due it is sent whole, even if an approval arrives meanwhile: no half-sent escalation.
      await CancellationScope.nonCancellable(async () => {
        const key = subject.mailKey(step);
        const record = { step: step.step, overdue: step.overdue, dueAt: subject.dueAt };
        try {
          const delivered = await this.sender.send(key, step.audience, subject.notice(step), { obligationId: subject.obligationId, catchUp: waitMs <= 0 });
          this.records.push({
            ...record,
            at: Date.now(),
            audience: delivered.audience,
            ...(delivered.failed.length ? { failed: delivered.failed.join('; ') } : {}),
            ...(delivered.channel ? { channel: delivered.channel } : {}),
          });
          await subject.delivered(step, delivered, key);
        } catch (error) {
          if (!(error instanceof EscalationUndelivered)) throw error;
          // Nobody could be mailed: the step is recorded as failed, shown in the status, and the clock goes on.
          this.records.push({ ...record, at: Date.now(), audience: step.audience, failed: error.message });
          if (subject.undelivered) await subject.undelivered(step, error, key);
        }
      });
    }
  }
}
