// Talking to breach workflows from outside: start one from a detection (idempotently), feed it facts, record
// approvals, read its status. The HTTP API and the CLI are thin shells over these functions.
import {
  Client,
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import type { UpdateDefinition } from '@temporalio/common';
import {
  type Actor,
  answerEscalation,
  approve,
  ApprovalRequest,
  attachDetection,
  type ApprovalRecord,
  approveWave,
  type BreachClosure,
  type BreachStatus,
  CampaignControl,
  CampaignRequest,
  type CampaignStatus,
  closeBreach,
  CloseRequest,
  controlCampaign,
  EscalationAnswerRequest,
  type EscalationAnswerResult,
  type FactsUpdateResult,
  recordTask,
  type ResponsePolicy,
  searchAttributes,
  sendTestNotice,
  startCampaign,
  statusQuery,
  type TaskStatus,
  TestNoticeRequest,
  updateFacts,
  WaveApproval,
  type WaveProgress,
} from '../workflows/definitions';
import { z } from 'zod';
import { estimateDamage } from '../workflows/domain/damage';
import { clientTracingInterceptors } from '../worker/tracing';
import { Detection, FactsUpdate, futureDetectionInstants, futureInstants, InvalidInput, parseOrExplain, Severity } from '../workflows/domain/facts';
import { Regime } from '../workflows/domain/obligations';
import { RecordTaskRequest } from '../workflows/domain/playbook';
import type { breachWorkflow } from '../workflows';
import type { EncryptionCodec } from '../worker/codec';
import type { BreachSummary, OpenRowsQuery } from '../activities/store/status-snapshots';
import { clientConnectionOptions, diagnose, type TemporalConnectionConfig, TemporalUnreachable } from '../worker/connection';
import { BreachIds, isBreachId } from './breach-ids';

export type { BreachSummary };

/**
 * How long one call may take, a worker's answer to a query or an update's acceptance included: a worker that is
 * starting (bundling its workflows, replaying a history) may take a while; a server that is down does not take this
 * long, because its retries end first (UNAVAILABLE_RETRY).
 */
export const TEMPORAL_DEADLINE_MS = 30_000;
/**
 * Retries of an unreachable server: 5 attempts, backing off from 170 ms, give up after about 1.8 s. The SDK's
 * default (10 attempts, to 5 s apart) keeps a detector or an operator waiting about 20 s for a 503.
 */
export const UNAVAILABLE_RETRY = defaultGrpcRetryOptions({ maxAttempts: 5 });

export class BreachNotFound extends Error {
  constructor(readonly breachId: string) {
    super(`no breach with id "${breachId}"`);
    this.name = 'BreachNotFound';
  }
}

/** An update sent to a breach that has been closed: its record is final. */
export class BreachClosed extends Error {
  constructor(readonly breachId: string) {
    super(`breach "${breachId}" is closed; its record can no longer change`);
    this.name = 'BreachClosed';
  }
}

/**
 * The breach's workflow task is failing and Temporal is retrying it: the breach takes no update, answers no status
 * query, sends no escalation and moves no clock until a task succeeds (a worker that cannot replay it, a bug).
 */
export class BreachStalled extends Error {
  constructor(readonly breachId: string) {
    super(
      `breach "${breachId}" is stalled: its workflow task is failing and Temporal is retrying it (the workers' log names the failure; alert BreachWorkflowTaskFailing). Until a task succeeds it takes no change and answers no status; nothing was changed`,
    );
    this.name = 'BreachStalled';
  }
}

/**
 * The server's answer to an update or a query while the workflow's task keeps failing (gRPC FAILED_PRECONDITION): "… due to
 * Workflow Task in failed state" once the task has failed twice, "… due to unexpected workflow task failure" when a
 * task failed while the update waited. Before the third attempt the server admits the update and it waits for the
 * deadline instead (answered as Temporal being unavailable); it may then run once a task succeeds.
 */
function isStalled(error: unknown): boolean {
  const cause = error instanceof ServiceError ? (error.cause as { code?: number; details?: string } | undefined) : undefined;
  return cause?.code === FAILED_PRECONDITION && /workflow task/i.test(cause.details ?? '');
}
const FAILED_PRECONDITION = 9;

/** An update the workflow refused: its validator's message, which names the field and the reason. */
export class UpdateRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpdateRejected';
  }
}

/** The namespace has no Breachline search attributes (e.g. the time-skipping test server): nothing to list by. */
export class SearchUnavailable extends Error {
  constructor() {
    super(
      'listing breaches needs the search attributes BreachPhase, BreachRegimes, BreachNextDeadlineAt and BreachSeverity registered in the namespace (npm start registers them)',
    );
    this.name = 'SearchUnavailable';
  }
}

/** A string literal in a visibility query. */
const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

export const ListFilter = z.strictObject({
  phase: z.enum(['triage', 'reporting', 'remediation', 'closed']).optional(),
  regime: Regime.optional(),
  severity: Severity.optional(),
  dueWithinHours: z.coerce
    .number()
    .min(0)
    .max(24 * 366)
    .optional()
    .describe('only breaches with an open deadline within this many hours (or missed)'),
  all: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
    .default(false)
    .describe('include closed breaches'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type ListFilter = z.input<typeof ListFilter>;

export interface StartResult {
  breachId: string;
  /** false: the breach this detection (or its correlation key) already started. */
  created: boolean;
  /** The detection joined an open breach with the same correlation key. */
  attached?: boolean;
}

/** A client for the API and the CLI: plaintext to an address, or with the TLS and API key of the connection settings. */
export async function connectClient(
  options: Pick<TemporalConnectionConfig, 'address' | 'namespace'> & Partial<TemporalConnectionConfig> & { codec: EncryptionCodec },
): Promise<Client> {
  let connection: Connection;
  const settings = { sources: {}, description: options.address, ...options };
  try {
    connection = await Connection.connect({
      ...clientConnectionOptions(settings),
      connectTimeout: '5 seconds',
      interceptors: [makeGrpcRetryInterceptor(UNAVAILABLE_RETRY)],
    });
  } catch (error) {
    const diagnosis = await diagnose(settings).catch(() => undefined);
    throw new TemporalUnreachable(options.address, diagnosis ? new Error(diagnosis) : error, settings);
  }
  return new Client({ connection, namespace: options.namespace, dataConverter: { payloadCodecs: [options.codec] }, interceptors: clientTracingInterceptors() });
}

/** Whether the namespace has Breachline's search attributes registered (the dev server started by us does). */
export async function hasSearchAttributes(client: Client): Promise<boolean> {
  try {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: client.options.namespace });
    return Object.values(searchAttributes).every((key) => customAttributes?.[key.name] !== undefined);
  } catch {
    return false;
  }
}

export interface BreachesOptions {
  /** Set the search attributes at start; the workflow keeps them current from then on. */
  searchable?: boolean;
  /** The deployment's escalation ladders and internal targets, given to each new breach. */
  policy?: ResponsePolicy;
  /** How detections map to breach ids; every process that starts breaches must share its key. */
  ids?: BreachIds;
  /** Now, for judging reported instants: the wall clock; the test server's time where that runs ahead of it. */
  now?: () => number | Promise<number>;
  /**
   * Each breach's status as the workers wrote it to the store (statusReader): a read there does not wake the
   * workflow, and the list of open breaches is read there too while it holds every running breach.
   */
  snapshots?: {
    latest(breachId: string): Promise<BreachStatus | undefined>;
    listOpen?(query: OpenRowsQuery): Promise<BreachSummary[]>;
    countOpen?(): Promise<number>;
  };
  /** How long a check that the store lists every running breach is trusted (COVERAGE_TTL_MS). */
  coverageTtlMs?: number;
}

/** How long a check that the store lists every running breach is trusted before it is made again. */
const COVERAGE_TTL_MS = 10_000;

export class Breaches {
  readonly searchable: boolean;
  readonly policy?: ResponsePolicy;
  readonly ids: BreachIds;
  private readonly now: () => number | Promise<number>;
  private readonly snapshots?: BreachesOptions['snapshots'];

  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    options: BreachesOptions = {},
  ) {
    this.searchable = options.searchable ?? false;
    this.policy = options.policy;
    this.ids = options.ids ?? BreachIds.ephemeral();
    this.now = options.now ?? Date.now;
    this.snapshots = options.snapshots;
    this.coverageTtlMs = options.coverageTtlMs ?? COVERAGE_TTL_MS;
  }

  private readonly coverageTtlMs: number;
  private coverage?: { checkedAt: number; covered: Promise<boolean> };

  /**
   * Whether the store's status rows list every running breach: as many open rows as Temporal counts running
   * breaches on this queue. Not so while a breach started before the rows existed is open, or one's last write
   * failed (its row is withdrawn), or a breach was ended by Temporal's own tools: the list then asks visibility.
   * Checked at most every coverageTtlMs; a failed check counts as not covered.
   */
  private storeListsEveryBreach(): Promise<boolean> {
    const { snapshots } = this;
    if (!snapshots?.listOpen || !snapshots.countOpen) return Promise.resolve(false);
    const now = Date.now();
    if (!this.coverage || now - this.coverage.checkedAt >= this.coverageTtlMs) {
      const running = `WorkflowType = 'breachWorkflow' AND TaskQueue = ${quote(this.taskQueue)} AND ExecutionStatus = 'Running'`;
      const covered = Promise.all([snapshots.countOpen(), this.bounded(() => this.client.workflow.count(running))]).then(
        ([rows, { count }]) => rows === count,
        () => false,
      );
      this.coverage = { checkedAt: now, covered };
    }
    return this.coverage.covered;
  }

  static async connect(client: Client, taskQueue: string, options: Omit<BreachesOptions, 'searchable'> = {}): Promise<Breaches> {
    return new Breaches(client, taskQueue, { ...options, searchable: await hasSearchAttributes(client) });
  }

  /** Now, as this client judges instants and link expiries: the wall clock, or the test server's time. */
  async currentTime(): Promise<number> {
    return this.now();
  }

  /** Bounds every call to Temporal: an unreachable server is an error within TEMPORAL_DEADLINE_MS, not a hang. */
  private bounded<T>(call: () => Promise<T>): Promise<T> {
    return this.client.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, call);
  }

  /**
   * Starts the breach workflow for a detection, or finds the one already started for it (same source and event
   * id). A detection with a correlation key joins the open breach with that key instead, and is recorded there.
   */
  async start(input: unknown): Promise<StartResult> {
    const detection = parseOrExplain(Detection, input, 'detection');
    const future = futureDetectionInstants(detection, await this.now());
    if (future.length) throw new InvalidInput('detection', future);
    const own = this.ids.forDetection(detection.source, detection.eventId);
    // A detection that already started a breach of its own maps to it, whatever correlation key it carries now.
    if (detection.correlationKey && !(await this.exists(own))) {
      const breachId = this.ids.forCorrelation(detection.correlationKey);
      if (await this.startWorkflow(breachId, detection)) return { breachId, created: true };
      try {
        const { attached } = await this.send(breachId, attachDetection, Detection, 'detection', detection);
        return { breachId, created: false, attached };
      } catch (error) {
        // The breach with this key is closed: the detection is a new incident, started on its own id.
        if (!(error instanceof BreachClosed)) throw error;
      }
    }
    return { breachId: own, created: await this.startWorkflow(own, detection) };
  }

  private exists(breachId: string): Promise<boolean> {
    return this.state(breachId).then(
      () => true,
      (error: unknown) => {
        if (error instanceof BreachNotFound) return false;
        throw error;
      },
    );
  }

  /** Starts the workflow; false when one with this id already exists (running or closed). */
  private async startWorkflow(breachId: string, detection: Detection): Promise<boolean> {
    try {
      await this.bounded(() =>
        this.client.workflow.start<typeof breachWorkflow>('breachWorkflow', {
          workflowId: breachId,
          taskQueue: this.taskQueue,
          args: this.policy ? [detection, this.policy] : [detection],
          // A closed breach is not reopened by a late duplicate of its detection.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          // What a list shows without asking each workflow: encrypted by the codec like every payload.
          memo: { source: detection.source, summary: detection.summary, detectedAt: detection.detectedAt },
          ...(this.searchable
            ? {
                typedSearchAttributes: [
                  { key: searchAttributes.phase, value: 'triage' },
                  ...(detection.severity ? [{ key: searchAttributes.severity, value: detection.severity }] : []),
                ],
              }
            : {}),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw error;
    }
  }

  /**
   * Breaches filtered by the values the workflow keeps current (phase, regimes, nearest deadline, severity), soonest
   * deadline first. Open breaches are read from the store's status rows while they hold every running breach: the
   * `limit` soonest of all that match, without loading Temporal's visibility. Otherwise, and for closed breaches,
   * from visibility: the first `limit` matches it returns, ordered by deadline. Needs a namespace with the search
   * attributes registered (the dev server has them).
   */
  async list(input: unknown = {}): Promise<BreachSummary[]> {
    const filter = parseOrExplain(ListFilter, input, 'list filter');
    if (!this.searchable) throw new SearchUnavailable();
    const dueBy = filter.dueWithinHours === undefined ? undefined : new Date(Date.now() + filter.dueWithinHours * 3_600_000);
    if (!filter.all && filter.phase !== 'closed' && (await this.storeListsEveryBreach())) {
      return this.snapshots!.listOpen!({
        limit: filter.limit,
        ...(filter.phase ? { phase: filter.phase } : {}),
        ...(filter.regime ? { regime: filter.regime } : {}),
        ...(filter.severity ? { severity: filter.severity } : {}),
        ...(dueBy ? { dueBy } : {}),
      });
    }
    const clauses = [`WorkflowType = 'breachWorkflow'`, `TaskQueue = ${quote(this.taskQueue)}`];
    if (!filter.all) clauses.push(`ExecutionStatus = 'Running'`);
    if (filter.phase) clauses.push(`${searchAttributes.phase.name} = ${quote(filter.phase)}`);
    if (filter.regime) clauses.push(`${searchAttributes.regimes.name} = ${quote(filter.regime)}`);
    if (filter.severity) clauses.push(`${searchAttributes.severity.name} = ${quote(filter.severity)}`);
    if (dueBy) clauses.push(`${searchAttributes.nextDeadlineAt.name} <= ${quote(dueBy.toISOString())}`);
    const breaches: BreachSummary[] = [];
    for await (const { info, error } of this.listExecutions(clauses.join(' AND '), filter.limit)) {
      const next = info.typedSearchAttributes.get(searchAttributes.nextDeadlineAt);
      const memo = (info.memo ?? {}) as { source?: string; summary?: string; detectedAt?: string };
      breaches.push({
        breachId: info.workflowId,
        status: info.status.name,
        phase: info.typedSearchAttributes.get(searchAttributes.phase) ?? 'triage',
        severity: info.typedSearchAttributes.get(searchAttributes.severity),
        regimes: info.typedSearchAttributes.get(searchAttributes.regimes) ?? [],
        nextDeadlineAt: next ? next.toISOString() : null,
        startedAt: info.startTime.toISOString(),
        source: memo.source,
        summary: memo.summary,
        detectedAt: memo.detectedAt,
        ...(error ? { error } : {}),
      });
      if (breaches.length >= filter.limit) break;
    }
    const key = (b: BreachSummary) => (b.nextDeadlineAt ? Date.parse(b.nextDeadlineAt) : Number.POSITIVE_INFINITY);
    return breaches.sort((a, b) => key(a) - key(b) || a.breachId.localeCompare(b.breachId));
  }

  /**
   * Visibility, one row at a time: a row whose memo cannot be decoded is listed with its error, and the list goes
   * on (the SDK's own iterator ends at the first such row).
   */
  private async *listExecutions(query: string, pageSize: number) {
    const { client } = this;
    const converter = client.options.loadedDataConverter;
    let nextPageToken: Uint8Array | undefined;
    do {
      const response = await this.bounded(() =>
        client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize, nextPageToken }),
      );
      for (const raw of response.executions) {
        try {
          yield { info: await executionInfoFromRaw(raw, converter, raw, client.options.namespace) };
        } catch (error) {
          // The raw row with its memo hidden; its other fields (some on its protobuf prototype) as they are.
          const info = await executionInfoFromRaw(Object.assign(Object.create(raw) as typeof raw, { memo: null }), converter, raw, client.options.namespace);
          yield { info, error: `cannot decode this breach's summary: ${(error as Error).message}` };
        }
      }
      nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
    } while (nextPageToken);
  }

  async updateFacts(breachId: string, input: unknown, actor?: Actor): Promise<FactsUpdateResult> {
    const update = parseOrExplain(FactsUpdate, input, 'facts update');
    const future = futureInstants(update, await this.now());
    if (future.length) throw new InvalidInput('facts update', future);
    return this.update(breachId, () => this.execute(breachId, updateFacts, actor ? [update, actor] : [update]));
  }

  approve(breachId: string, input: unknown): Promise<ApprovalRecord> {
    return this.send(breachId, approve, ApprovalRequest, 'approval', input);
  }

  /** Acknowledges or snoozes an escalation; the obligation stays open. */
  answerEscalation(breachId: string, input: unknown): Promise<EscalationAnswerResult> {
    return this.send(breachId, answerEscalation, EscalationAnswerRequest, 'answer', input);
  }

  recordTask(breachId: string, input: unknown): Promise<TaskStatus> {
    return this.send(breachId, recordTask, RecordTaskRequest, 'task record', input);
  }

  startCampaign(breachId: string, input: unknown): Promise<{ campaignId: string }> {
    return this.send(breachId, startCampaign, CampaignRequest, 'campaign', input);
  }

  approveWave(breachId: string, input: unknown): Promise<WaveProgress> {
    return this.send(breachId, approveWave, WaveApproval, 'wave approval', input);
  }

  controlCampaign(breachId: string, input: unknown): Promise<CampaignStatus['state']> {
    return this.send(breachId, controlCampaign, CampaignControl, 'campaign control', input);
  }

  sendTestNotice(breachId: string, input: unknown): Promise<{ messageId: string }> {
    return this.send(breachId, sendTestNotice, TestNoticeRequest, 'test notice', input);
  }

  close(breachId: string, input: unknown): Promise<BreachClosure> {
    return this.send(breachId, closeBreach, CloseRequest, 'close request', input);
  }

  /** Every update goes the same way: its input checked by its schema (a bad one rejects), then sent, errors translated. */
  private async send<Ret, Arg>(breachId: string, definition: UpdateDefinition<Ret, [Arg]>, schema: z.ZodType, what: string, input: unknown): Promise<Ret> {
    const request = parseOrExplain(schema, input, what) as Arg;
    return this.update(breachId, () => this.execute(breachId, definition, [request]));
  }

  /**
   * Sends an update: accepted (its validator passed) within the deadline, or Temporal is unavailable; then waits
   * for its result, which may take the activities it runs.
   */
  private async execute<Ret, Args extends [unknown, ...unknown[]]>(breachId: string, definition: UpdateDefinition<Ret, Args>, args: Args): Promise<Ret> {
    const handle = this.client.workflow.getHandle(breachId);
    const update = await this.bounded(() => handle.startUpdate(definition, { args, waitForStage: WorkflowUpdateStage.ACCEPTED }));
    return update.result();
  }

  /** Whether the breach is running or closed; throws BreachNotFound. Asks the server only, not a worker. */
  async state(breachId: string): Promise<'open' | 'closed'> {
    if (!isBreachId(breachId)) throw new BreachNotFound(breachId);
    const description = await this.bounded(() => this.client.workflow.getHandle(breachId).describe()).catch((error: unknown) => {
      throw error instanceof WorkflowNotFoundError ? new BreachNotFound(breachId) : error;
    });
    if (description.type !== 'breachWorkflow') throw new BreachNotFound(breachId);
    return description.status.name === 'RUNNING' ? 'open' : 'closed';
  }

  /** Throws BreachNotFound, or BreachClosed for a breach whose record is final. */
  async assertOpen(breachId: string): Promise<void> {
    if ((await this.state(breachId)) === 'closed') throw new BreachClosed(breachId);
  }

  /**
   * The breach's status: as its worker wrote it to the store at the end of its latest change, with its clocks read
   * now, without asking Temporal (a row is only ever written by a breach's workflow, and its last change, closure
   * included, is in it before the workflow moves on). Else (no row: a breach from before, a write that failed, no
   * store here) by asking the workflow, which replays its history on a worker that no longer holds it.
   */
  async status(breachId: string): Promise<BreachStatus> {
    if (!isBreachId(breachId)) throw new BreachNotFound(breachId);
    const snapshot = await this.snapshots?.latest(breachId).catch(() => undefined); // a store that does not answer: the query does
    if (snapshot) return statusAt(snapshot, await this.now());
    await this.state(breachId); // a breach, not another workflow a query would wait on
    try {
      return await this.bounded(() => this.client.workflow.getHandle(breachId).query(statusQuery));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new BreachNotFound(breachId);
      if (isStalled(error)) throw new BreachStalled(breachId);
      throw error;
    }
  }

  private async update<T>(breachId: string, send: () => Promise<T>): Promise<T> {
    if (!isBreachId(breachId)) throw new BreachNotFound(breachId);
    try {
      return await send();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        // The server answers "not found" for a closed workflow too: tell the two apart.
        const closed = await this.bounded(() => this.client.workflow.getHandle(breachId).describe()).then(
          (d) => d.status.name !== 'RUNNING',
          () => false,
        );
        throw closed ? new BreachClosed(breachId) : new BreachNotFound(breachId);
      }
      if (error instanceof WorkflowUpdateFailedError) throw new UpdateRejected(error.cause?.message ?? error.message);
      if (isStalled(error)) throw new BreachStalled(breachId);
      throw error;
    }
  }
}

/**
 * A status as its clocks read at `now`: time left and overdue of each obligation and task, and the damage estimate's
 * response factor (a missed deadline makes the response inappropriate); the rest is as written.
 */
export function statusAt(status: BreachStatus, now: number): BreachStatus {
  const obligations = status.obligations.map((o) => ({
    ...o,
    timeLeftMs: Date.parse(o.dueAt) - now,
    overdue: o.state === 'open' && now > Date.parse(o.dueAt),
  }));
  const { coverage, consolation } = status.damage;
  return {
    ...status,
    asOf: new Date(now).toISOString(),
    obligations,
    tasks: status.tasks.map((t) => ({ ...t, overdue: t.state === 'open' && now > Date.parse(t.targetAt) })),
    damage: {
      ...estimateDamage(status.facts, !obligations.some((o) => o.overdue), consolation ? { consolation: consolation.gestures } : {}),
      ...(coverage ? { coverage } : {}),
    },
  };
}
