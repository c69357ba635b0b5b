// One breach's response: what is known (the detections and the facts) and the state of each concern (obligations,
// tasks, campaigns, the timeline), wired together: a change of the facts reassesses the obligations.
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  type BreachClosure,
  type BreachStatus,
  type CampaignStatus,
  CloseRequest,
  EscalationAnswerRequest,
  type FactsUpdateResult,
  type Phase,
  type ResponsePolicy,
  searchAttributes,
} from '../definitions';
import { estimateDamage } from '../domain/damage';
import { registerEntry, type RegisterSource } from '../domain/register';
import { applyFactsUpdate, changedFacts, type Detection, detectedFacts, type Facts, type FactsUpdate, initialFacts, parseOrExplain } from '../domain/facts';
import { DEFAULT_PLAYBOOK, DEFAULT_PLAYBOOK_V1 } from '../domain/playbook';
import { announcementContent, type AnnouncementSources, deskSizing, expectedQuestions, investigationBodyCriteria } from '../domain/stages';
import { assess } from '../domain/regimes';
import { contactDeskOf, documentGaps, narratives } from '../domain/narrative';
import { approvalGaps, type ReportContent, type ReportSources, reportsFor } from '../domain/report';
import { Campaigns } from './campaigns';
import { EscalationSender } from './escalations';
import { Obligations, type Reassessment } from './obligations';
import { RegisterWriter } from './register';
import { TASK_ESCALATION, Tasks } from './tasks';
import { Timeline } from './timeline';

const detectionKey = (detection: Pick<Detection, 'source' | 'eventId'>) => JSON.stringify([detection.source, detection.eventId]);

export class BreachResponse {
  private facts: Facts;
  /** Every detection recorded on this breach, by source and event id: the one that started it and those attached since. */
  private readonly detections = new Set<string>();
  private publishedSearchAttributes?: string;
  closure?: BreachClosure;

  readonly timeline: Timeline;
  readonly escalations: EscalationSender;
  readonly obligations: Obligations;
  readonly tasks: Tasks;
  readonly campaigns: Campaigns;
  readonly register: RegisterWriter;

  constructor(
    private readonly breachId: string,
    private readonly detection: Detection,
    private readonly policy: ResponsePolicy,
    /** Started with the response plan's stages (patched 'response-plan-stages'): tasks open as the facts switch them on. */
    private readonly stages = false,
    /**
     * Started with the register and the escalation summaries decided at the start (patched 'decided-at-start'), not at
     * their first use. A first use can come after a local activity's result, which a replay may deliver one workflow
     * task earlier than the run that recorded it; a patch first asked for there is unknown to the replay and its
     * marker goes unmatched (TMPRL1100), and the breach stops.
     */
    decidedAtStart = false,
  ) {
    this.facts = initialFacts(detection);
    this.detections.add(detectionKey(detection));
    this.timeline = new Timeline(breachId, (reason) => void this.escalations.alertOwner(reason));
    this.escalations = new EscalationSender(breachId, this.timeline, policy.channels, decidedAtStart);
    this.obligations = new Obligations(
      breachId,
      policy,
      this.timeline,
      this.escalations,
      () => this.reassess(),
      (id, obligation) => approvalGaps(id, obligation, this.sources()),
    );
    this.tasks = new Tasks(
      breachId,
      this.timeline,
      this.escalations,
      (update) => this.learn(update),
      (document) => documentGaps(document, narratives(this.sources())),
    );
    this.campaigns = new Campaigns(breachId, policy, this.timeline, {
      closed: () => this.closure !== undefined,
      contactDesk: () => contactDeskOf(this.tasks.provided()),
      narratives: () => narratives(this.sources()),
      learn: (update) => this.learn(update),
      unreachableCount: () => this.facts.unreachableCount,
      alert: (notice) => this.escalations.waveAlert(notice),
    });
    this.register = new RegisterWriter(
      // From the parts the register keeps only: the whole status (documents, plan, timeline) is far more to compute at
      // each change, and a replay computes it again for every change in the history.
      (revision) => registerEntry(this.registerSource(), revision, this.closure),
      (reason) => void this.escalations.alertOwner(`the breach register: ${reason}`),
      decidedAtStart,
    );
  }

  /** A campaign reports progress: the register is rewritten when a campaign or one of its waves changes state. */
  async progressed(progress: CampaignStatus): Promise<void> {
    const states = () => JSON.stringify(this.campaigns.statuses().map((c) => [c.state, c.waves.map((w) => w.state)]));
    const before = states();
    await this.campaigns.progressed(progress);
    if (states() !== before) this.register.touch();
  }

  /** The playbook's tasks, each on its own clock from awareness. */
  startTasks(): void {
    const awareAt = Date.parse(this.facts.awareAt);
    if (!this.stages) return this.tasks.start(this.policy.playbook ?? DEFAULT_PLAYBOOK_V1, awareAt);
    this.tasks.startStages(this.policy.playbook ?? DEFAULT_PLAYBOOK, awareAt, () => ({ facts: this.facts, insurers: this.policy.insurers }));
  }

  async recordDetection(): Promise<void> {
    await this.timeline.log({ kind: 'detected', detail: `detected by ${this.detection.source} (event ${this.detection.eventId})` });
  }

  /** A further detection of the same incident: recorded once, however often it is sent, and what it knows is learned. */
  async attach(detection: Detection): Promise<{ attached: boolean }> {
    const key = detectionKey(detection);
    if (this.detections.has(key)) return { attached: false };
    this.detections.add(key);
    // A detector adds what it saw; it cannot lift an obligation (a detector's token is not an operator's).
    const { update, ignored } = detection.facts ? detectedFacts(this.facts, detection.facts) : { update: {}, ignored: [] };
    const left = ignored.length ? `; not applied, an operator's to decide: ${ignored.join(', ')}` : '';
    await this.timeline.log({
      kind: 'detection-attached',
      actor: detection.source,
      detail: `detected by ${detection.source} (event ${detection.eventId}): ${detection.summary.slice(0, 200)}${left}`,
    });
    if (Object.keys(update).length) await this.learn(update, detection.source);
    return { attached: true };
  }

  async learn(update: FactsUpdate, actor?: string): Promise<FactsUpdateResult> {
    const before = this.facts;
    this.facts = applyFactsUpdate(before, update);
    const changed = changedFacts(before, this.facts);
    const logged = this.timeline.log(
      { kind: 'facts-updated', ...(actor ? { actor } : {}), detail: changed.length ? `changed: ${changed.join(', ')}` : 'no change' },
      { changed },
    );
    const result = await this.reassess();
    await logged;
    if (this.stages && changed.length) await this.tasks.refresh();
    return { changed, ...result };
  }

  /** Recomputes the obligations from the facts and brings every deadline clock in line with them. */
  async reassess(): Promise<Reassessment> {
    // Reassessments recorded before the second edition of the rule packs replay with the first; every reassessment
    // made live, in old breaches too, uses the current one.
    const edition = patched('rule-packs-2') ? 2 : 1;
    const assessment = assess(this.facts, { submittedAt: this.obligations.submittedAt(), internalTargets: this.policy.internalTargets }, edition);
    const { result, logged } = this.obligations.apply(assessment);
    this.publishSearchAttributes();
    await Promise.all(logged);
    return result;
  }

  /** Validates an acknowledgement or snooze, naming the field and the reason it is refused. */
  checkAnswer(input: EscalationAnswerRequest): void {
    const request = parseOrExplain(EscalationAnswerRequest, input, 'answer');
    if (request.escalationId.startsWith(TASK_ESCALATION)) this.tasks.checkAnswer(request, this.policy);
    else this.obligations.checkAnswer(request);
  }

  /** Acknowledges or snoozes an escalation (an obligation's deadline, or a task's target); nothing is met by it. */
  answer(input: EscalationAnswerRequest) {
    const request = EscalationAnswerRequest.parse(input);
    return request.escalationId.startsWith(TASK_ESCALATION) ? this.tasks.answer(request, this.policy) : this.obligations.answer(request);
  }

  checkClose(request: CloseRequest): void {
    parseOrExplain(CloseRequest, request, 'close request');
    if (this.closure) throw new Error('cannot close: the breach is already closed');
    const open = this.obligations.openIds();
    const sending = this.campaigns.runningIds();
    const openTasks = this.tasks.openIds();
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
    await this.timeline.log({ kind: 'closed', actor: request.by.id, detail: request.reason });
    // The closed entry is in the register before the workflow (and, after retention, its history) is gone.
    this.register.touch();
    await this.register.flush();
    return closure;
  }

  status(): BreachStatus {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const { breachId, detection, facts, obligations, notApplicable, campaigns, tasks, approvals } = this.registerSource(now);
    return {
      breachId,
      phase: this.phase(),
      asOf: iso(now),
      detection,
      facts,
      obligations,
      notApplicable,
      campaigns,
      tasks,
      plan: this.plan(),
      damage: estimateDamage(this.facts, this.obligations.respondedAppropriately(now), {
        consolation: this.campaigns.consolation(),
        insurers: this.policy.insurers,
      }),
      reports: this.reports(),
      ...(this.policy.organisation ? { organisation: this.policy.organisation } : {}),
      approvals,
      timeline: this.timeline.entries.map((t) => ({ ...t, at: iso(t.at) })),
      storeFailures: this.timeline.storeFailures.map((f) => ({ ...f, at: iso(f.at) })),
      register: this.register.status(),
    };
  }

  /** The parts of the status the register keeps, as the status shows them. */
  private registerSource(now = Date.now()): RegisterSource {
    return {
      breachId: this.breachId,
      detection: {
        source: this.detection.source,
        eventId: this.detection.eventId,
        detectedAt: this.detection.detectedAt,
        summary: this.detection.summary,
        severity: this.detection.severity,
      },
      facts: this.facts,
      obligations: this.obligations.statuses(now),
      notApplicable: this.obligations.inapplicable(),
      campaigns: this.campaigns.statuses(),
      tasks: this.tasks.statuses(now),
      approvals: this.obligations.approvals.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
    };
  }

  /** The stages' answers for people and renderers: who investigates, the desk's size and FAQ, the final announcement. */
  private plan(): BreachStatus['plan'] {
    const notified = this.campaigns.forReports();
    const sources: AnnouncementSources = {
      facts: this.facts,
      detectionSummary: this.detection.summary,
      provided: this.tasks.provided(),
      outcomes: this.tasks.outcomes(),
      notified: { sent: notified.reduce((n, c) => n + c.sent, 0), byPost: notified.reduce((n, c) => n + c.postal + c.bounced, 0) },
      ...(this.campaigns.consolation()[0] ? { consolation: this.campaigns.consolation()[0] } : {}),
    };
    const monitoring = this.tasks.statuses(Date.now()).find((t) => t.id === 'takedown-monitoring');
    return {
      investigationBody: investigationBodyCriteria(this.facts),
      contactDesk: deskSizing(this.facts.affectedCount, this.policy.contactDesk),
      faq: expectedQuestions(sources, 'desk'),
      ...(this.facts.highPublicInterest ? { expectedQuestions: expectedQuestions(sources, 'press') } : {}),
      announcement: announcementContent(sources),
      ...(this.facts.publishedLocations?.length
        ? { takedown: { locations: this.facts.publishedLocations.length, ...(monitoring ? { monitoringEndsAt: monitoring.targetAt } : {}) } }
        : {}),
    };
  }

  /** A report for each obligation whose form Breachline knows, filled from what the breach knows now. */
  private reports(): ReportContent[] {
    return reportsFor(this.obligations.forReports().obligations, this.sources());
  }

  /** What the breach's documents are written from: its facts, detection, tasks' outcomes, obligations and waves. */
  private sources(): ReportSources {
    return {
      facts: this.facts,
      detectionSummary: this.detection.summary,
      provided: this.tasks.provided(),
      obligations: this.obligations.forReports().states,
      campaigns: this.campaigns.forReports(),
      ...(this.policy.organisation ? { organisation: this.policy.organisation } : {}),
    };
  }

  private phase(): Phase {
    if (this.closure) return 'closed';
    const states = this.obligations.states();
    if (states.includes('open')) return 'reporting';
    if (states.includes('satisfied')) return 'remediation';
    return 'triage';
  }

  /**
   * Keeps the breach findable by phase, regime and next deadline. Only where the client set the attributes at
   * start, i.e. where the namespace has them registered (the time-skipping test server has none).
   */
  private publishSearchAttributes(): void {
    if (!workflowInfo().typedSearchAttributes.get(searchAttributes.phase)) return;
    const open = this.obligations.openDeadlines();
    const values = { phase: this.phase(), regimes: this.obligations.regimes(), nextDeadlineAt: open.length ? Math.min(...open) : null };
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
