// The playbook's tasks: each with a target counted from awareness, a clock that escalates when it slips, and the
// outcomes recorded against it. The report and the notices find a task by what it provides, never by its id.
import type { EscalationAnswerRequest, EscalationAnswerResult, ResponsePolicy, TaskStatus } from '../definitions';
import {
  answeredSteps,
  DEFAULT_MAX_SNOOZE_MINUTES,
  decideAnswer,
  type EscalationAnswer,
  type EscalationLadder,
  pendingSteps,
  taskSteps,
} from '../domain/escalation';
import { type Facts, type FactsUpdate, parseOrExplain } from '../domain/facts';
import type { DocumentKind } from '../domain/narrative';
import { OUTCOME_SCHEMAS, type Playbook, type PlaybookTask, provides, RecordTaskRequest, TaskProvides, taskProviding } from '../domain/playbook';
import { type Insurer, investigationBodyCriteria, type StageTask, tasksFor } from '../domain/stages';
import { answerDetail, answerStatus, inForce } from './answers';
import { Clock } from './clock';
import type { EscalationSender } from './escalations';
import type { Timeline } from './timeline';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A contract's notice period is lost once missed: warned before it runs out, not only after. */
const CONTRACTUAL_LADDER: EscalationLadder = {
  before: [
    { atPercent: 50, audience: 'owner' },
    { atPercent: 80, audience: 'executive' },
  ],
  overdue: { audience: 'executive', everyHours: 24, times: 3 },
};

interface TrackedTask {
  id: string;
  task: PlaybookTask;
  title: string;
  state: 'open' | 'done' | 'waived';
  openedAt: number;
  targetAt: number;
  why?: string;
  records: { at: number; by: string; outcome?: unknown; waived?: string }[];
  clock: Clock;
  /** The latest acknowledgement or snooze of its escalation. */
  answer?: EscalationAnswer;
}

/** What the stages read besides the tasks' own outcomes: the facts as they are now, and the policy's insurers. */
export type StageSources = () => { facts: Facts; insurers: readonly Insurer[] };

/** A task's escalation is named after it: "task/<task id>". */
export const TASK_ESCALATION = 'task/';

export class Tasks {
  private readonly tasks = new Map<string, TrackedTask>();
  /** Set for breaches started with the response plan's stages: tasks then open as the facts switch them on. */
  private stages?: { playbook: Playbook; sources: StageSources };

  constructor(
    private readonly breachId: string,
    private readonly timeline: Timeline,
    private readonly sender: EscalationSender,
    /** Findings of the investigation are facts: they drive the legal obligations (a malicious cause: 60 days). */
    private readonly learn: (update: FactsUpdate) => Promise<unknown>,
    /** What a document still lacks before it may go out (the press release, the apology to partners). */
    private readonly gaps: (document: DocumentKind) => string[] = () => [],
  ) {}

  /** Opens the playbook's tasks, each with its target counted from awareness and a clock that escalates when it slips. */
  start(playbook: Playbook, awareAt: number): void {
    this.open(playbook, awareAt);
    for (const tracked of this.tasks.values()) this.startClock(tracked);
  }

  /**
   * Opens the tasks of every breach and those the facts already switch on, each with its target counted from
   * awareness; the rest open later, when the facts or an outcome switch them on (refresh).
   */
  startStages(playbook: Playbook, awareAt: number, sources: StageSources): void {
    this.stages = { playbook, sources };
    this.open(playbook, awareAt, tasksFor(playbook.tasks, { ...sources(), outcomes: this.outcomes() }));
    for (const tracked of this.tasks.values()) this.startClock(tracked);
  }

  /** The tasks with their targets, before their clocks start: what can be recorded, and by whom. */
  open(playbook: Playbook, awareAt: number, stageTasks?: StageTask[]): void {
    for (const t of stageTasks ?? playbook.tasks.map((task) => ({ id: task.id, task, title: task.title }))) {
      this.tasks.set(t.id, this.tracked(t, awareAt, awareAt));
    }
  }

  /** Opens the tasks the facts or the outcomes now switch on, each with its target counted from now. */
  async refresh(): Promise<void> {
    if (!this.stages) return;
    const now = Date.now();
    const opened = tasksFor(this.stages.playbook.tasks, { ...this.stages.sources(), outcomes: this.outcomes() }).filter((t) => !this.tasks.has(t.id));
    const logged: Promise<unknown>[] = [];
    for (const t of opened) {
      const tracked = this.tracked(t, now, now);
      this.tasks.set(t.id, tracked);
      this.startClock(tracked);
      logged.push(
        this.timeline.log(
          {
            kind: 'task-opened',
            actor: 'breachline',
            detail: `${t.id} (${t.task.owner}): ${t.why ?? 'switched on'}; target ${new Date(tracked.targetAt).toISOString()}`,
          },
          { taskId: t.id },
        ),
      );
    }
    await Promise.all(logged);
  }

  private tracked(t: StageTask, openedAt: number, from: number): TrackedTask {
    const hours = t.targetHours ?? t.task.targetHours;
    return {
      id: t.id,
      task: t.task,
      title: t.title,
      state: 'open',
      openedAt,
      targetAt: from + hours * HOUR_MS,
      why: t.why,
      records: [],
      clock: new Clock(this.sender),
    };
  }

  /** The last outcome recorded on the task that provides each thing, for the report and the notices. */
  provided(): Partial<Record<TaskProvides, unknown>> {
    const tasks = [...this.tasks.values()];
    return Object.fromEntries(
      TaskProvides.options.flatMap((what) => {
        const tracked = taskProviding(
          tasks.map((t) => ({ ...t.task, tracked: t })),
          what,
        )?.tracked;
        const outcome = tracked?.records.at(-1)?.outcome;
        return outcome ? [[what, outcome]] : [];
      }),
    );
  }

  /** The last outcome recorded on each task, by id. */
  outcomes(): Record<string, unknown> {
    return Object.fromEntries([...this.tasks.values()].flatMap((t) => (t.records.at(-1)?.outcome ? [[t.id, t.records.at(-1)!.outcome]] : [])));
  }

  openIds(): string[] {
    return [...this.tasks.values()].filter((t) => t.state === 'open').map((t) => t.id);
  }

  check(request: RecordTaskRequest): void {
    const parsed = parseOrExplain(RecordTaskRequest, request, 'task record');
    if (this.tasks.size === 0) throw new Error('invalid task record: this breach was started before the playbook, and has no tasks');
    const tracked = this.tasks.get(parsed.taskId);
    if (!tracked) throw new Error(`invalid task record: taskId: no task "${parsed.taskId}" (known: ${[...this.tasks.keys()].join(', ')})`);
    if (tracked.state !== 'open') throw new Error(`invalid task record: taskId: "${parsed.taskId}" is ${tracked.state}`);
    if (!parsed.by.roles.some((role) => (tracked.task.recordableBy as string[]).includes(role))) {
      throw new Error(
        `invalid task record: role: ${parsed.by.roles.join(', ')} may not record "${parsed.taskId}"; it needs ${tracked.task.recordableBy.join(' or ')}`,
      );
    }
    if (parsed.waive) return;
    const waiting = (tracked.task.after ?? []).flatMap((id) =>
      [...this.tasks.values()].filter((t) => t.state === 'open' && (t.id === id || (t.task.id === id && t.task.each))).map((t) => t.id),
    );
    if (waiting.length) {
      throw new Error(`invalid task record: taskId: "${parsed.taskId}" waits for ${waiting.join(', ')}: record or waive it first`);
    }
    const outcome = parseOrExplain(OUTCOME_SCHEMAS[tracked.task.outcome], parsed.outcome ?? {}, `outcome of ${parsed.taskId}`) as { stage?: string };
    // The press release is approved or published, the partners are sent the apology: neither with a field empty.
    const what = provides(tracked.task);
    const document = what === 'publication' && outcome.stage !== 'drafted' ? 'press-release' : what === 'partner-notice' ? 'partner-apology' : undefined;
    const gaps = document ? this.gaps(document) : [];
    if (gaps.length) throw new Error(`cannot record "${parsed.taskId}" yet: the ${document} still has empty fields: ${gaps.join('; ')}`);
  }

  async record(request: RecordTaskRequest): Promise<TaskStatus> {
    const tracked = this.tasks.get(request.taskId)!;
    const { task } = tracked;
    if (request.waive) {
      tracked.records.push({ at: Date.now(), by: request.by.id, waived: request.waive.reason });
      tracked.state = 'waived';
      tracked.clock.stop();
      if (this.sender.isPaged(`${TASK_ESCALATION}${tracked.id}`)) await this.sender.followUp(`${TASK_ESCALATION}${tracked.id}`, 'resolve');
      await this.timeline.log({ kind: 'task-waived', actor: request.by.id, detail: `${tracked.id}: ${request.waive.reason}` });
      return this.status(tracked, Date.now());
    }
    const outcome = OUTCOME_SCHEMAS[task.outcome].parse(request.outcome ?? {}) as Record<string, unknown>;
    // The criteria a management decision weighed are those the facts state when it is made, unless it states its own.
    if (task.outcome === 'investigation-body' && !outcome.criteria && this.stages) {
      const { scale, publicInterest, managementImplicated } = investigationBodyCriteria(this.stages.sources().facts);
      outcome.criteria = { scale, publicInterest, managementImplicated };
    }
    tracked.records.push({ at: Date.now(), by: request.by.id, outcome });
    // A press release is done when published, a takedown when the data is removed; a recurring report (and a
    // takedown request not yet answered) comes round again until the last one.
    const published = task.outcome !== 'publication' || outcome.stage === 'published';
    const removed = task.outcome === 'takedown' && outcome.status === 'removed';
    const again = task.repeatEveryDays !== undefined && !outcome.final && !removed;
    if (again) {
      tracked.targetAt = Date.now() + task.repeatEveryDays! * DAY_MS;
      this.startClock(tracked);
    } else if (published) {
      tracked.state = 'done';
      tracked.clock.stop();
      if (this.sender.isPaged(`${TASK_ESCALATION}${tracked.id}`)) await this.sender.followUp(`${TASK_ESCALATION}${tracked.id}`, 'resolve');
    }
    const summary =
      task.outcome === 'evidence' ? `${(outcome.items as unknown[]).length} item(s) preserved with their SHA-256` : JSON.stringify(outcome).slice(0, 300);
    await this.timeline.log(
      {
        kind: 'task-recorded',
        actor: request.by.id,
        detail: `${tracked.id}: ${summary}${again ? `; next due ${new Date(tracked.targetAt).toISOString()}` : ''}`,
      },
      { taskId: tracked.id, outcome },
    );
    if (outcome.facts) await this.learn(outcome.facts);
    if (this.stages) await this.refresh();
    return this.status(tracked, Date.now());
  }

  /** Whether this task's escalation may be answered so now; the answer it would put in force. */
  checkAnswer(request: EscalationAnswerRequest & { via: string }, policy: Pick<ResponsePolicy, 'maxSnoozeMinutes'>): EscalationAnswer {
    const id = request.escalationId.slice(TASK_ESCALATION.length);
    const tracked = this.tasks.get(id);
    if (!tracked) throw new Error(`invalid answer: escalationId: no task "${id}" on this breach (known: ${[...this.tasks.keys()].join(', ') || 'none'})`);
    if (tracked.state !== 'open') throw new Error(`invalid answer: escalationId: task "${id}" is ${tracked.state}: nothing escalates`);
    return decideAnswer(
      { ...request, by: request.by.id },
      inForce(tracked.answer, tracked.targetAt),
      { dueAt: tracked.targetAt, legal: false, maxSnoozeMinutes: policy.maxSnoozeMinutes ?? DEFAULT_MAX_SNOOZE_MINUTES },
      Date.now(),
    );
  }

  /** Acknowledges or snoozes the task's escalation: a task's target is the plan's, not the law's, so an acknowledgement stops it. */
  async answer(request: EscalationAnswerRequest & { via: string }, policy: Pick<ResponsePolicy, 'maxSnoozeMinutes'>): Promise<EscalationAnswerResult> {
    const tracked = this.tasks.get(request.escalationId.slice(TASK_ESCALATION.length))!;
    const answer = this.checkAnswer(request, policy);
    tracked.answer = answer;
    this.startClock(tracked);
    await this.timeline.log(
      {
        kind: answer.action === 'acknowledge' ? 'escalation-acknowledged' : 'escalation-snoozed',
        actor: answer.by,
        detail: `${tracked.id}: ${answerDetail(answer, (ms) => new Date(ms).toISOString(), false)}`,
      },
      { taskId: tracked.id, via: answer.via, ...(answer.until !== undefined ? { until: answer.until } : {}) },
    );
    if (answer.action === 'acknowledge' && this.sender.isPaged(request.escalationId)) await this.sender.followUp(request.escalationId, 'acknowledge');
    const next = this.stepsToSend(tracked, Date.now()).find((s) => s.at > Date.now());
    return { ...answerStatus(request.escalationId, answer), ...(next ? { nextEscalation: { step: next.step, at: new Date(next.at).toISOString() } } : {}) };
  }

  statuses(now: number): TaskStatus[] {
    return [...this.tasks.values()].map((t) => this.status(t, now));
  }

  private status(tracked: TrackedTask, now: number): TaskStatus {
    const { stage, owner, outcome, kind, after } = tracked.task;
    return {
      id: tracked.id,
      stage,
      title: tracked.title,
      owner,
      outcome,
      kind,
      ...(tracked.why ? { openedBecause: tracked.why } : {}),
      ...(after?.length ? { after } : {}),
      provides: provides(tracked.task),
      state: tracked.state,
      targetAt: new Date(tracked.targetAt).toISOString(),
      overdue: tracked.state === 'open' && now > tracked.targetAt,
      records: tracked.records.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
      escalations: tracked.clock.records.map((r) => `${r.dueAt}/${r.step}`),
      ...(tracked.state === 'open' && inForce(tracked.answer, tracked.targetAt)
        ? { answer: answerStatus(`${TASK_ESCALATION}${tracked.id}`, inForce(tracked.answer, tracked.targetAt)!) }
        : {}),
    };
  }

  /**
   * The task's escalation steps still to send at `now`, less what an acknowledgement stops and with what a snooze
   * holds. A contractual clock (an insurer's notice period) warns before it runs out, as a deadline does.
   */
  private stepsToSend({ task, openedAt, targetAt, clock, answer }: TrackedTask, now: number) {
    const steps =
      task.kind === 'contractual'
        ? pendingSteps(openedAt, targetAt, now, clock.sent(targetAt), CONTRACTUAL_LADDER)
        : taskSteps(targetAt, now, clock.sent(targetAt), task.escalateTo);
    return answeredSteps(steps, inForce(answer, targetAt), false);
  }

  /** At the target, then daily, three times in all: a mail to the task's escalation audience and a timeline entry. */
  private startClock(tracked: TrackedTask): void {
    const { id, task, title, targetAt } = tracked;
    const contractual = task.kind === 'contractual';
    tracked.clock.start(this.stepsToSend(tracked, Date.now()), {
      label: `task ${id}`,
      dueAt: targetAt,
      mailKey: (step) => `${this.breachId}/task/${id}/${targetAt}/${step.step}`,
      notice: (step) => ({
        breachId: this.breachId,
        obligationId: `task/${id}`,
        title,
        citation: contractual ? `contract term, not a law: ${tracked.why ?? title}` : `playbook, ${task.stage} (owner: ${task.owner})`,
        dueAt: targetAt,
        zone: 'UTC',
        guidance: false,
        step: step.step,
        overdue: step.overdue,
        // A contractual clock's mail names what it is (a contract term, not a law) where a task names its stage.
        ...(contractual ? {} : { task: { stage: task.stage, owner: task.owner } }),
      }),
      // A microtask after an obligation's, as before the two clocks were one: a late breach's summary replays in the order its history holds.
      delivered: async (step, delivered, mailKey) => {
        await Promise.resolve();
        await this.overdue(tracked, step.step, `to the ${delivered.audience}`, mailKey);
      },
      undelivered: async (step, error, mailKey) => {
        await Promise.resolve();
        await this.overdue(tracked, step.step, `could not be sent (${error.message})`, mailKey);
      },
    });
  }

  private overdue({ id, task, targetAt }: TrackedTask, step: string, outcome: string, mailKey: string): Promise<void> {
    return this.timeline.log(
      { kind: 'task-overdue', actor: 'breachline', detail: `${id} (${task.owner}) ${step} ${outcome}: target ${new Date(targetAt).toISOString()}` },
      { taskId: id, step, mailKey },
    );
  }
}
