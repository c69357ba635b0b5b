// The breach's legal obligations and their deadline clocks: opened, moved, withdrawn and reopened as the assessment
// of the facts changes, and satisfied by approvals (two different people for four-eyes recipients).
import {
  ApprovalRequest,
  type ApprovalRecord,
  type EscalationAnswerRequest,
  type EscalationAnswerResult,
  type FactsUpdateResult,
  type ObligationState,
  type ObligationStatus,
  type ResponsePolicy,
} from '../definitions';
import { inZone } from '../domain/calendar';
import { answeredSteps, DEFAULT_MAX_SNOOZE_MINUTES, decideAnswer, type EscalationAnswer, ladderFor, pendingSteps } from '../domain/escalation';
import { parseOrExplain } from '../domain/facts';
import { sameApprover } from '../domain/identity';
import type { Assessment, Obligation } from '../domain/obligations';
import type { ReportSources } from '../domain/report';
import { answerDetail, answerStatus, inForce } from './answers';
import { Clock } from './clock';
import type { EscalationSender } from './escalations';
import type { Timeline } from './timeline';

interface Tracked {
  obligation: Obligation;
  state: ObligationState;
  satisfiedBy?: ApprovalRecord;
  /** Approvals so far; a four-eyes obligation is satisfied by the second, from a different approver. */
  approvals: ApprovalRecord[];
  withdrawnBecause?: string;
  /** The deadline clock, stopped when the obligation is satisfied or withdrawn, restarted when it moves. */
  clock: Clock;
  /** The latest acknowledgement or snooze of its escalation. */
  answer?: EscalationAnswer;
}

export type Reassessment = Omit<FactsUpdateResult, 'changed'>;

export class Obligations {
  private readonly tracked = new Map<string, Tracked>();
  private notApplicable: Assessment['notApplicable'] = [];
  readonly approvals: ApprovalRecord[] = [];

  constructor(
    private readonly breachId: string,
    private readonly policy: ResponsePolicy,
    private readonly timeline: Timeline,
    private readonly sender: EscalationSender,
    /** A later clock may start at a submission (NIS2 final report, DORA reports): the breach reassesses. */
    private readonly reassess: () => Promise<unknown>,
    /** What an obligation's report or notice still lacks before it may be approved (a final report's empty items). */
    private readonly gaps: (obligationId: string, obligation: Obligation) => string[] = () => [],
  ) {}

  /**
   * Brings the obligations and their clocks in line with an assessment, at once; the returned promises are the
   * timeline entries being recorded.
   */
  apply(assessment: Assessment): { result: Reassessment; logged: Promise<unknown>[] } {
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
    return { result, logged };
  }

  /** When each satisfied obligation was submitted: clocks that start at a submission count from it. */
  submittedAt(): Record<string, number> {
    return Object.fromEntries([...this.tracked.values()].flatMap((t) => (t.satisfiedBy ? [[t.obligation.id, t.satisfiedBy.at]] : [])));
  }

  check(request: ApprovalRequest): void {
    const parsed = parseOrExplain(ApprovalRequest, request, 'approval');
    const known = this.tracked.get(parsed.obligationId);
    if (!known) {
      throw new Error(
        `invalid approval: obligationId: no obligation "${parsed.obligationId}" on this breach (known: ${[...this.tracked.keys()].join(', ') || 'none'})`,
      );
    }
    if (known.state !== 'open') throw new Error(`invalid approval: obligationId: "${parsed.obligationId}" is ${known.state}, not open`);
    const gaps = this.gaps(parsed.obligationId, known.obligation);
    if (gaps.length) throw new Error(`cannot approve "${parsed.obligationId}" yet: still empty: ${gaps.join('; ')}`);
    // Four eyes are two people: one subject of the identity provider, whatever the names it gave; else one name,
    // `Alice@example.com ` and `alice@example.com` (NFKC, case, blanks, invisibles).
    if (known.approvals.some((a) => sameApprover(a.approver, parsed.approver))) {
      throw new Error(`four-eyes: ${parsed.approver.id} has already approved "${parsed.obligationId}"; a second, different approver must confirm it`);
    }
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
    await this.timeline.logOrFail(
      { kind: 'approval-recorded', obligationId: request.obligationId, actor: request.approver.id, detail },
      { action, filingReference: request.filingReference, approvalsNeeded: needed },
    );
    this.approvals.push(record);
    known.approvals.push(record);
    if (complete) {
      known.state = 'satisfied';
      known.satisfiedBy = record;
      known.clock.stop();
      // Breaches whose escalations never paged run exactly the steps they always ran.
      if (this.sender.isPaged(known.obligation.id)) await this.sender.followUp(known.obligation.id, 'resolve');
      await this.reassess();
    }
    return record;
  }

  /** Whether this obligation's escalation may be answered so now; the answer it would put in force. */
  checkAnswer(request: EscalationAnswerRequest & { via: string }): EscalationAnswer {
    const known = this.tracked.get(request.escalationId);
    if (!known) {
      throw new Error(
        `invalid answer: escalationId: no obligation "${request.escalationId}" on this breach (known: ${[...this.tracked.keys()].join(', ') || 'none'})`,
      );
    }
    if (known.state !== 'open') throw new Error(`invalid answer: escalationId: "${request.escalationId}" is ${known.state}: nothing escalates`);
    return decideAnswer(
      { ...request, by: request.by.id },
      inForce(known.answer, known.obligation.dueAt),
      { dueAt: known.obligation.dueAt, legal: true, maxSnoozeMinutes: this.policy.maxSnoozeMinutes ?? DEFAULT_MAX_SNOOZE_MINUTES },
      Date.now(),
    );
  }

  /** Acknowledges or snoozes the escalation: its clock restarts on the steps still to send; the obligation stays open. */
  async answer(request: EscalationAnswerRequest & { via: string }): Promise<EscalationAnswerResult> {
    const known = this.tracked.get(request.escalationId)!;
    const answer = this.checkAnswer(request);
    known.answer = answer;
    this.startClock(known);
    const { obligation } = known;
    await this.timeline.log(
      {
        kind: answer.action === 'acknowledge' ? 'escalation-acknowledged' : 'escalation-snoozed',
        obligationId: obligation.id,
        actor: answer.by,
        detail: answerDetail(answer, (ms) => inZone(ms, obligation.zone), true),
      },
      { via: answer.via, dueAt: answer.dueAt, ...(answer.until !== undefined ? { until: answer.until } : {}) },
    );
    if (answer.action === 'acknowledge' && this.sender.isPaged(obligation.id)) await this.sender.followUp(obligation.id, 'acknowledge');
    const next = this.nextEscalation(obligation, known, Date.now());
    return { ...answerStatus(obligation.id, answer), ...(next ? { nextEscalation: { step: next.step, at: next.at } } : {}) };
  }

  openIds(): string[] {
    return this.all.filter((t) => t.state === 'open').map((t) => t.obligation.id);
  }

  /** The instants still to meet, for the breach's search attributes. */
  openDeadlines(): number[] {
    return this.all.filter((t) => t.state === 'open').map((t) => t.obligation.dueAt);
  }

  regimes(): string[] {
    return [...new Set(this.all.map((t) => t.obligation.regime))];
  }

  states(): ObligationState[] {
    return this.all.map((t) => t.state);
  }

  /** The JO model's response factor: inappropriate (2) once a legal deadline is missed; appropriate or unknown (1) otherwise. */
  respondedAppropriately(now: number): boolean {
    return !this.all.some((t) => t.state === 'open' && now > t.obligation.dueAt);
  }

  /** What a report form reads of the obligations: each one's state and who satisfied it. */
  forReports(): { obligations: Obligation[]; states: ReportSources['obligations'] } {
    return {
      obligations: this.all.map((t) => t.obligation),
      states: this.all.map((t) => ({
        id: t.obligation.id,
        state: t.state,
        dueAt: t.obligation.dueAt,
        ...(t.satisfiedBy ? { satisfiedBy: t.satisfiedBy.approver.id } : {}),
      })),
    };
  }

  inapplicable(): Assessment['notApplicable'] {
    return this.notApplicable;
  }

  statuses(now: number): ObligationStatus[] {
    const iso = (ms: number) => new Date(ms).toISOString();
    return this.all.map((known) => {
      const { obligation, state, satisfiedBy, withdrawnBecause, clock, approvals } = known;
      const answer = state === 'open' ? inForce(known.answer, obligation.dueAt) : undefined;
      return {
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
        escalations: clock.records.map((e) => ({
          step: e.step,
          at: iso(e.at),
          audience: e.audience,
          overdue: e.overdue,
          ...(e.failed ? { failed: e.failed } : {}),
          ...(e.channel ? { channel: e.channel } : {}),
        })),
        nextEscalation: state === 'open' ? this.nextEscalation(obligation, known, now) : undefined,
        ...(answer ? { answer: answerStatus(obligation.id, answer) } : {}),
      };
    });
  }

  private get all(): Tracked[] {
    return [...this.tracked.values()];
  }

  /** Regulator filings need two different approvers by default (the policy's fourEyes); the rest need one. */
  private approvalsNeeded(obligation: Obligation): number {
    return this.policy.fourEyes.includes(obligation.recipient) ? 2 : 1;
  }

  private open(obligation: Obligation): Promise<unknown> {
    const known: Tracked = { obligation, state: 'open', approvals: [], clock: new Clock(this.sender) };
    this.tracked.set(obligation.id, known);
    this.startClock(known);
    const detail = `due ${inZone(obligation.dueAt, obligation.zone)}; ${obligation.why.join('; ')}`;
    return this.timeline.log({ kind: 'obligation-opened', obligationId: obligation.id, detail }, { dueAt: obligation.dueAt });
  }

  private reopen(known: Tracked, obligation: Obligation): Promise<unknown> {
    Object.assign(known, { obligation, state: 'open', withdrawnBecause: undefined });
    this.startClock(known);
    const detail = `applies again; due ${inZone(obligation.dueAt, obligation.zone)}`;
    return this.timeline.log({ kind: 'obligation-reopened', obligationId: obligation.id, detail }, { dueAt: obligation.dueAt });
  }

  private move(known: Tracked, obligation: Obligation): Promise<unknown> {
    const from = known.obligation.dueAt;
    known.obligation = obligation;
    this.startClock(known);
    const detail = `from ${inZone(from, obligation.zone)} to ${inZone(obligation.dueAt, obligation.zone)}: ${obligation.counting}`;
    return this.timeline.log({ kind: 'deadline-moved', obligationId: obligation.id, detail }, { from, to: obligation.dueAt });
  }

  private withdraw(known: Tracked): Promise<unknown> {
    known.state = 'withdrawn';
    known.withdrawnBecause = this.notApplicable.find((n) => n.regime === known.obligation.regime)?.reason ?? 'no longer applies to the facts';
    known.clock.stop();
    const logged = this.timeline.log({ kind: 'obligation-withdrawn', obligationId: known.obligation.id, detail: known.withdrawnBecause });
    return this.sender.isPaged(known.obligation.id) ? Promise.all([logged, this.sender.followUp(known.obligation.id, 'resolve')]) : logged;
  }

  /** The ladder's steps still to send for the obligation's current deadline, one durable timer at a time. */
  private startClock(known: Tracked): void {
    const { obligation, clock } = known;
    const steps = this.stepsToSend(known, Date.now());
    clock.start(steps, {
      label: obligation.id,
      dueAt: obligation.dueAt,
      obligationId: obligation.id,
      mailKey: (step) => `${this.breachId}/escalation/${obligation.id}/${obligation.dueAt}/${step.step}`,
      notice: (step) => ({
        breachId: this.breachId,
        obligationId: obligation.id,
        title: obligation.title,
        citation: obligation.citation,
        dueAt: obligation.dueAt,
        zone: obligation.zone,
        guidance: obligation.guidance,
        step: step.step,
        overdue: step.overdue,
      }),
      delivered: (step, sent, mailKey) => {
        const detail = `${step.step} to the ${sent.audience}${sent.channel ? ` by ${sent.channel}` : ''}: due ${inZone(obligation.dueAt, obligation.zone)}`;
        return this.timeline.log(
          { kind: 'escalation-sent', obligationId: obligation.id, actor: 'breachline', detail },
          { step: step.step, audience: sent.audience, dueAt: obligation.dueAt, mailKey, ...(sent.channel ? { channel: sent.channel } : {}) },
        );
      },
    });
  }

  /** The ladder's steps still to send at `now`, less what an acknowledgement stops and with what a snooze holds. */
  private stepsToSend({ obligation, clock, answer }: Tracked, now: number) {
    const pending = pendingSteps(obligation.startAt, obligation.dueAt, now, clock.sent(obligation.dueAt), ladderFor(obligation, this.policy.ladders));
    return answeredSteps(pending, inForce(answer, obligation.dueAt), true);
  }

  private nextEscalation(obligation: Obligation, known: Tracked, now: number): ObligationStatus['nextEscalation'] {
    const next = this.stepsToSend(known, now).find((s) => s.at > now);
    return next && { step: next.step, at: new Date(next.at).toISOString(), audience: next.audience };
  }
}
