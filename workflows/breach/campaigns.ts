// The breach's notification campaigns: each a child workflow that sends waves of notices, each wave approved by an
// operator first. The breach keeps a mirror of each campaign's progress, and its own record of who approved each wave.
import { getExternalWorkflowHandle, ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { Activities, WaveOutageNotice } from '../../activities/types';
import { notificationCampaign } from '../campaign';
import {
  CampaignControl,
  campaignControl,
  type CampaignPlan,
  CampaignRequest,
  type CampaignStatus,
  type ResponsePolicy,
  TestNoticeRequest,
  WaveApproval,
  waveApproved,
  type WaveProgress,
} from '../definitions';
import type { ConsolationGesture } from '../domain/damage';
import { type FactsUpdate, parseOrExplain } from '../domain/facts';
import type { Lang } from '../domain/i18n';
import { sameIdentity } from '../domain/identity';
import { type Narrative, noticeGaps, noticeWithDefaults } from '../domain/narrative';
import type { ReportSources } from '../domain/report';
import type { Timeline } from './timeline';

const { sendTestNotice } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 3 } });

type ContactDesk = CampaignPlan['notice']['contactDesk'];

interface TrackedCampaign {
  plan: CampaignPlan;
  /** The campaign's own progress, as it last reported it. */
  progress: CampaignStatus;
  /** Who approved each wave: the breach's record, laid over the progress, which does not carry it. */
  approvedBy: Map<number, string>;
}

export class Campaigns {
  private readonly campaigns = new Map<string, TrackedCampaign>();

  constructor(
    private readonly breachId: string,
    private readonly policy: ResponsePolicy,
    private readonly timeline: Timeline,
    private readonly context: {
      closed: () => boolean;
      /** The contact desk as recorded on the playbook's task: its channels and hours go into every notice. */
      contactDesk: () => ContactDesk;
      /** People the campaigns cannot reach by mail are a fact: the substitute measure is an obligation (APPI Art. 26(2)). */
      learn: (update: FactsUpdate) => Promise<unknown>;
      /** What the breach's record says, per language: the notice's defaults for every field the operator leaves out. */
      narratives: () => Record<Lang, Narrative>;
      unreachableCount: () => number | undefined;
      /** A wave paused by a mail outage, to the policy's wave-alert channels (webhook, Slack, Teams, PagerDuty). */
      alert: (notice: WaveOutageNotice) => Promise<void>;
    },
  ) {}

  check(request: CampaignRequest): void {
    const plan = parseOrExplain(CampaignRequest, request, 'campaign');
    if (this.context.closed()) throw new Error('cannot start a campaign: the breach is closed');
    // A gesture goes to each person once: the ledger keeps one campaign's sends to one per person, so one campaign carries it.
    const gesture = plan.consolation && [...this.campaigns.values()].find((c) => c.plan.consolation && c.progress.state !== 'cancelled');
    if (gesture) {
      throw new Error(`invalid campaign: consolation: ${gesture.progress.campaignId} already issues one; a gesture goes to each person once`);
    }
    if (!plan.notice.contactDesk && !this.context.contactDesk()) {
      throw new Error(
        'invalid campaign: notice.contactDesk: open the contact desk first (record the contact-desk task) or give it here: every notice names it',
      );
    }
    const gaps = noticeGaps(this.notice(plan.notice));
    if (gaps.length) throw new Error(`invalid campaign: the notice cannot go out with empty fields: ${gaps.join('; ')}`);
  }

  /** The notice as the operator gave it, each field left out filled from the breach's own record. */
  private notice(given: CampaignPlan['notice']): CampaignPlan['notice'] {
    return noticeWithDefaults(given, this.context.narratives(), given.contactDesk ?? this.context.contactDesk());
  }

  /** Starts a notification campaign as a child workflow; it reports back through campaignProgress. */
  async start(request: CampaignRequest): Promise<{ campaignId: string }> {
    const requested = CampaignRequest.parse(request);
    const domainPacing = requested.domainPacing ?? this.policy.domainPacing;
    const plan = { ...requested, ...(domainPacing ? { domainPacing } : {}), notice: this.notice(requested.notice) };
    const campaignId = `${this.breachId}/campaign-${this.campaigns.size + 1}`;
    this.campaigns.set(campaignId, { plan, progress: { campaignId, state: 'planning', total: 0, waves: [], unreachable: 0 }, approvedBy: new Map() });
    const child = await startChild(notificationCampaign, {
      workflowId: campaignId,
      args: [{ breachId: this.breachId, campaignId, plan }],
      // A campaign outlives nothing: the breach cannot close while one runs (checkClose).
      parentClosePolicy: ParentClosePolicy.TERMINATE,
    });
    child.result().then(
      (final) => this.finished(final),
      (error) => this.timeline.log({ kind: 'campaign-finished', detail: `${campaignId} failed: ${(error as Error).message}` }),
    );
    const detail = `${campaignId}: waves of ${plan.waveSize} at ${plan.ratePerSecond}/s; public notice above ${plan.unreachableThreshold * 100} % unreachable`;
    await this.timeline.log({ kind: 'campaign-started', actor: plan.requestedBy.id, detail });
    return { campaignId };
  }

  /** Progress from a campaign: the mirror the status shows, and a timeline entry for each wave that changes state. */
  async progressed(progress: CampaignStatus): Promise<void> {
    const known = this.campaigns.get(progress.campaignId);
    if (!known) return;
    const before = new Map(known.progress.waves.map((w) => [w.wave, w.state]));
    const outages = new Map(known.progress.waves.map((w) => [w.wave, w.outage?.since]));
    known.progress = progress;
    const logged: Promise<unknown>[] = [];
    for (const wave of progress.waves) {
      const outageSince = outages.get(wave.wave);
      if (wave.outage && wave.outage.since !== outageSince) {
        logged.push(
          this.timeline.log(
            { kind: 'wave-outage', detail: `${progress.campaignId} wave ${wave.wave} paused: the mail server cannot be reached (${wave.outage.reason})` },
            { wave: wave.wave, since: wave.outage.since },
          ),
        );
        // Only for a policy with wave-alert channels: other breaches run the steps they always ran.
        if (this.policy.channels?.routes.waveAlerts) {
          const since = Date.parse(wave.outage.since);
          const waiting = wave.pending + wave.deferred;
          logged.push(
            this.context.alert({
              template: 'wave-outage',
              breachId: this.breachId,
              campaignId: progress.campaignId,
              wave: wave.wave,
              since,
              reason: wave.outage.reason,
              waiting,
            }),
          );
        }
      } else if (!wave.outage && outageSince) {
        logged.push(
          this.timeline.log(
            { kind: 'wave-resumed', detail: `${progress.campaignId} wave ${wave.wave} resumed: the mail server answers again (down since ${outageSince})` },
            { wave: wave.wave },
          ),
        );
      }
      if (before.get(wave.wave) === wave.state) continue;
      if (wave.state === 'awaiting-approval') {
        const detail = `${progress.campaignId} wave ${wave.wave} (${wave.total} people) awaits approval${wave.templateError ? `; cannot be approved: ${wave.templateError}` : ''}`;
        logged.push(this.timeline.log({ kind: 'wave-ready', detail }));
      }
      if (wave.state === 'done') {
        logged.push(
          this.timeline.log(
            { kind: 'wave-sent', detail: `${progress.campaignId} wave ${wave.wave}: ${wave.sent} sent, ${wave.bounced} bounced, ${wave.postal} by post` },
            { ...wave },
          ),
        );
      }
    }
    await Promise.all(logged);
  }

  checkWaveApproval(request: WaveApproval): void {
    const parsed = parseOrExplain(WaveApproval, request, 'wave approval');
    const wave = this.campaign(parsed.campaignId).progress.waves.find((w) => w.wave === parsed.wave);
    if (!wave) throw new Error(`invalid wave approval: wave: no wave ${parsed.wave} in ${parsed.campaignId}`);
    if (wave.templateError) throw new Error(`invalid wave approval: template: ${wave.templateError}`);
    if (wave.state !== 'awaiting-approval') throw new Error(`invalid wave approval: wave: wave ${parsed.wave} is ${wave.state}, not awaiting approval`);
  }

  async approveWave(request: WaveApproval): Promise<WaveProgress> {
    const known = this.campaign(request.campaignId);
    known.approvedBy.set(request.wave, request.approver.id);
    const wave = known.progress.waves.find((w) => w.wave === request.wave)!;
    await getExternalWorkflowHandle(request.campaignId).signal(waveApproved, { wave: request.wave, by: request.approver.id });
    await this.timeline.log({ kind: 'wave-approved', actor: request.approver.id, detail: `${request.campaignId} wave ${request.wave} (${wave.total} people)` });
    return this.wave(known, wave);
  }

  checkControl(request: CampaignControl): void {
    const parsed = parseOrExplain(CampaignControl, request, 'campaign control');
    const { state } = this.campaign(parsed.campaignId).progress;
    if (state === 'done' || state === 'cancelled') throw new Error(`invalid campaign control: campaignId: ${parsed.campaignId} is ${state}`);
  }

  async control(request: CampaignControl): Promise<CampaignStatus['state']> {
    await getExternalWorkflowHandle(request.campaignId).signal(campaignControl, { action: request.action, by: request.by.id });
    await this.timeline.log({ kind: 'campaign-controlled', actor: request.by.id, detail: `${request.campaignId}: ${request.action}` });
    return this.campaign(request.campaignId).progress.state;
  }

  /** A test notice goes to the operator who asks for it, or to an address the policy lists: never to anyone else. */
  checkTestNotice(request: TestNoticeRequest): void {
    const parsed = parseOrExplain(TestNoticeRequest, request, 'test notice');
    this.campaign(parsed.campaignId);
    const allowed = [parsed.requestedBy.id, ...this.policy.testRecipients];
    if (!allowed.some((address) => sameIdentity(address, parsed.to))) {
      throw new Error(
        `invalid test notice: to: a test notice goes only to the requester's own address (${parsed.requestedBy.id}) or to one the policy's testRecipients lists`,
      );
    }
  }

  /** Mails the notice, rendered for a synthetic sample person, to the approver: what a wave will look like. */
  async sendTestNotice(request: TestNoticeRequest): Promise<{ messageId: string }> {
    const { plan } = this.campaign(request.campaignId);
    return sendTestNotice({ notice: plan.notice, templates: plan.templates, to: request.to, locale: request.locale ?? 'ja' });
  }

  runningIds(): string[] {
    return [...this.campaigns.values()].filter((c) => !['done', 'cancelled'].includes(c.progress.state)).map((c) => c.progress.campaignId);
  }

  statuses(): CampaignStatus[] {
    return [...this.campaigns.values()].map((c) => ({ ...c.progress, waves: c.progress.waves.map((w) => this.wave(c, w)) }));
  }

  /** What the report reads of the campaigns: how many were mailed, and how many go by post. */
  forReports(): ReportSources['campaigns'] {
    return [...this.campaigns.values()].map(({ progress }) => ({
      total: progress.total,
      sent: progress.waves.reduce((n, w) => n + w.sent, 0),
      postal: progress.waves.reduce((n, w) => n + w.postal, 0),
      bounced: progress.waves.reduce((n, w) => n + w.bounced, 0),
    }));
  }

  /** The gestures the campaigns carry (お詫びの品・見舞金): one per person each, as every notice is sent once. */
  consolation(): ConsolationGesture[] {
    return [...this.campaigns.values()].flatMap(({ plan, progress }) =>
      plan.consolation ? [{ ...plan.consolation, people: progress.total, issued: progress.waves.reduce((n, w) => n + w.sent, 0) }] : [],
    );
  }

  private async finished(final: CampaignStatus): Promise<void> {
    await this.progressed(final);
    const { plan } = this.campaigns.get(final.campaignId)!;
    await this.timeline.log(
      { kind: 'campaign-finished', detail: `${final.campaignId} ${final.state}: ${final.unreachable} of ${final.total} unreachable by mail` },
      { unreachable: final.unreachable, total: final.total },
    );
    if (final.total > 0 && final.unreachable / final.total > plan.unreachableThreshold) {
      const share = Math.round((1000 * final.unreachable) / final.total) / 10;
      await this.timeline.log({
        kind: 'public-notice-required',
        detail: `${final.unreachable} people (${share} %) cannot be reached by mail, above the ${plan.unreachableThreshold * 100} % threshold: publish a notice and open a contact desk (APPI Art. 26(2) proviso)`,
      });
      await this.context.learn({ unreachableCount: Math.max(this.context.unreachableCount() ?? 0, final.unreachable) });
    }
  }

  private campaign(id: string): TrackedCampaign {
    const known = this.campaigns.get(id);
    if (!known) throw new Error(`invalid request: campaignId: no campaign "${id}" on this breach (known: ${[...this.campaigns.keys()].join(', ') || 'none'})`);
    return known;
  }

  /** A wave as the campaign reported it, with who approved it. */
  private wave(known: TrackedCampaign, wave: WaveProgress): WaveProgress {
    const approvedBy = known.approvedBy.get(wave.wave);
    return approvedBy === undefined ? wave : { ...wave, approvedBy };
  }
}
