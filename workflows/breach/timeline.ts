// The breach's audit timeline: every entry kept in the workflow and recorded as an outcome in the store. A store
// that cannot take an entry does not stop the response: the entry stays, marked, and the failure is in the status.
import { ActivityFailure, ApplicationFailure, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/types';
import type { TimelineEntry } from '../definitions';

// Recording an outcome is one short insert into the store: a local activity, without a server round trip. Retried for
// about two minutes, then reported in the status; a value the store refuses (StoreRejected) is not retried at all.
const { recordOutcome } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8, nonRetryableErrorTypes: ['StoreRejected'] },
});

/** A timeline entry whose copy in the store could not be written: kept here, shown in the status, never silently lost. */
export interface StoreFailure {
  entry: number;
  kind: TimelineEntry['kind'];
  reason: string;
  at: number;
}

/** What went wrong, in one line: an activity's own failure message rather than the wrapper's. */
export function failureReason(error: unknown): string {
  const cause = error instanceof ActivityFailure ? (error.cause ?? error) : error;
  return ((cause as Error).message ?? String(cause)).split('\n')[0]!.slice(0, 500);
}

export class Timeline {
  readonly entries: TimelineEntry[] = [];
  readonly storeFailures: StoreFailure[] = [];

  constructor(
    private readonly breachId: string,
    /** Told of each store failure, to alert the owner: what is not recorded must be looked at. */
    private readonly onStoreFailure: (reason: string) => void,
  ) {}

  /**
   * Adds an entry and records it as an outcome in the store, with `data` for machines. The idempotency key is the
   * entry's place in the timeline: deterministic, so a replay records nothing twice. A store failure is kept.
   */
  async log(entry: Omit<TimelineEntry, 'at'>, data: Record<string, unknown> = {}): Promise<void> {
    await this.logOrFail(entry, data).catch(() => undefined);
  }

  /** As log, but a store failure fails the caller too: for changes that count only once recorded (approvals). */
  async logOrFail(entry: Omit<TimelineEntry, 'at'>, data: Record<string, unknown> = {}): Promise<void> {
    const at = Date.now();
    this.entries.push({ at, ...entry });
    const place = this.entries.length;
    const { kind, obligationId, actor, detail } = entry;
    try {
      await recordOutcome({
        idempotencyKey: `${this.breachId}/timeline/${place}`,
        breachId: this.breachId,
        kind,
        at,
        obligationId,
        actor,
        detail: { summary: detail, ...data },
      });
    } catch (error) {
      const reason = failureReason(error);
      this.entries[place - 1]!.unrecorded = reason;
      this.storeFailures.push({ entry: place, kind, reason, at: Date.now() });
      this.onStoreFailure(reason);
      throw ApplicationFailure.nonRetryable(`the store could not record this ${kind} (${reason}); nothing was changed`, 'StoreFailed');
    }
  }
}
