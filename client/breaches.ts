// Talking to breach workflows from outside: start one from a detection (idempotently), feed it facts, record
// approvals, read its status. The HTTP API and the CLI are thin shells over these functions.
import { createHash } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import {
  approve,
  ApprovalRequest,
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
import { Detection, FactsUpdate, parseOrExplain, Severity } from '../workflows/domain/facts';
import { Regime } from '../workflows/domain/obligations';
import { RecordTaskRequest } from '../workflows/domain/playbook';
import type { breachWorkflow } from '../workflows';
import type { EncryptionCodec } from '../worker/codec';
import { TemporalUnreachable } from '../worker/config';

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
    super('listing breaches needs the search attributes BreachPhase, BreachRegimes, BreachNextDeadlineAt and BreachSeverity registered in the namespace (npm start registers them)');
    this.name = 'SearchUnavailable';
  }
}

export const ListFilter = z.strictObject({
  phase: z.enum(['triage', 'reporting', 'remediation', 'closed']).optional(),
  regime: Regime.optional(),
  severity: Severity.optional(),
  dueWithinHours: z.coerce.number().min(0).max(24 * 366).optional().describe('only breaches with an open deadline within this many hours (or missed)'),
  all: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
    .default(false)
    .describe('include closed breaches'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type ListFilter = z.input<typeof ListFilter>;

export interface BreachSummary {
  breachId: string;
  status: string;
  phase: string;
  severity?: string;
  regimes: string[];
  /** The nearest open deadline (UTC), or null when none is open. */
  nextDeadlineAt: string | null;
  startedAt: string;
  source?: string;
  summary?: string;
  detectedAt?: string;
}

/**
 * The breach id for a detection: the same source and event id always give the same id, so a detection sent
 * twice starts one workflow. Readable prefix, collision-resistant suffix.
 */
export function breachIdFor(source: string, eventId: string): string {
  const slug = eventId.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 48);
  const digest = createHash('sha256').update(`${source}\u0000${eventId}`).digest('hex').slice(0, 12);
  return `breach-${source}-${slug}-${digest}`;
}

export async function connectClient(options: { address: string; namespace: string; codec: EncryptionCodec }): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: options.address, connectTimeout: '5 seconds' });
  } catch (error) {
    throw new TemporalUnreachable(options.address, error);
  }
  return new Client({ connection, namespace: options.namespace, dataConverter: { payloadCodecs: [options.codec] } });
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

export class Breaches {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    /** Set the search attributes at start; the workflow keeps them current from then on. */
    readonly searchable = false,
    /** The deployment's escalation ladders and internal targets, given to each new breach. */
    readonly policy?: ResponsePolicy,
  ) {}

  static async connect(client: Client, taskQueue: string, policy?: ResponsePolicy): Promise<Breaches> {
    return new Breaches(client, taskQueue, await hasSearchAttributes(client), policy);
  }

  /** Starts the breach workflow for a detection, or finds the one already started for it. */
  async start(input: unknown): Promise<{ breachId: string; created: boolean }> {
    const detection = parseOrExplain(Detection, input, 'detection');
    const breachId = breachIdFor(detection.source, detection.eventId);
    try {
      await this.client.workflow.start<typeof breachWorkflow>('breachWorkflow', {
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
      });
      return { breachId, created: true };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { breachId, created: false };
      throw error;
    }
  }

  /**
   * Breaches found through Temporal visibility, filtered on the server by the search attributes the workflow keeps
   * current, soonest deadline first. Needs a namespace with the attributes registered (the dev server has them).
   */
  async list(input: unknown = {}): Promise<BreachSummary[]> {
    const filter = parseOrExplain(ListFilter, input, 'list filter');
    if (!this.searchable) throw new SearchUnavailable();
    const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
    const clauses = [`WorkflowType = 'breachWorkflow'`, `TaskQueue = ${quote(this.taskQueue)}`];
    if (!filter.all) clauses.push(`ExecutionStatus = 'Running'`);
    if (filter.phase) clauses.push(`${searchAttributes.phase.name} = ${quote(filter.phase)}`);
    if (filter.regime) clauses.push(`${searchAttributes.regimes.name} = ${quote(filter.regime)}`);
    if (filter.severity) clauses.push(`${searchAttributes.severity.name} = ${quote(filter.severity)}`);
    if (filter.dueWithinHours !== undefined) {
      clauses.push(`${searchAttributes.nextDeadlineAt.name} <= ${quote(new Date(Date.now() + filter.dueWithinHours * 3_600_000).toISOString())}`);
    }
    const breaches: BreachSummary[] = [];
    for await (const info of this.client.workflow.list({ query: clauses.join(' AND '), pageSize: filter.limit })) {
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
      });
      if (breaches.length >= filter.limit) break;
    }
    const key = (b: BreachSummary) => (b.nextDeadlineAt ? Date.parse(b.nextDeadlineAt) : Number.POSITIVE_INFINITY);
    return breaches.sort((a, b) => key(a) - key(b) || a.breachId.localeCompare(b.breachId));
  }

  updateFacts(breachId: string, input: unknown): Promise<FactsUpdateResult> {
    return this.send(breachId, updateFacts, FactsUpdate, 'facts update', input);
  }

  approve(breachId: string, input: unknown): Promise<ApprovalRecord> {
    return this.send(breachId, approve, ApprovalRequest, 'approval', input);
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
    return this.update(breachId, () => this.client.workflow.getHandle(breachId).executeUpdate(definition, { args: [request] }));
  }

  async status(breachId: string): Promise<BreachStatus> {
    try {
      return await this.client.workflow.getHandle(breachId).query(statusQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new BreachNotFound(breachId);
      throw error;
    }
  }

  private async update<T>(breachId: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        // The server answers "not found" for a closed workflow too: tell the two apart.
        const closed = await this.client.workflow.getHandle(breachId).describe().then((d) => d.status.name !== 'RUNNING', () => false);
        throw closed ? new BreachClosed(breachId) : new BreachNotFound(breachId);
      }
      if (error instanceof WorkflowUpdateFailedError) throw new UpdateRejected(error.cause?.message ?? error.message);
      throw error;
    }
  }
}
