// One breach, one workflow: from detection to closure, it keeps the legal obligations current with the facts,
// runs a deadline clock with an escalation ladder for each open obligation, and records every approval.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyLocalActivities,
  setHandler,
  startChild,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import type { Activities, EscalationNotice, Notice } from '../activities/types';
import { notificationCampaign } from './campaign';
import {
  type Actor,
  Approver,
  ApprovalRequest,
  approve,
  attachDetection,
  type ApprovalRecord,
  type BreachClosure,
  type BreachStatus,
  closeBreach,
  CloseRequest,
  type FactsUpdateResult,
  type ObligationState,
  type ObligationStatus,
  type Phase,
  ResponsePolicy,
  searchAttributes,
  statusQuery,
  approveWave,
  type CampaignPlan,
  campaignProgress,
  CampaignControl,
  campaignControl,
  CampaignRequest,
  type CampaignStatus,
  controlCampaign,
  sendTestNotice,
  startCampaign,
  TestNoticeRequest,
  WaveApproval,
  waveApproved,
  type WaveProgress,
  recordTask,
  type TaskStatus,
  type TimelineEntry,
  updateFacts,
} from './definitions';
import { inZone } from './domain/calendar';
import { type EscalationAudience, ladderFor, pendingSteps } from './domain/escalation';
import {
  applyFactsUpdate,
  changedFacts,
  Detection,
  type Facts,
  FactsUpdate,
  type FieldError,
  futureDetectionInstants,
  futureInstants,
  initialFacts,
  InvalidInput,
  parseOrExplain,
} from './domain/facts';
import type { Assessment, Obligation } from './domain/obligations';
import type { ReportContent } from './domain/report';
import { assess } from './domain/regimes';
import { estimateDamage } from './domain/damage';
import { DEFAULT_PLAYBOOK, OUTCOME_SCHEMAS, type PlaybookTask, RecordTaskRequest } from './domain/playbook';
import { identityKey, sameIdentity } from './domain/identity';
import { ppcReport } from './domain/report';

/** Mail failures that no retry mends: a certificate not trusted, a login refused, an address refused, no address configured. */
const MAIL_PERMANENT = ['MailTls', 'MailAuth', 'MailRefused', 'MailConfig'];

const { sendTestNotice: sendTestNoticeActivity } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 3 } });
// An escalation that cannot be sent within about five minutes is reported failed and handed to the next audience:
// a deadline reminder that arrives an hour late has failed as surely as one never sent.
const { sendMail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8, nonRetryableErrorTypes: MAIL_PERMANENT },
});
// Recording an outcome is one short insert into the store: a local activity, without a server round trip. Retried for
// about two minutes, then reported in the status; a value the store refuses (StoreRejected) is not retried at all.
const { recordOutcome } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8, nonRetryableErrorTypes: ['StoreRejected'] },
});

/** The response plan, top to bottom: assess the law, run every deadline until it is met, close. */
export async function breachWorkflow(input: Detection, policy?: ResponsePolicy): Promise<BreachClosure> {
  const response = new BreachResponse(workflowInfo().workflowId, accept(Detection, input, 'detection'), accept(ResponsePolicy, policy ?? {}, 'response policy'));

  setHandler(updateFacts, (update: FactsUpdate, actor?: Actor) => response.learn(update, actor?.id), {
    validator: (update: FactsUpdate, actor?: Actor) => {
      refuseFuture(futureInstants(parseOrExplain(FactsUpdate, update, 'facts update'), Date.now()), 'facts update');
      if (actor !== undefined) parseOrExplain(Approver, actor, 'actor');
    },
  });
  setHandler(attachDetection, (detection) => response.attach(detection), {
    validator: (detection) => refuseFuture(futureDetectionInstants(parseOrExplain(Detection, detection, 'detection'), Date.now()), 'detection'),
  });
  setHandler(approve, (request) => response.approve(request), { validator: (request) => response.checkApproval(request) });
  setHandler(closeBreach, (request) => response.close(request), { validator: (request) => response.checkClose(request) });
  setHandler(statusQuery, () => response.status());
  setHandler(startCampaign, (request) => response.startCampaign(request), { validator: (request) => response.checkCampaign(request) });
  setHandler(approveWave, (request) => response.approveWave(request), { validator: (request) => response.checkWaveApproval(request) });
  setHandler(controlCampaign, (request) => response.controlCampaign(request), { validator: (request) => response.checkControl(request) });
  setHandler(sendTestNotice, (request) => response.sendTestNotice(request), { validator: (request) => response.checkTestNotice(request) });
  setHandler(campaignProgress, (progress) => response.campaignProgressed(progress));
  setHandler(recordTask, (request) => response.recordTask(request), { validator: (request) => response.checkTask(request) });
  // Breaches started before the playbook existed replay without its tasks: their histories have no timers for them.
  if (patched('playbook-tasks')) response.startTasks();

  // 1. Detection and assessment: record what the security tooling saw; decide which laws apply to what is
  //    known, and start a deadline clock for each obligation.
  await Promise.all([response.recordDetection(), response.reassess()]);
  // 2. Reporting and notification: the clocks escalate until operators approve; facts may change any time,
  //    and every change reassesses the obligations (learn).
  // 3. Closure: only when every obligation is satisfied or withdrawn (checked by the close update).
  await condition(() => response.closure !== undefined && allHandlersFinished());
  return response.closure!;
}

/** Instants a day or more after the workflow's own time (Temporal's clock) are refused, naming each. */
function refuseFuture(errors: FieldError[], what: string): void {
  if (errors.length) throw new InvalidInput(what, errors);
}

/** Input that reached the workflow without the client's validation fails it at once, naming the fields. */
function accept<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  try {
    return parseOrExplain(schema, input, what);
  } catch (error) {
    throw ApplicationFailure.nonRetryable((error as Error).message, what === 'detection' ? 'InvalidDetection' : 'InvalidPolicy');
  }
}

/** A timeline entry whose copy in the store could not be written: kept here, shown in the status, never silently lost. */
interface StoreFailure {
  entry: number;
  kind: TimelineEntry['kind'];
  reason: string;
  at: number;
}

interface Tracked {
  obligation: Obligation;
  state: ObligationState;
  satisfiedBy?: ApprovalRecord;
  /** Approvals so far; a four-eyes obligation is satisfied by the second, from a different approver. */
  approvals: ApprovalRecord[];
  withdrawnBecause?: string;
  escalations: { step: string; at: number; audience: EscalationAudience; overdue: boolean; dueAt: number; failed?: string }[];
  /** The running deadline clock, cancelled when the obligation is satisfied, withdrawn or moved. */
  clock?: CancellationScope;
}

interface TrackedTask {
  task: PlaybookTask;
  state: 'open' | 'done' | 'waived';
  targetAt: number;
  records: { at: number; by: string; outcome?: unknown; waived?: string }[];
  escalations: string[];
  clock?: CancellationScope;
}

const TASK_ESCALATIONS = 3;
/** Who is told when the audience before cannot be reached. */
const ESCALATION_CHAIN: EscalationAudience[] = ['owner', 'dpo', 'executive'];

/** Who got an escalation, and the audiences before it that could not be mailed. */
interface Delivered {
  audience: EscalationAudience;
  failed: string[];
}

interface Outgoing {
  key: string;
  audience: EscalationAudience;
  notice: Omit<EscalationNotice, 'template'>;
  obligationId?: string;
  settle(delivered: Delivered): void;
  fail(error: unknown): void;
}

/** No audience of an escalation could be mailed; each failure is already on the timeline. */
class EscalationUndelivered extends Error {
  constructor(failures: string[]) {
    super(`no audience could be mailed: ${failures.join('; ')}`);
  }
}

/** What went wrong, in one line: an activity's own failure message rather than the wrapper's. */
function failureReason(error: unknown): string {
  const cause = error instanceof ActivityFailure ? (error.cause ?? error) : error;
  return ((cause as Error).message ?? String(cause)).split('\n')[0]!.slice(0, 500);
}

const detectionKey = (detection: Pick<Detection, 'source' | 'eventId'>) => JSON.stringify([detection.source, detection.eventId]);

class BreachResponse {
  private facts: Facts;
  private readonly tracked = new Map<string, Tracked>();
  private notApplicable: Assessment['notApplicable'] = [];
  private readonly approvals: ApprovalRecord[] = [];
  private readonly timeline: TimelineEntry[] = [];
  private publishedSearchAttributes?: string;
  private readonly campaigns = new Map<string, { plan: CampaignPlan; status: CampaignStatus }>();
  private readonly tasks = new Map<string, TrackedTask>();
  /** Every detection recorded on this breach, by source and event id: the one that started it and those attached since. */
  private readonly detections = new Set<string>();
  readonly storeFailures: StoreFailure[] = [];
  private readonly storeAlerts = new Set<string>();
  /** Escalations due now, sent together when the current activation has queued them all. */
  private readonly outbox: Outgoing[] = [];
  private summaries = 0;
  closure?: BreachClosure;

  constructor(
    private readonly breachId: string,
    private readonly detection: Detection,
    private readonly policy: ResponsePolicy,
  ) {
    this.facts = initialFacts(detection);
    this.detections.add(detectionKey(detection));
  }

  async recordDetection(): Promise<void> {
    await this.log({ kind: 'detected', detail: `detected by ${this.detection.source} (event ${this.detection.eventId})` });
  }

  /** A further detection of the same incident: recorded once, however often it is sent, and what it knows is learned. */
  async attach(detection: Detection): Promise<{ attached: boolean }> {
    const key = detectionKey(detection);
    if (this.detections.has(key)) return { attached: false };
    this.detections.add(key);
    await this.log({ kind: 'detection-attached', actor: detection.source, detail: `detected by ${detection.source} (event ${detection.eventId}): ${detection.summary.slice(0, 200)}` });
    if (detection.facts) await this.learn(detection.facts, detection.source);
    return { attached: true };
  }

  async learn(update: FactsUpdate, actor?: string): Promise<FactsUpdateResult> {
    const before = this.facts;
    this.facts = applyFactsUpdate(before, update);
    const changed = changedFacts(before, this.facts);
    const logged = this.log({ kind: 'facts-updated', ...(actor ? { actor } : {}), detail: changed.length ? `changed: ${changed.join(', ')}` : 'no change' }, { changed });
    const result = await this.reassess();
    await logged;
    return { changed, ...result };
  }

  /** Recomputes the obligations from the facts and brings every deadline clock in line with them. */
  async reassess(): Promise<Omit<FactsUpdateResult, 'changed'>> {
    const assessment = assess(this.facts, { submittedAt: this.submittedAt(), internalTargets: this.policy.internalTargets });
    this.notApplicable = assessment.notApplicable;
    const result = { opened: [] as string[], moved: [] as string[], withdrawn: [] as string[] };
    const logged: Promise<unknown>[] = [];

    for (const obligation of assessment.obligations) {
      const known = this.tracked.get(obligation.id);
      if (!known) {
        logged.push(this.open(obligation));
        result.opened.push(obligation.id);
      } else if (known.state === 'withdrawn') {
        logged.push(this.reopen(known, obligation));
        result.opened.push(obligation.id);
      } else if (known.state === 'open' && known.obligation.dueAt !== obligation.dueAt) {
        logged.push(this.move(known, obligation));
        result.moved.push(obligation.id);
      } else {
        // Unchanged, or satisfied: a satisfied obligation keeps the deadline it was met against.
        known.obligation = { ...obligation, dueAt: known.obligation.dueAt, targetAt: known.obligation.targetAt };
      }
    }
    const applicable = new Set(assessment.obligations.map((o) => o.id));
    for (const known of this.tracked.values()) {
      if (known.state !== 'open' || applicable.has(known.obligation.id)) continue;
      logged.push(this.withdraw(known));
      result.withdrawn.push(known.obligation.id);
    }

    this.publishSearchAttributes();
    await Promise.all(logged);
    return result;
  }

  private open(obligation: Obligation): Promise<unknown> {
    this.tracked.set(obligation.id, { obligation, state: 'open', escalations: [], approvals: [] });
    this.startClock(obligation.id);
    const detail = `due ${inZone(obligation.dueAt, obligation.zone)}; ${obligation.why.join('; ')}`;
    return this.log({ kind: 'obligation-opened', obligationId: obligation.id, detail }, { dueAt: obligation.dueAt });
  }

  private reopen(known: Tracked, obligation: Obligation): Promise<unknown> {
    Object.assign(known, { obligation, state: 'open', withdrawnBecause: undefined });
    this.startClock(obligation.id);
    const detail = `applies again; due ${inZone(obligation.dueAt, obligation.zone)}`;
    return this.log({ kind: 'obligation-reopened', obligationId: obligation.id, detail }, { dueAt: obligation.dueAt });
  }

  private move(known: Tracked, obligation: Obligation): Promise<unknown> {
    const from = known.obligation.dueAt;
    known.obligation = obligation;
    this.startClock(obligation.id);
    const detail = `from ${inZone(from, obligation.zone)} to ${inZone(obligation.dueAt, obligation.zone)}: ${obligation.counting}`;
    return this.log({ kind: 'deadline-moved', obligationId: obligation.id, detail }, { from, to: obligation.dueAt });
  }

  private withdraw(known: Tracked): Promise<unknown> {
    known.state = 'withdrawn';
    known.withdrawnBecause = this.notApplicable.find((n) => n.regime === known.obligation.regime)?.reason ?? 'no longer applies to the facts';
    this.stopClock(known);
    return this.log({ kind: 'obligation-withdrawn', obligationId: known.obligation.id, detail: known.withdrawnBecause });
  }

  /** When each satisfied obligation was submitted: clocks that start at a submission count from it. */
  private submittedAt(): Record<string, number> {
    return Object.fromEntries([...this.tracked.values()].flatMap((t) => (t.satisfiedBy ? [[t.obligation.id, t.satisfiedBy.at]] : [])));
  }

  checkApproval(request: ApprovalRequest): void {
    const parsed = parseOrExplain(ApprovalRequest, request, 'approval');
    const known = this.tracked.get(parsed.obligationId);
    if (!known) {
      throw new Error(`invalid approval: obligationId: no obligation "${parsed.obligationId}" on this breach (known: ${[...this.tracked.keys()].join(', ') || 'none'})`);
    }
    if (known.state !== 'open') throw new Error(`invalid approval: obligationId: "${parsed.obligationId}" is ${known.state}, not open`);
    // Four eyes are two people: `Alice@example.com ` and `alice@example.com` are one (NFKC, case, blanks, invisibles).
    if (known.approvals.some((a) => sameIdentity(a.approver.id, parsed.approver.id))) {
      throw new Error(`four-eyes: ${parsed.approver.id} has already approved "${parsed.obligationId}"; a second, different approver must confirm it`);
    }
  }

  /** Regulator filings need two different approvers by default (the policy's fourEyes); the rest need one. */
  private approvalsNeeded(obligation: Obligation): number {
    return this.policy.fourEyes.includes(obligation.recipient) ? 2 : 1;
  }

  async approve(request: ApprovalRequest): Promise<ApprovalRecord> {
    const known = this.tracked.get(request.obligationId)!;
    const needed = this.approvalsNeeded(known.obligation);
    const complete = known.approvals.length + 1 >= needed;
    const action = !complete ? 'approved' : known.obligation.recipient === 'individuals' ? 'notified' : 'submitted';
    const record: ApprovalRecord = { ...request, at: Date.now(), action };
    const reference = request.filingReference ? ` (reference ${request.filingReference})` : '';
    const detail = complete ? `${action}${reference}` : `approved, ${known.approvals.length + 1} of ${needed}: awaiting a second approver${reference}`;
    // The approval counts only once its record is in the store: an obligation is never satisfied on a lost record.
    await this.logOrFail(
      { kind: 'approval-recorded', obligationId: request.obligationId, actor: request.approver.id, detail },
      { action, filingReference: request.filingReference, approvalsNeeded: needed },
    );
    this.approvals.push(record);
    known.approvals.push(record);
    if (complete) {
      known.state = 'satisfied';
      known.satisfiedBy = record;
      this.stopClock(known);
      await this.reassess(); // a later clock may start at this submission (NIS2 final report, DORA reports)
    }
    return record;
  }

  checkCampaign(request: CampaignRequest): void {
    const plan = parseOrExplain(CampaignRequest, request, 'campaign');
    if (this.closure) throw new Error('cannot start a campaign: the breach is closed');
    if (!plan.notice.contactDesk && !this.recordedContactDesk()) {
      throw new Error('invalid campaign: notice.contactDesk: open the contact desk first (record the contact-desk task) or give it here: every notice names it');
    }
  }

  /** The contact desk as recorded on the playbook's task: its channels and hours go into every notice. */
  private recordedContactDesk(): CampaignPlan['notice']['contactDesk'] {
    const outcome = this.tasks.get('contact-desk')?.records.at(-1)?.outcome as { phone?: string; email?: string; hours: string } | undefined;
    return outcome && { name: 'Contact desk', ...outcome };
  }

  /** Starts a notification campaign as a child workflow; it reports back through campaignProgress. */
  async startCampaign(request: CampaignRequest): Promise<{ campaignId: string }> {
    const requested = CampaignRequest.parse(request);
    const plan = { ...requested, notice: { ...requested.notice, contactDesk: requested.notice.contactDesk ?? this.recordedContactDesk() } };
    const campaignId = `${this.breachId}/campaign-${this.campaigns.size + 1}`;
    this.campaigns.set(campaignId, { plan, status: { campaignId, state: 'planning', total: 0, waves: [], unreachable: 0 } });
    const child = await startChild(notificationCampaign, {
      workflowId: campaignId,
      args: [{ breachId: this.breachId, campaignId, plan }],
      // A campaign outlives nothing: the breach cannot close while one runs (checkClose).
      parentClosePolicy: ParentClosePolicy.TERMINATE,
    });
    child.result().then(
      (final) => this.campaignFinished(final),
      (error) => this.log({ kind: 'campaign-finished', detail: `${campaignId} failed: ${(error as Error).message}` }),
    );
    const detail = `${campaignId}: waves of ${plan.waveSize} at ${plan.ratePerSecond}/s; public notice above ${plan.unreachableThreshold * 100} % unreachable`;
    await this.log({ kind: 'campaign-started', actor: plan.requestedBy.id, detail });
    return { campaignId };
  }

  /** Progress from a campaign: the mirror the status shows, and a timeline entry for each wave that changes state. */
  async campaignProgressed(progress: CampaignStatus): Promise<void> {
    const known = this.campaigns.get(progress.campaignId);
    if (!known) return;
    const before = new Map(known.status.waves.map((w) => [w.wave, w.state]));
    const outages = new Map(known.status.waves.map((w) => [w.wave, w.outage?.since]));
    known.status = progress;
    const logged: Promise<unknown>[] = [];
    for (const wave of progress.waves) {
      const outageSince = outages.get(wave.wave);
      if (wave.outage && wave.outage.since !== outageSince) {
        logged.push(this.log({ kind: 'wave-outage', detail: `${progress.campaignId} wave ${wave.wave} paused: the mail server cannot be reached (${wave.outage.reason})` }, { wave: wave.wave, since: wave.outage.since }));
      } else if (!wave.outage && outageSince) {
        logged.push(this.log({ kind: 'wave-resumed', detail: `${progress.campaignId} wave ${wave.wave} resumed: the mail server answers again (down since ${outageSince})` }, { wave: wave.wave }));
      }
      if (before.get(wave.wave) === wave.state) continue;
      if (wave.state === 'awaiting-approval') {
        const detail = `${progress.campaignId} wave ${wave.wave} (${wave.total} people) awaits approval${wave.templateError ? `; cannot be approved: ${wave.templateError}` : ''}`;
        logged.push(this.log({ kind: 'wave-ready', detail }));
      }
      if (wave.state === 'done') {
        logged.push(this.log({ kind: 'wave-sent', detail: `${progress.campaignId} wave ${wave.wave}: ${wave.sent} sent, ${wave.bounced} bounced, ${wave.postal} by post` }, { ...wave }));
      }
    }
    await Promise.all(logged);
  }

  private async campaignFinished(final: CampaignStatus): Promise<void> {
    await this.campaignProgressed(final);
    const { plan } = this.campaigns.get(final.campaignId)!;
    await this.log({ kind: 'campaign-finished', detail: `${final.campaignId} ${final.state}: ${final.unreachable} of ${final.total} unreachable by mail` }, { unreachable: final.unreachable, total: final.total });
    if (final.total > 0 && final.unreachable / final.total > plan.unreachableThreshold) {
      const share = Math.round((1000 * final.unreachable) / final.total) / 10;
      await this.log({ kind: 'public-notice-required', detail: `${final.unreachable} people (${share} %) cannot be reached by mail, above the ${plan.unreachableThreshold * 100} % threshold: publish a notice and open a contact desk (APPI Art. 26(2) proviso)` });
      // The substitute measure is an obligation: telling the engine how many cannot be reached opens it.
      await this.learn({ unreachableCount: Math.max(this.facts.unreachableCount ?? 0, final.unreachable) });
    }
  }

  private campaign(id: string) {
    const known = this.campaigns.get(id);
    if (!known) throw new Error(`invalid request: campaignId: no campaign "${id}" on this breach (known: ${[...this.campaigns.keys()].join(', ') || 'none'})`);
    return known;
  }

  checkWaveApproval(request: WaveApproval): void {
    const parsed = parseOrExplain(WaveApproval, request, 'wave approval');
    const wave = this.campaign(parsed.campaignId).status.waves.find((w) => w.wave === parsed.wave);
    if (!wave) throw new Error(`invalid wave approval: wave: no wave ${parsed.wave} in ${parsed.campaignId}`);
    if (wave.templateError) throw new Error(`invalid wave approval: template: ${wave.templateError}`);
    if (wave.state !== 'awaiting-approval') throw new Error(`invalid wave approval: wave: wave ${parsed.wave} is ${wave.state}, not awaiting approval`);
  }

  async approveWave(request: WaveApproval): Promise<WaveProgress> {
    const wave = this.campaign(request.campaignId).status.waves.find((w) => w.wave === request.wave)!;
    wave.approvedBy = request.approver.id;
    await getExternalWorkflowHandle(request.campaignId).signal(waveApproved, { wave: request.wave, by: request.approver.id });
    await this.log({ kind: 'wave-approved', actor: request.approver.id, detail: `${request.campaignId} wave ${request.wave} (${wave.total} people)` });
    return wave;
  }

  checkControl(request: CampaignControl): void {
    const parsed = parseOrExplain(CampaignControl, request, 'campaign control');
    const { state } = this.campaign(parsed.campaignId).status;
    if (state === 'done' || state === 'cancelled') throw new Error(`invalid campaign control: campaignId: ${parsed.campaignId} is ${state}`);
  }

  async controlCampaign(request: CampaignControl): Promise<CampaignStatus['state']> {
    await getExternalWorkflowHandle(request.campaignId).signal(campaignControl, { action: request.action, by: request.by.id });
    await this.log({ kind: 'campaign-controlled', actor: request.by.id, detail: `${request.campaignId}: ${request.action}` });
    return this.campaign(request.campaignId).status.state;
  }

  /** A test notice goes to the operator who asks for it, or to an address the policy lists: never to anyone else. */
  checkTestNotice(request: TestNoticeRequest): void {
    const parsed = parseOrExplain(TestNoticeRequest, request, 'test notice');
    this.campaign(parsed.campaignId);
    const allowed = [parsed.requestedBy.id, ...this.policy.testRecipients];
    if (!allowed.some((address) => sameIdentity(address, parsed.to))) {
      throw new Error(`invalid test notice: to: a test notice goes only to the requester's own address (${parsed.requestedBy.id}) or to one the policy's testRecipients lists`);
    }
  }

  /** Mails the notice, rendered for a synthetic sample person, to the approver: what a wave will look like. */
  async sendTestNotice(request: TestNoticeRequest): Promise<{ messageId: string }> {
    const { plan } = this.campaign(request.campaignId);
    return sendTestNoticeActivity({ notice: plan.notice, templates: plan.templates, to: request.to, locale: request.locale ?? 'ja' });
  }

  /** Opens the playbook's tasks, each with its target counted from awareness and a clock that escalates when it slips. */
  startTasks(): void {
    const awareAt = Date.parse(this.facts.awareAt);
    for (const task of (this.policy.playbook ?? DEFAULT_PLAYBOOK).tasks) {
      const tracked: TrackedTask = { task, state: 'open', targetAt: awareAt + task.targetHours * 3_600_000, records: [], escalations: [] };
      this.tasks.set(task.id, tracked);
      this.startTaskClock(tracked);
    }
  }

  private startTaskClock(tracked: TrackedTask): void {
    tracked.clock?.cancel();
    const clock = new CancellationScope();
    tracked.clock = clock;
    clock.run(() => this.escalateTask(tracked)).catch((error) => {
      if (!isCancellation(error)) throw error;
    });
  }

  /** At the target, then daily, three times in all: a mail to the task's escalation audience and a timeline entry. */
  private async escalateTask(tracked: TrackedTask): Promise<void> {
    const { task } = tracked;
    // A task that is already days late when its clock starts is escalated once, at once, not in a burst.
    const due = Math.floor((Date.now() - tracked.targetAt) / 86_400_000);
    for (let k = Math.min(Math.max(0, due), TASK_ESCALATIONS - 1); k < TASK_ESCALATIONS; k++) {
      const step = k === 0 ? 'missed' : `missed+${k * 24}h`;
      const key = `${tracked.targetAt}/${step}`;
      if (tracked.escalations.includes(key)) continue;
      const waitMs = tracked.targetAt + k * 86_400_000 - Date.now();
      if (waitMs > 0) await sleep(waitMs, { summary: `task ${task.id}: ${step}` });
      await CancellationScope.nonCancellable(async () => {
        const mailKey = `${this.breachId}/task/${task.id}/${key}`;
        const notice = { breachId: this.breachId, obligationId: `task/${task.id}`, title: task.title, citation: `playbook, ${task.stage} (owner: ${task.owner})`, dueAt: tracked.targetAt, zone: 'UTC', guidance: false, step, overdue: true };
        const sent = await this.escalate(mailKey, task.escalateTo, notice, { catchUp: waitMs <= 0 }).catch((error: unknown) => {
          if (error instanceof EscalationUndelivered) return { audience: task.escalateTo, failed: [error.message], undelivered: true };
          throw error;
        });
        tracked.escalations.push(key);
        const outcome = 'undelivered' in sent ? `could not be sent (${sent.failed.join('; ')})` : `to the ${sent.audience}`;
        await this.log({ kind: 'task-overdue', actor: 'breachline', detail: `${task.id} (${task.owner}) ${step} ${outcome}: target ${new Date(tracked.targetAt).toISOString()}` }, { taskId: task.id, step, mailKey });
      });
    }
  }

  checkTask(request: RecordTaskRequest): void {
    const parsed = parseOrExplain(RecordTaskRequest, request, 'task record');
    if (this.tasks.size === 0) throw new Error('invalid task record: this breach was started before the playbook, and has no tasks');
    const tracked = this.tasks.get(parsed.taskId);
    if (!tracked) throw new Error(`invalid task record: taskId: no task "${parsed.taskId}" (known: ${[...this.tasks.keys()].join(', ')})`);
    if (tracked.state !== 'open') throw new Error(`invalid task record: taskId: "${parsed.taskId}" is ${tracked.state}`);
    if (!parsed.by.roles.some((role) => (tracked.task.recordableBy as string[]).includes(role))) {
      throw new Error(`invalid task record: role: ${parsed.by.roles.join(', ')} may not record "${parsed.taskId}"; it needs ${tracked.task.recordableBy.join(' or ')}`);
    }
    if (!parsed.waive) parseOrExplain(OUTCOME_SCHEMAS[tracked.task.outcome], parsed.outcome ?? {}, `outcome of ${parsed.taskId}`);
  }

  async recordTask(request: RecordTaskRequest): Promise<TaskStatus> {
    const tracked = this.tasks.get(request.taskId)!;
    const { task } = tracked;
    if (request.waive) {
      tracked.records.push({ at: Date.now(), by: request.by.id, waived: request.waive.reason });
      tracked.state = 'waived';
      tracked.clock?.cancel();
      await this.log({ kind: 'task-waived', actor: request.by.id, detail: `${task.id}: ${request.waive.reason}` });
      return this.taskStatus(tracked, Date.now());
    }
    const outcome = OUTCOME_SCHEMAS[task.outcome].parse(request.outcome ?? {}) as Record<string, unknown>;
    tracked.records.push({ at: Date.now(), by: request.by.id, outcome });
    // A press release is done when published; a recurring report comes round again until the last one.
    const published = task.outcome !== 'publication' || outcome.stage === 'published';
    const again = task.repeatEveryDays !== undefined && !outcome.final;
    if (again) {
      tracked.targetAt = Date.now() + task.repeatEveryDays! * 86_400_000;
      this.startTaskClock(tracked);
    } else if (published) {
      tracked.state = 'done';
      tracked.clock?.cancel();
    }
    const summary = task.outcome === 'evidence' ? `${(outcome.items as unknown[]).length} item(s) preserved with their SHA-256` : JSON.stringify(outcome).slice(0, 300);
    await this.log({ kind: 'task-recorded', actor: request.by.id, detail: `${task.id}: ${summary}${again ? `; next due ${new Date(tracked.targetAt).toISOString()}` : ''}` }, { taskId: task.id, outcome });
    // Findings of the investigation are facts: they drive the legal obligations (a malicious cause: 60 days).
    if (task.outcome === 'facts') await this.learn(outcome.facts as FactsUpdate);
    return this.taskStatus(tracked, Date.now());
  }

  private taskStatus(tracked: TrackedTask, now: number): TaskStatus {
    const { id, stage, title, owner, outcome } = tracked.task;
    return {
      id,
      stage,
      title,
      owner,
      outcome,
      state: tracked.state,
      targetAt: new Date(tracked.targetAt).toISOString(),
      overdue: tracked.state === 'open' && now > tracked.targetAt,
      records: tracked.records.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
      escalations: tracked.escalations,
    };
  }

  checkClose(request: CloseRequest): void {
    parseOrExplain(CloseRequest, request, 'close request');
    if (this.closure) throw new Error('cannot close: the breach is already closed');
    const open = [...this.tracked.values()].filter((t) => t.state === 'open').map((t) => t.obligation.id);
    const sending = [...this.campaigns.values()].filter((c) => !['done', 'cancelled'].includes(c.status.state)).map((c) => c.status.campaignId);
    const openTasks = [...this.tasks.values()].filter((t) => t.state === 'open').map((t) => t.task.id);
    const reasons = [
      open.length ? `obligations still open: ${open.join(', ')}` : '',
      sending.length ? `campaigns still running: ${sending.join(', ')}` : '',
      openTasks.length ? `tasks still open (record or waive them with a reason): ${openTasks.join(', ')}` : '',
    ].filter(Boolean);
    if (reasons.length) throw new Error(`cannot close: ${reasons.join('; ')}`);
  }

  async close(request: CloseRequest): Promise<BreachClosure> {
    const closure = { breachId: this.breachId, closedAt: new Date().toISOString(), closedBy: request.by.id, reason: request.reason };
    this.closure = closure; // at once, so a second close is refused; the workflow ends when this handler has
    this.publishSearchAttributes();
    await this.log({ kind: 'closed', actor: request.by.id, detail: request.reason });
    return closure;
  }

  status(): BreachStatus {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      breachId: this.breachId,
      phase: this.phase(),
      asOf: iso(now),
      detection: {
        source: this.detection.source,
        eventId: this.detection.eventId,
        detectedAt: this.detection.detectedAt,
        summary: this.detection.summary,
        severity: this.detection.severity,
      },
      facts: this.facts,
      obligations: [...this.tracked.values()].map(({ obligation, state, satisfiedBy, withdrawnBecause, escalations, approvals }) => ({
        ...obligation,
        approvalsNeeded: this.approvalsNeeded(obligation),
        approvedBy: approvals.map((a) => a.approver.id),
        state,
        startAt: inZone(obligation.startAt, obligation.zone),
        dueAt: inZone(obligation.dueAt, obligation.zone),
        targetAt: obligation.targetAt === undefined ? undefined : inZone(obligation.targetAt, obligation.zone),
        timeLeftMs: obligation.dueAt - now,
        overdue: state === 'open' && now > obligation.dueAt,
        satisfiedAt: satisfiedBy && iso(satisfiedBy.at),
        satisfiedBy: satisfiedBy?.approver.id,
        withdrawnBecause,
        escalations: escalations.map((e) => ({ step: e.step, at: iso(e.at), audience: e.audience, overdue: e.overdue, ...(e.failed ? { failed: e.failed } : {}) })),
        nextEscalation: state === 'open' ? this.nextEscalation(obligation, escalations, now) : undefined,
      })),
      notApplicable: this.notApplicable,
      campaigns: [...this.campaigns.values()].map((c) => c.status),
      tasks: [...this.tasks.values()].map((t) => this.taskStatus(t, now)),
      damage: estimateDamage(this.facts, this.respondedAppropriately(now)),
      reports: this.reports(),
      approvals: this.approvals.map((a) => ({ ...a, at: iso(a.at) })),
      timeline: this.timeline.map((t) => ({ ...t, at: iso(t.at) })),
      storeFailures: this.storeFailures.map((f) => ({ ...f, at: iso(f.at) })),
    };
  }

  /** The JO model's response factor: inappropriate (2) once a legal deadline is missed; appropriate or unknown (1) otherwise. */
  private respondedAppropriately(now: number): boolean {
    return ![...this.tracked.values()].some((t) => t.state === 'open' && now > t.obligation.dueAt);
  }

  private reports(): ReportContent[] {
    const taskOutcomes = Object.fromEntries([...this.tasks.values()].flatMap((t) => (t.records.length && t.records.at(-1)!.outcome ? [[t.task.id, t.records.at(-1)!.outcome]] : [])));
    const individuals = this.tracked.get('JP-APPI/individuals');
    return [...this.tracked.values()]
      .filter((t) => t.obligation.regime === 'JP-APPI' && t.obligation.recipient === 'regulator')
      .map((t) =>
        ppcReport(t.obligation.id, t.obligation.title, t.obligation.citation, {
          facts: this.facts,
          detectionSummary: this.detection.summary,
          taskOutcomes,
          individualsNotified: individuals?.state === 'satisfied' ? `notified (approved by ${individuals.satisfiedBy?.approver.id})` : undefined,
          campaigns: [...this.campaigns.values()].map((c) => ({
            total: c.status.total,
            sent: c.status.waves.reduce((n, w) => n + w.sent, 0),
            postal: c.status.waves.reduce((n, w) => n + w.postal, 0),
            bounced: c.status.waves.reduce((n, w) => n + w.bounced, 0),
          })),
        }),
      );
  }

  private nextEscalation(obligation: Obligation, escalations: Tracked['escalations'], now: number): ObligationStatus['nextEscalation'] {
    const sent = new Set(escalations.filter((e) => e.dueAt === obligation.dueAt).map((e) => e.step));
    const next = pendingSteps(obligation.startAt, obligation.dueAt, now, sent, this.ladder(obligation)).find((s) => s.at > now);
    return next && { step: next.step, at: new Date(next.at).toISOString(), audience: next.audience };
  }

  private ladder(obligation: Obligation) {
    return ladderFor(obligation, this.policy.ladders);
  }

  private phase(): Phase {
    if (this.closure) return 'closed';
    const states = [...this.tracked.values()].map((t) => t.state);
    if (states.includes('open')) return 'reporting';
    if (states.includes('satisfied')) return 'remediation';
    return 'triage';
  }

  /** Starts (or restarts, after a move) the obligation's deadline clock: one durable timer at a time. */
  private startClock(id: string): void {
    const known = this.tracked.get(id)!;
    known.clock?.cancel();
    const clock = new CancellationScope();
    known.clock = clock;
    clock.run(() => this.escalateUntilMet(known)).catch((error) => {
      if (!isCancellation(error)) throw error;
    });
  }

  private stopClock(known: Tracked): void {
    known.clock?.cancel();
    known.clock = undefined;
  }

  /**
   * Sends an escalation. One already due when its clock starts (`catchUp`: the breach was found late, or its
   * deadline moved into the past) waits for the others due with it, and goes out in one summary per audience.
   */
  private escalate(key: string, audience: EscalationAudience, notice: Omit<EscalationNotice, 'template'>, subject: { obligationId?: string; catchUp: boolean }): Promise<Delivered> {
    // Breaches started before summaries existed send each escalation on its own, as their histories hold them.
    if (!subject.catchUp || !patched('escalation-summary')) return this.sendAlong(key, audience, { template: 'escalation', ...notice }, notice.step, subject.obligationId);
    return new Promise((settle, fail) => {
      if (this.outbox.push({ key, audience, notice, obligationId: subject.obligationId, settle, fail }) === 1) void Promise.resolve().then(() => this.flushOutbox());
    });
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
          items.length === 1 ? { template: 'escalation', ...first.notice } : { template: 'escalation-summary', breachId: this.breachId, items: items.map(({ notice: { breachId: _, ...item } }) => item) };
        const key = items.length === 1 ? first.key : `${this.breachId}/summary/${++this.summaries}`;
        try {
          const delivered = await this.sendAlong(key, audience, mail, items.length === 1 ? first.notice.step : `summary of ${items.length}`, items.length === 1 ? first.obligationId : undefined);
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
        await this.log({ kind: 'escalation-failed', obligationId, actor: 'breachline', detail: `${step} to the ${to} could not be sent: ${reason}${next ? `; trying the ${next}` : '; no audience left to try'}` }, { step, audience: to, reason, mailKey: key });
      }
    }
    throw new EscalationUndelivered(failed);
  }

  /** Tells the owner, once per distinct reason, that the store is failing: what is not recorded must be looked at. */
  private async alertOwner(reason: string): Promise<void> {
    if (this.storeAlerts.has(reason)) return;
    this.storeAlerts.add(reason);
    const notice = { breachId: this.breachId, obligationId: 'store', title: `The store could not record the breach's timeline (${reason})`, citation: 'Breachline outcome store', dueAt: Date.now(), zone: 'UTC', guidance: false, step: 'store-failed', overdue: true };
    await this.escalate(`${this.breachId}/store-failed/${this.storeAlerts.size}`, 'owner', notice, { catchUp: false }).catch(() => undefined);
  }

  private async escalateUntilMet(known: Tracked): Promise<void> {
    const { obligation } = known;
    const sent = new Set(known.escalations.filter((e) => e.dueAt === obligation.dueAt).map((e) => e.step));
    for (const step of pendingSteps(obligation.startAt, obligation.dueAt, Date.now(), sent, this.ladder(obligation))) {
      const waitMs = step.at - Date.now();
      if (waitMs > 0) await sleep(waitMs, { summary: `${obligation.id}: ${step.step}` }); // shown in the Web UI
      // Once the step is due it is sent whole, even if an approval arrives meanwhile: no half-sent escalation.
      await CancellationScope.nonCancellable(async () => {
        const key = `${this.breachId}/escalation/${obligation.id}/${obligation.dueAt}/${step.step}`;
        const notice = {
          breachId: this.breachId,
          obligationId: obligation.id,
          title: obligation.title,
          citation: obligation.citation,
          dueAt: obligation.dueAt,
          zone: obligation.zone,
          guidance: obligation.guidance,
          step: step.step,
          overdue: step.overdue,
        };
        try {
          const sent = await this.escalate(key, step.audience, notice, { obligationId: obligation.id, catchUp: waitMs <= 0 });
          known.escalations.push({ step: step.step, at: Date.now(), audience: sent.audience, overdue: step.overdue, dueAt: obligation.dueAt, ...(sent.failed.length ? { failed: sent.failed.join('; ') } : {}) });
          const detail = `${step.step} to the ${sent.audience}: due ${inZone(obligation.dueAt, obligation.zone)}`;
          await this.log({ kind: 'escalation-sent', obligationId: obligation.id, actor: 'breachline', detail }, { step: step.step, audience: sent.audience, dueAt: obligation.dueAt, mailKey: key });
        } catch (error) {
          if (!(error instanceof EscalationUndelivered)) throw error;
          // Nobody could be mailed: the step is recorded as failed, shown in the status, and the ladder goes on.
          known.escalations.push({ step: step.step, at: Date.now(), audience: step.audience, overdue: step.overdue, dueAt: obligation.dueAt, failed: error.message });
        }
      });
    }
  }

  /**
   * Adds an entry to the audit timeline and records it as an outcome in the store, with `data` for machines.
   * The idempotency key is the entry's place in the timeline: deterministic, so a replay records nothing twice.
   * A store that cannot take the entry does not stop the response: the entry stays in the timeline, marked, and
   * the failure is in the status for the owner to see (logOrFail for what must not happen unrecorded).
   */
  private async log(entry: Omit<TimelineEntry, 'at'>, data: Record<string, unknown> = {}): Promise<void> {
    await this.logOrFail(entry, data).catch(() => undefined);
  }

  /** As log, but a store failure fails the caller too: for changes that count only once recorded (approvals). */
  private async logOrFail(entry: Omit<TimelineEntry, 'at'>, data: Record<string, unknown> = {}): Promise<void> {
    const at = Date.now();
    this.timeline.push({ at, ...entry });
    const place = this.timeline.length;
    const { kind, obligationId, actor, detail } = entry;
    try {
      await recordOutcome({ idempotencyKey: `${this.breachId}/timeline/${place}`, breachId: this.breachId, kind, at, obligationId, actor, detail: { summary: detail, ...data } });
    } catch (error) {
      const reason = failureReason(error);
      this.timeline[place - 1]!.unrecorded = reason;
      this.storeFailures.push({ entry: place, kind, reason, at: Date.now() });
      void this.alertOwner(reason);
      throw ApplicationFailure.nonRetryable(`the store could not record this ${kind} (${reason}); nothing was changed`, 'StoreFailed');
    }
  }

  /**
   * Keeps the breach findable by phase, regime and next deadline. Only where the client set the attributes at
   * start, i.e. where the namespace has them registered (the time-skipping test server has none).
   */
  private publishSearchAttributes(): void {
    if (!workflowInfo().typedSearchAttributes.get(searchAttributes.phase)) return;
    const open = [...this.tracked.values()].filter((t) => t.state === 'open').map((t) => t.obligation.dueAt);
    const values = {
      phase: this.phase(),
      regimes: [...new Set([...this.tracked.values()].map((t) => t.obligation.regime))],
      nextDeadlineAt: open.length ? Math.min(...open) : null,
    };
    const published = JSON.stringify(values);
    if (published === this.publishedSearchAttributes) return; // unchanged: no history event
    this.publishedSearchAttributes = published;
    upsertSearchAttributes([
      { key: searchAttributes.phase, value: values.phase },
      { key: searchAttributes.regimes, value: values.regimes },
      { key: searchAttributes.nextDeadlineAt, value: values.nextDeadlineAt === null ? null : new Date(values.nextDeadlineAt) },
    ]);
  }
}
