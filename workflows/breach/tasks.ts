// The playbook's tasks: each with a target counted from awareness, a clock that escalates when it slips, and the
// outcomes recorded against it. The report and the notices find a task by what it provides, never by its id.
import type { EscalationAnswerRequest, EscalationAnswerResult, ResponsePolicy, TaskStatus } from '../definitions';
import { answeredSteps, DEFAULT_MAX_SNOOZE_MINUTES, decideAnswer, type EscalationAnswer, taskSteps } from '../domain/escalation';
import { type FactsUpdate, parseOrExplain } from '../domain/facts';
import { OUTCOME_SCHEMAS, type Playbook, type PlaybookTask, RecordTaskRequest, TaskProvides, taskProviding } from '../domain/playbook';
import { answerDetail, answerStatus, inForce } from './answers';
import { Clock } from './clock';
import type { EscalationSender } from './escalations';
import type { Timeline } from './timeline';

const DAY_MS = 86_400_000;

interface TrackedTask {
  task: PlaybookTask;
  state: 'open' | 'done' | 'waived';
  targetAt: number;
  records: { at: number; by: string; outcome?: unknown; waived?: string }[];
  clock: Clock;
  /** The latest acknowledgement or snooze of its escalation. */
  answer?: EscalationAnswer;
}

/** A task's escalation is named after it: "task/<task id>". */
export const TASK_ESCALATION = 'task/';

export class Tasks {
  private readonly tasks = new Map<string, TrackedTask>();

  constructor(
    private readonly breachId: string,
    private readonly timeline: Timeline,
    private readonly sender: EscalationSender,
    /** Findings of the investigation are facts: they drive the legal obligations (a malicious cause: 60 days). */
    private readonly learn: (update: FactsUpdate) => Promise<unknown>,
  ) {}

  /** Opens the playbook's tasks, each with its target counted from awareness and a clock that escalates when it slips. */
  start(playbook: Playbook, awareAt: number): void {
    this.open(playbook, awareAt);
    for (const tracked of this.tasks.values()) this.startClock(tracked);
  }

  /** The tasks with their targets, before their clocks start: what can be recorded, and by whom. */
  open(playbook: Playbook, awareAt: number): void {
    for (const task of playbook.tasks) {
      this.tasks.set(task.id, { task, state: 'open', targetAt: awareAt + task.targetHours * 3_600_000, records: [], clock: new Clock(this.sender) });
    }
  }

  /** The last outcome recorded on the task that provides each thing, for the report and the notices. */
  provided(): Partial<Record<TaskProvides, unknown>> {
    const tasks = [...this.tasks.values()].map((t) => t.task);
    return Object.fromEntries(
      TaskProvides.options.flatMap((what) => {
        const task = taskProviding(tasks, what);
        const outcome = task && this.tasks.get(task.id)!.records.at(-1)?.outcome;
        return outcome ? [[what, outcome]] : [];
      }),
    );
  }

  openIds(): string[] {
    return [...this.tasks.values()].filter((t) => t.state === 'open').map((t) => t.task.id);
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
    if (!parsed.waive) parseOrExplain(OUTCOME_SCHEMAS[tracked.task.outcome], parsed.outcome ?? {}, `outcome of ${parsed.taskId}`);
  }

  async record(request: RecordTaskRequest): Promise<TaskStatus> {
    const tracked = this.tasks.get(request.taskId)!;
    const { task } = tracked;
    if (request.waive) {
      tracked.records.push({ at: Date.now(), by: request.by.id, waived: request.waive.reason });
      tracked.state = 'waived';
      tracked.clock.stop();
      if (this.sender.isPaged(`${TASK_ESCALATION}${task.id}`)) await this.sender.followUp(`${TASK_ESCALATION}${task.id}`, 'resolve');
      await this.timeline.log({ kind: 'task-waived', actor: request.by.id, detail: `${task.id}: ${request.waive.reason}` });
      return this.status(tracked, Date.now());
    }
    const outcome = OUTCOME_SCHEMAS[task.outcome].parse(request.outcome ?? {}) as Record<string, unknown>;
    tracked.records.push({ at: Date.now(), by: request.by.id, outcome });
    // A press release is done when published; a recurring report comes round again until the last one.
    const published = task.outcome !== 'publication' || outcome.stage === 'published';
    const again = task.repeatEveryDays !== undefined && !outcome.final;
    if (again) {
      tracked.targetAt = Date.now() + task.repeatEveryDays! * DAY_MS;
      this.startClock(tracked);
    } else if (published) {
      tracked.state = 'done';
      tracked.clock.stop();
      if (this.sender.isPaged(`${TASK_ESCALATION}${task.id}`)) await this.sender.followUp(`${TASK_ESCALATION}${task.id}`, 'resolve');
    }
    const summary =
      task.outcome === 'evidence' ? `${(outcome.items as unknown[]).length} item(s) preserved with their SHA-256` : JSON.stringify(outcome).slice(0, 300);
    await this.timeline.log(
      { kind: 'task-recorded', actor: request.by.id, detail: `${task.id}: ${summary}${again ? `; next due ${new Date(tracked.targetAt).toISOString()}` : ''}` },
      { taskId: task.id, outcome },
    );
    if (task.outcome === 'facts') await this.learn(outcome.facts as FactsUpdate);
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
        detail: `${tracked.task.id}: ${answerDetail(answer, (ms) => new Date(ms).toISOString(), false)}`,
      },
      { taskId: tracked.task.id, via: answer.via, ...(answer.until !== undefined ? { until: answer.until } : {}) },
    );
    if (answer.action === 'acknowledge' && this.sender.isPaged(request.escalationId)) await this.sender.followUp(request.escalationId, 'acknowledge');
    const next = this.stepsToSend(tracked, Date.now()).find((s) => s.at > Date.now());
    return { ...answerStatus(request.escalationId, answer), ...(next ? { nextEscalation: { step: next.step, at: new Date(next.at).toISOString() } } : {}) };
  }

  statuses(now: number): TaskStatus[] {
    return [...this.tasks.values()].map((t) => this.status(t, now));
  }

  private status(tracked: TrackedTask, now: number): TaskStatus {
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
      escalations: tracked.clock.records.map((r) => `${r.dueAt}/${r.step}`),
      ...(tracked.state === 'open' && inForce(tracked.answer, tracked.targetAt)
        ? { answer: answerStatus(`${TASK_ESCALATION}${id}`, inForce(tracked.answer, tracked.targetAt)!) }
        : {}),
    };
  }

  /** The task's escalation steps still to send at `now`, less what an acknowledgement stops and with what a snooze holds. */
  private stepsToSend({ task, targetAt, clock, answer }: TrackedTask, now: number) {
    return answeredSteps(taskSteps(targetAt, now, clock.sent(targetAt), task.escalateTo), inForce(answer, targetAt), false);
  }

  /** At the target, then daily, three times in all: a mail to the task's escalation audience and a timeline entry. */
  private startClock(tracked: TrackedTask): void {
    const { task, targetAt } = tracked;
    tracked.clock.start(this.stepsToSend(tracked, Date.now()), {
      label: `task ${task.id}`,
      dueAt: targetAt,
      mailKey: (step) => `${this.breachId}/task/${task.id}/${targetAt}/${step.step}`,
      notice: (step) => ({
        breachId: this.breachId,
        obligationId: `task/${task.id}`,
        title: task.title,
        citation: `playbook, ${task.stage} (owner: ${task.owner})`,
        dueAt: targetAt,
        zone: 'UTC',
        guidance: false,
        step: step.step,
        overdue: true,
      }),
      // A microtask after an obligation's, as before the two clocks were one: a late breach's summary replays in the order its history holds.
      delivered: async (step, delivered, mailKey) => {
        await Promise.resolve();
        await this.overdue(task, targetAt, step.step, `to the ${delivered.audience}`, mailKey);
      },
      undelivered: async (step, error, mailKey) => {
        await Promise.resolve();
        await this.overdue(task, targetAt, step.step, `could not be sent (${error.message})`, mailKey);
      },
    });
  }

  private overdue(task: PlaybookTask, targetAt: number, step: string, outcome: string, mailKey: string): Promise<void> {
    return this.timeline.log(
      { kind: 'task-overdue', actor: 'breachline', detail: `${task.id} (${task.owner}) ${step} ${outcome}: target ${new Date(targetAt).toISOString()}` },
      { taskId: task.id, step, mailKey },
    );
  }
}
