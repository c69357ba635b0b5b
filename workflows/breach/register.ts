// The breach's entry in the register: rewritten to the store after each material change (an update the breach
// accepted, a wave or campaign changing state, the closure), as a new revision. Breaches started before the register
// existed write it from their first change after this code runs; on replay of an older history they write nothing.
import { condition, patched, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/types';
import type { RegisterEntry } from '../domain/register';
import { failureReason } from './timeline';

// As the timeline's outcomes: a short upsert, retried for about two minutes, then reported in the status.
const { recordRegisterEntry } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8, nonRetryableErrorTypes: ['StoreRejected'] },
});

export class RegisterWriter {
  private revision = 0;
  private dirty = false;
  private writing = false;
  /** The last entry written, without its revision: an unchanged breach writes no new revision. */
  private written?: string;
  /** Why the last write failed, until one succeeds. */
  failure?: string;

  constructor(
    /** The breach's entry as it is now, under the given revision. */
    private readonly entry: (revision: number) => RegisterEntry,
    private readonly onFailure: (reason: string) => void,
    /** On from the start (breaches started since 'decided-at-start'); older ones ask for 'breach-register' at their first change. */
    private readonly decidedAtStart = false,
  ) {}

  /** Something material changed: the entry is written again, once whatever is being written now is done. */
  touch(): void {
    if (!this.decidedAtStart && !patched('breach-register')) return;
    this.dirty = true;
    if (!this.writing) void this.drain();
  }

  /** Resolves when the latest change is in the register (or its write has failed). */
  async flush(): Promise<void> {
    await condition(() => !this.dirty && !this.writing);
  }

  status(): { revision: number; failed?: string } {
    return { revision: this.revision, ...(this.failure ? { failed: this.failure } : {}) };
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.dirty) {
      this.dirty = false;
      const next = this.entry(this.revision + 1);
      const content = JSON.stringify({ ...next, revision: 0 });
      if (content === this.written) continue;
      this.revision = next.revision;
      try {
        await recordRegisterEntry(next);
        this.written = content;
        this.failure = undefined;
      } catch (error) {
        this.failure = failureReason(error);
        this.onFailure(this.failure);
      }
    }
    this.writing = false;
  }
}
