// The one escalation sender: every reminder of a deadline, a slipping task or a failing store leaves through here.
// A mail that cannot reach its audience goes to the next (owner → DPO → executive), each failure on the timeline.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities, ChannelDeliveryInput, EscalationNotice, Notice, WaveOutageNotice } from '../../activities/types';
import { type ChannelPolicy, type ChannelType, dedupKey, MAIL, routeFor } from '../domain/channels';
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

// Each channel its own retry policy: a webhook receiver is retried with backoff for a few minutes; Slack and Teams
// rate-limit (429) and recover quickly; PagerDuty's Events API asks to retry 429 and 5xx. A 4xx refusal is final.
const CHANNEL_PERMANENT = ['ChannelRefused', 'ChannelConfig'];
const CHANNELS: Record<ChannelType, (input: ChannelDeliveryInput) => Promise<unknown>> = {
  webhook: proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: '5 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6, nonRetryableErrorTypes: CHANNEL_PERMANENT },
  }).sendWebhook,
  slack: proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: '3 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 4, nonRetryableErrorTypes: CHANNEL_PERMANENT },
  }).sendSlack,
  teams: proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: '3 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 4, nonRetryableErrorTypes: CHANNEL_PERMANENT },
  }).sendTeams,
  pagerduty: proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8, nonRetryableErrorTypes: CHANNEL_PERMANENT },
  }).sendPagerDuty,
};

/** Who is told when the audience before cannot be reached. */
const ESCALATION_CHAIN: EscalationAudience[] = ['owner', 'dpo', 'executive'];

/** Who got an escalation, and the audiences before it that could not be mailed. */
export interface Delivered {
  audience: EscalationAudience;
  failed: string[];
  /** The channel that took it: mail, or a channel the policy names. */
  channel?: string;
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
  /** Escalations that opened a PagerDuty incident, by escalation id, with the channel: acknowledged and resolved there too. */
  private readonly paged = new Map<string, string>();

  constructor(
    private readonly breachId: string,
    private readonly timeline: Timeline,
    /** The policy's channels; mail alone without. */
    private readonly channels?: ChannelPolicy,
    /** Summaries on from the start (breaches started since 'decided-at-start'); older ones ask for 'escalation-summary' at their first catch-up. */
    private readonly decidedAtStart = false,
  ) {}

  /**
   * Sends an escalation. One already due when its clock starts (`catchUp`: the breach was found late, or its
   * deadline moved into the past) waits for the others due with it, and goes out in one summary per audience.
   */
  send(key: string, audience: EscalationAudience, notice: EscalationContent, subject: { obligationId?: string; catchUp: boolean }): Promise<Delivered> {
    // Breaches started before summaries existed send each escalation on its own, as their histories hold them.
    if (!subject.catchUp || !(this.decidedAtStart || patched('escalation-summary')))
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
   * A wave paused by a mail outage, to the policy's wave-alert channels in order until one takes it (mail is left out:
   * the campaign has mailed the owner already, through the server that is out). Each failure is on the timeline.
   */
  async waveAlert(notice: WaveOutageNotice): Promise<void> {
    const route = routeFor(this.channels, 'waveAlerts').filter((c) => c !== MAIL);
    for (const channel of route) {
      const definition = this.channels!.define[channel]!;
      const key = `${notice.campaignId}/wave-${notice.wave}/outage-${notice.since}/${channel}`;
      try {
        await CHANNELS[definition.type]({
          channel,
          definition,
          idempotencyKey: key,
          audience: 'owner',
          notice,
          ...(definition.type === 'pagerduty' ? { dedupKey: key } : {}),
        });
        return;
      } catch (error) {
        await this.timeline.log(
          { kind: 'escalation-failed', actor: 'breachline', detail: `the wave-outage alert by ${channel} could not be sent: ${failureReason(error)}` },
          { channel, campaignId: notice.campaignId, wave: notice.wave, reason: failureReason(error) },
        );
      }
    }
  }

  /** Whether a PagerDuty channel took this escalation; callers ask first, so breaches without one run no extra step. */
  isPaged(escalationId: string): boolean {
    return this.paged.has(escalationId);
  }

  /**
   * Tells PagerDuty that an escalation it paged for was acknowledged here, or is over (its obligation met or
   * withdrawn, its task recorded): the incident follows. Nothing when no PagerDuty channel took the escalation.
   */
  async followUp(escalationId: string, event: 'acknowledge' | 'resolve'): Promise<void> {
    const channel = this.paged.get(escalationId);
    const definition = channel ? this.channels?.define[channel] : undefined;
    if (!channel || !definition) return;
    if (event === 'resolve') this.paged.delete(escalationId);
    const key = dedupKey(this.breachId, escalationId);
    try {
      await CHANNELS.pagerduty({
        channel,
        definition,
        idempotencyKey: `${key}/${event}`,
        audience: 'owner',
        notice: {
          template: 'escalation',
          breachId: this.breachId,
          obligationId: escalationId,
          title: escalationId,
          citation: '',
          dueAt: 0,
          zone: 'UTC',
          guidance: false,
          step: event,
          overdue: false,
        },
        event,
        dedupKey: key,
      });
    } catch (error) {
      await this.timeline.log(
        {
          kind: 'escalation-failed',
          obligationId: escalationId,
          actor: 'breachline',
          detail: `${event} of the PagerDuty incident (${channel}) could not be sent: ${failureReason(error)}`,
        },
        { event, channel, reason: failureReason(error) },
      );
    }
  }

  /**
   * Sends to an audience through its channels in order (mail alone unless the policy routes it elsewhere); if every
   * one fails for good, to each later audience in turn (owner → DPO → executive), each failure recorded with its
   * reason. Throws EscalationUndelivered when nobody could be reached.
   */
  private async sendAlong(key: string, audience: EscalationAudience, notice: Notice, step: string, obligationId?: string): Promise<Delivered> {
    const failed: string[] = [];
    const chain = ESCALATION_CHAIN.slice(ESCALATION_CHAIN.indexOf(audience));
    const attempts = chain.flatMap((to, i) => routeFor(this.channels, to).map((channel) => ({ to, i, channel })));
    for (const [n, { to, i, channel }] of attempts.entries()) {
      const mailKey = i === 0 ? key : `${key}/fallback-${to}`;
      try {
        if (channel === MAIL) await sendMail({ idempotencyKey: mailKey, audience: to, notice });
        else await this.deliver(channel, `${mailKey}/${channel}`, to, notice);
        return { audience: to, failed, ...(channel === MAIL ? {} : { channel }) };
      } catch (error) {
        const reason = failureReason(error);
        const by = channel === MAIL ? '' : ` by ${channel}`;
        failed.push(`${to}${by}: ${reason}`);
        const next = attempts[n + 1];
        const then = !next ? '; no audience left to try' : next.to === to ? `; trying ${next.channel}` : `; trying the ${next.to}`;
        await this.timeline.log(
          {
            kind: 'escalation-failed',
            obligationId,
            actor: 'breachline',
            detail: `${step} to the ${to}${by} could not be sent: ${reason}${then}`,
          },
          { step, audience: to, reason, mailKey: key, ...(channel === MAIL ? {} : { channel }) },
        );
      }
    }
    throw new EscalationUndelivered(failed);
  }

  /** Through a channel the policy defines; a PagerDuty trigger is remembered, so the incident can be acknowledged and resolved. */
  private async deliver(channel: string, idempotencyKey: string, audience: EscalationAudience, notice: Notice): Promise<void> {
    const definition = this.channels!.define[channel]!;
    const escalationId = notice.template === 'escalation' ? notice.obligationId : undefined;
    const key = escalationId ? dedupKey(this.breachId, escalationId) : idempotencyKey;
    await CHANNELS[definition.type]({
      channel,
      definition,
      idempotencyKey,
      audience,
      notice,
      ...(definition.type === 'pagerduty' ? { event: 'trigger', dedupKey: key } : {}),
    });
    if (definition.type === 'pagerduty' && escalationId) this.paged.set(escalationId, channel);
  }
}
