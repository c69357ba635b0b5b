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
import { approve, ApprovalRequest, searchAttributes, type ApprovalRecord, type BreachStatus, closeBreach, type ResponsePolicy, CloseRequest, type FactsUpdateResult, statusQuery, updateFacts } from '../workflows/definitions';
import { Detection, FactsUpdate, parseOrExplain } from '../workflows/domain/facts';
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
        ...(this.searchable ? { typedSearchAttributes: [{ key: searchAttributes.phase, value: 'triage' }] } : {}),
      });
      return { breachId, created: true };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { breachId, created: false };
      throw error;
    }
  }

  async updateFacts(breachId: string, input: unknown): Promise<FactsUpdateResult> {
    const update = parseOrExplain(FactsUpdate, input, 'facts update');
    return this.update(breachId, () => this.client.workflow.getHandle(breachId).executeUpdate(updateFacts, { args: [update] }));
  }

  async approve(breachId: string, input: unknown): Promise<ApprovalRecord> {
    const request = parseOrExplain(ApprovalRequest, input, 'approval');
    return this.update(breachId, () => this.client.workflow.getHandle(breachId).executeUpdate(approve, { args: [request] }));
  }

  async close(breachId: string, input: unknown) {
    const request = parseOrExplain(CloseRequest, input, 'close request');
    return this.update(breachId, () => this.client.workflow.getHandle(breachId).executeUpdate(closeBreach, { args: [request] }));
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
