// A customer-notification campaign: a child workflow of its breach. It plans the waves in the store (most exposed
// people first), waits for an operator's approval of each wave's notice, then sends the wave in batches at the
// campaign's rate until every person is sent, bounced to the postal list, or cancelled. It carries counts, never a
// person: its history grows with batches, not recipients, and it continues as new before it grows past a bound.
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, BatchResult, PlannedWave } from '../activities/types';
import {
  type CampaignPlan,
  type WaveOutage,
  campaignControl,
  campaignProgress,
  campaignQuery,
  type CampaignStatus,
  waveApproved,
  type WaveProgress,
} from './definitions';

/** Progress goes to the breach at each change of state, and at most this often while a wave is being sent. */
const REPORT_EVERY_MS = 30_000;
/** A person whose mail is deferred this many times is given up on: bounced, and on the postal list. */
export const MAX_ATTEMPTS = 5;
/** While the SMTP server is out, it is asked again after 30 s, doubling, at most every 5 minutes. */
const PROBE_FIRST_MS = 30_000;
const PROBE_MAX_MS = 300_000;

const { planCampaign, previewCampaign } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', nonRetryableErrorTypes: ['TemplateInvalid'] },
});
// Telling the owner of an outage goes through the mail that may be out too: a bounded retry, then the campaign carries on.
const { sendMail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '30 seconds',
    backoffCoefficient: 2,
    maximumAttempts: 4,
    nonRetryableErrorTypes: ['MailTls', 'MailAuth', 'MailRefused', 'MailConfig'],
  },
});
const { sendWaveBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** A wave's progress, with its outage while the SMTP server is out. */
export type Wave = WaveProgress;

export interface CampaignInput {
  breachId: string;
  campaignId: string;
  plan: CampaignPlan;
}

/** What a run hands to the next when it continues as new. */
export interface CampaignCarry {
  status: CampaignStatus;
  approved: number[];
  paused: boolean;
  cancelled: boolean;
  deferredRounds: number;
  outageRounds?: number;
}

export async function notificationCampaign(input: CampaignInput, carried?: CampaignCarry): Promise<CampaignStatus> {
  const campaign = new Campaign(input, carried);
  setHandler(waveApproved, ({ wave }) => void campaign.approved.add(wave));
  setHandler(campaignControl, ({ action }) => campaign.control(action));
  setHandler(campaignQuery, () => campaign.status);
  return campaign.run();
}

class Campaign {
  readonly status: CampaignStatus;
  readonly approved: Set<number>;
  private paused: boolean;
  private cancelled: boolean;
  private deferredRounds: number;
  private outageRounds: number;
  /** The owner's outage mail, awaited before this run ends so its outcome is recorded. */
  private escalating?: Promise<void>;
  private lastReportAt = 0;

  constructor(
    private readonly input: CampaignInput,
    carried?: CampaignCarry,
  ) {
    this.status = carried?.status ?? { campaignId: input.campaignId, state: 'planning', total: 0, waves: [], unreachable: 0 };
    this.approved = new Set(carried?.approved ?? []);
    this.paused = carried?.paused ?? false;
    this.cancelled = carried?.cancelled ?? false;
    this.deferredRounds = carried?.deferredRounds ?? 0;
    this.outageRounds = carried?.outageRounds ?? 0;
  }

  control(action: 'pause' | 'resume' | 'cancel'): void {
    if (action === 'pause') this.paused = true;
    if (action === 'resume') this.paused = false;
    if (action === 'cancel') this.cancelled = true;
  }

  /** Plan, then for each wave: approval, then batches until the wave is done. */
  async run(): Promise<CampaignStatus> {
    if (this.status.state === 'planning') await this.plan();
    for (const wave of this.status.waves) {
      if (wave.state === 'done' || wave.state === 'cancelled') continue;
      if (wave.state === 'planned') {
        wave.state = 'awaiting-approval';
        await this.report(true);
      }
      if (wave.state === 'awaiting-approval') {
        if (patched('pause-awaiting-approval')) await this.awaitApproval(wave);
        else await condition(() => this.approved.has(wave.wave) || this.cancelled);
        if (this.cancelled) break;
        wave.state = 'sending';
        wave.startedAt = new Date().toISOString();
        await this.report(true);
      }
      await this.send(wave);
      if (this.cancelled) break;
    }
    if (this.cancelled) {
      for (const wave of this.status.waves) if (wave.state !== 'done') wave.state = 'cancelled';
      this.status.state = 'cancelled';
    } else this.status.state = 'done';
    this.status.unreachable = this.status.waves.reduce((n, w) => n + w.bounced + w.postal, 0);
    await this.escalating;
    await this.report(true);
    return this.status;
  }

  /** Waits for the wave's approval; a pause or resume meanwhile shows in the status at once, not at the next wave. */
  private async awaitApproval(wave: Wave): Promise<void> {
    const approvedOrCancelled = () => this.approved.has(wave.wave) || this.cancelled;
    for (;;) {
      await condition(() => approvedOrCancelled() || this.paused !== (this.status.state === 'paused'));
      if (approvedOrCancelled()) break;
      this.status.state = this.paused ? 'paused' : 'running';
      await this.report(true);
    }
    // Approved while paused: the wave waits in send() until resumed; approved after a resume: it runs.
    if (!this.paused && this.status.state === 'paused') this.status.state = 'running';
  }

  private async plan(): Promise<void> {
    const { breachId, campaignId, plan } = this.input;
    let templateError: string | undefined;
    try {
      this.status.preview = await previewCampaign({ notice: plan.notice, templates: plan.templates });
    } catch (error) {
      // The template names a variable the notice lacks: shown on every wave, and approval refused, before any mail.
      templateError = (error as ApplicationFailure).cause?.message ?? (error as Error).message;
    }
    const waves: PlannedWave[] = await planCampaign({ breachId, campaignId, waveSize: plan.waveSize });
    this.status.waves = waves.map((w) => ({
      wave: w.wave,
      state: 'planned',
      total: w.total,
      sent: 0,
      deferred: 0,
      bounced: 0,
      postal: w.postal,
      pending: w.total - w.postal,
      ...(templateError ? { templateError } : {}),
    }));
    this.status.total = waves.reduce((n, w) => n + w.total, 0);
    this.status.state = 'running';
  }

  private async send(wave: Wave): Promise<void> {
    const { breachId, campaignId, plan } = this.input;
    while (wave.pending + wave.deferred > 0) {
      if (this.paused) {
        this.status.state = 'paused';
        await this.report(true);
        await condition(() => !this.paused || this.cancelled);
        this.status.state = 'running';
        await this.report(true);
      }
      if (this.cancelled) return;
      const result = await sendWaveBatch({
        breachId,
        campaignId,
        wave: wave.wave,
        batchSize: plan.batchSize,
        ratePerSecond: plan.ratePerSecond,
        maxAttempts: MAX_ATTEMPTS,
        notice: plan.notice,
        templates: plan.templates,
        ...(wave.outage ? { probe: true } : {}),
        ...(plan.domainPacing ? { domainPacing: plan.domainPacing } : {}),
      });
      Object.assign(wave, {
        sent: result.wave.sent,
        deferred: result.wave.deferred,
        bounced: result.wave.bounced,
        postal: result.wave.postal,
        pending: result.wave.pending,
      });
      this.estimate(wave);
      await this.heldDomains(wave, result);
      if (result.outage) {
        await this.outage(wave, result.outage.reason);
        await condition(() => this.cancelled, Math.min(PROBE_MAX_MS, PROBE_FIRST_MS * 2 ** this.outageRounds++));
      } else {
        if (wave.outage) await this.resumed(wave);
        if (result.sent === 0 && result.deferred > 0) {
          // Only transient refusals this round: back off before trying them again (30 s, doubling, at most 10 min).
          await sleep(Math.min(600_000, 30_000 * 2 ** this.deferredRounds++));
        } else this.deferredRounds = 0;
      }
      await this.report(false);
      // The bound on a run's history: plan.historyLimit events (default 2,000), whatever the number of people.
      if (workflowInfo().historyLength > plan.historyLimit || workflowInfo().continueAsNewSuggested) {
        await this.escalating;
        await continueAsNew<typeof notificationCampaign>(this.input, {
          status: this.status,
          approved: [...this.approved],
          paused: this.paused,
          cancelled: this.cancelled,
          deferredRounds: this.deferredRounds,
          outageRounds: this.outageRounds,
        });
      }
    }
    wave.state = 'done';
    wave.finishedAt = new Date().toISOString();
    delete wave.estimatedFinishAt;
    await this.report(true);
  }

  /** Domains held back are shown on the wave; those stuck for `escalateAfterRounds` rounds are told to the owner, once per wave. */
  private async heldDomains(wave: Wave, result: BatchResult): Promise<void> {
    const escalation = wave.heldDomains?.escalation;
    if (!result.heldDomains) {
      if (wave.heldDomains) wave.heldDomains = { domains: 0, waiting: 0, stuck: 0, ...(escalation ? { escalation } : {}) };
      return;
    }
    wave.heldDomains = { ...result.heldDomains, ...(escalation ? { escalation } : {}) };
    if (result.heldDomains.stuck === 0 || escalation || !patched('domains-deferring')) return;
    const { breachId, campaignId } = this.input;
    wave.heldDomains.escalation = await sendMail({
      idempotencyKey: `${campaignId}/wave-${wave.wave}/domains-deferring`,
      audience: 'owner',
      notice: { template: 'domains-deferring', breachId, campaignId, wave: wave.wave, domains: result.heldDomains.stuck, waiting: result.heldDomains.waiting },
    }).then(
      () => 'sent' as const,
      () => 'failed' as const,
    );
  }

  /**
   * The SMTP server is out: the wave waits, visibly, without anyone's attempts being used; the breach owner is told
   * once per outage, without the campaign waiting on that mail (it goes through the server that may be out).
   */
  private async outage(wave: Wave, reason: string): Promise<void> {
    if (wave.outage) {
      wave.outage.reason = reason;
      return;
    }
    const since = Date.now();
    const outage: WaveOutage = { since: new Date(since).toISOString(), reason, escalation: 'sending' };
    wave.outage = outage;
    const { breachId, campaignId } = this.input;
    const told = sendMail({
      idempotencyKey: `${campaignId}/wave-${wave.wave}/outage-${since}`,
      audience: 'owner',
      notice: { template: 'wave-outage', breachId, campaignId, wave: wave.wave, since, reason, waiting: wave.pending + wave.deferred },
    })
      .then(
        () => void (outage.escalation = 'sent'),
        (error: unknown) => {
          outage.escalation = 'failed';
          outage.escalationError = (error as ApplicationFailure).cause?.message ?? (error as Error).message;
        },
      )
      .then(() => this.report(true));
    this.escalating = Promise.all([this.escalating, told]).then(() => undefined);
    await this.report(true);
  }

  private async resumed(wave: Wave): Promise<void> {
    delete wave.outage;
    this.outageRounds = 0;
    await this.report(true);
  }

  private estimate(wave: WaveProgress): void {
    const elapsedSeconds = (Date.now() - Date.parse(wave.startedAt!)) / 1000;
    if (elapsedSeconds <= 0 || wave.sent === 0) return;
    // Unrounded for the estimate: after a long outage the shown rate rounds to 0 and would put the finish at infinity.
    const rate = wave.sent / elapsedSeconds;
    wave.rate = Math.round(rate * 10) / 10;
    wave.estimatedFinishAt = new Date(Date.now() + ((wave.pending + wave.deferred) / rate) * 1000).toISOString();
  }

  /** Tells the breach: always on a change of state, otherwise at most every 30 s (the breach's history stays small). */
  private async report(changed: boolean): Promise<void> {
    if (!changed && Date.now() - this.lastReportAt < REPORT_EVERY_MS) return;
    this.lastReportAt = Date.now();
    await getExternalWorkflowHandle(this.input.breachId).signal(campaignProgress, JSON.parse(JSON.stringify(this.status)) as CampaignStatus);
  }
}
