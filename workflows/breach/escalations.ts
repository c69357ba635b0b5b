// The one escalation sender: every reminder of a deadline, a slipping task or a failing store leaves through here.
// A mail that cannot reach its audience goes to the next (owner → DPO → executive), each failure on the timeline.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities, EscalationNotice, Notice } from '../../activities/types';
import type { EscalationAudience } from '../domain/escalation';
import { failureReason, type Timeline } from './timeline';

/** Mail failures that no retry mends: a certificate not trusted, a login refused, an address refused, no address configured. */
export const MAIL_PERMANENT = ['MailTls', 'MailAuth', 'MailRefused', 'MailConfig'];

// An escalation that cannot be sent within about five minutes is reported failed and handed to the next audience:
// a deadline reminder that arrives an hour late has failed as surely as one never sent.
const { sendMail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8, nonRetryableErrorTypes: MAIL_PERMANENT },
});

/** Who is told when the audience before cannot be reached. */
const ESCALATION_CHAIN: EscalationAudience[] = ['owner', 'dpo', 'executive'];

/** Who got an escalation, and the audiences before it that could not be mailed. */
export interface Delivered {
  audience: EscalationAudience;
  failed: string[];
}

export type EscalationContent = Omit<EscalationNotice, 'template'>;

/** No audience of an escalation could be mailed; each failure is already on the timeline. */
export class EscalationUndelivered extends Error {
  constructor(failures: string[]) {
    super(`no audience could be mailed: ${failures.join('; ')}`);
  }
}

interface Outgoing {
  key: string;
  audience: EscalationAudience;
  notice: EscalationContent;
  obligationId?: string;
  settle(delivered: Delivered): void;
  fail(error: unknown): void;
}

export class EscalationSender {
  /** Escalations due now, sent together when the current activation has queued them all. */
  private readonly outbox: Outgoing[] = [];
  private summaries = 0;
  private readonly storeAlerts = new Set<string>();

  constructor(
    private readonly breachId: string,
    private readonly timeline: Timeline,
  ) {}

  /**
   * Sends an escalation. One already due when its clock starts (`catchUp`: the breach was found late, or its
   * deadline moved into the past) waits for the others due with it, and goes out in one summary per audience.
   */
  send(key: string, audience: EscalationAudience, notice: EscalationContent, subject: { obligationId?: string; catchUp: boolean }): Promise<Delivered> {
    // Breaches started before summaries existed send each escalation on its own, as their histories hold them.
    if (!subject.catchUp || !patched('escalation-summary'))
      return this.sendAlong(key, audience, { template: 'escalation', ...notice }, notice.step, subject.obligationId);
    return new Promise((settle, fail) => {
      if (this.outbox.push({ key, audience, notice, obligationId: subject.obligationId, settle, fail }) === 1)
        void Promise.resolve().then(() => this.flushOutbox());
    });
  }

  /** Tells the owner, once per distinct reason, that the store is failing: what is not recorded must be looked at. */
  async alertOwner(reason: string): Promise<void> {
    if (this.storeAlerts.has(reason)) return;
    this.storeAlerts.add(reason);
    const notice = {
      breachId: this.breachId,
      obligationId: 'store',
      title: `The store could not record the breach's timeline (${reason})`,
      citation: 'Breachline outcome store',
      dueAt: Date.now(),
      zone: 'UTC',
      guidance: false,
      step: 'store-failed',
      overdue: true,
    };
    await this.send(`${this.breachId}/store-failed/${this.storeAlerts.size}`, 'owner', notice, { catchUp: false }).catch(() => undefined);
  }

  /**
   * Sends what fell due together: one mail per audience. A breach found days late, or whose awareness moves days
   * back, has many steps due at once; its people get one summary of what is overdue, not a burst of mails.
   */
  private async flushOutbox(): Promise<void> {
    const due = this.outbox.splice(0);
    const audiences = [...new Set(due.map((e) => e.audience))];
    await Promise.all(
      audiences.map(async (audience) => {
        const items = due.filter((e) => e.audience === audience);
        const [first] = items as [Outgoing, ...Outgoing[]];
        const mail: Notice =
          items.length === 1
            ? { template: 'escalation', ...first.notice }
            : { template: 'escalation-summary', breachId: this.breachId, items: items.map(({ notice: { breachId: _, ...item } }) => item) };
        const key = items.length === 1 ? first.key : `${this.breachId}/summary/${++this.summaries}`;
        try {
          const delivered = await this.sendAlong(
            key,
            audience,
            mail,
            items.length === 1 ? first.notice.step : `summary of ${items.length}`,
            items.length === 1 ? first.obligationId : undefined,
          );
          for (const item of items) item.settle(delivered);
        } catch (error) {
          for (const item of items) item.fail(error);
        }
      }),
    );
  }

  /**
   * Sends a mail to its audience; if that fails for good, to each later audience in turn (owner → DPO →
   * executive), each failure recorded with its reason. Throws EscalationUndelivered when nobody could be reached.
   */
  private async sendAlong(key: string, audience: EscalationAudience, notice: Notice, step: string, obligationId?: string): Promise<Delivered> {
    const failed: string[] = [];
    const chain = ESCALATION_CHAIN.slice(ESCALATION_CHAIN.indexOf(audience));
    for (const [i, to] of chain.entries()) {
      try {
        await sendMail({ idempotencyKey: i === 0 ? key : `${key}/fallback-${to}`, audience: to, notice });
        return { audience: to, failed };
      } catch (error) {
        const reason = failureReason(error);
        failed.push(`${to}: ${reason}`);
        const next = chain[i + 1];
        await this.timeline.log(
          {
            kind: 'escalation-failed',
            obligationId,
            actor: 'breachline',
            detail: `${step} to the ${to} could not be sent: ${reason}${next ? `; trying the ${next}` : '; no audience left to try'}`,
          },
          { step, audience: to, reason, mailKey: key },
        );
      }
    }
    throw new EscalationUndelivered(failed);
  }
}
