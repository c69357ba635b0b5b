// The breach's status, handed to the worker at the end of each workflow task that changed it, for the store
// (worker/status-sink.ts): a status read then costs a row, not a replay of the breach's whole history on a worker
// that no longer holds it in memory. This is a workflow interceptor module, bundled with the workflows. It adds no
// command and no history event: a sink is not recorded, and is not called while a history is replayed.
import { proxySinks, type Sinks, workflowInfo, type WorkflowInterceptors } from '@temporalio/workflow';
import type { BreachStatus } from './definitions';

/** Where in the breach's history a status was computed; later positions replace earlier ones in the store. */
export interface StatusPosition {
  /**
   * The workflow task's time (ms): later tasks come later, also across an eviction (which starts the activation
   * count again) and a reset (whose new run has a shorter history than the run it replaces).
   */
  taskAt: number;
  /** The history length when this workflow task started. */
  historyLength: number;
  /** The order among the activations of that task (a task with local activities has several). */
  seq: number;
}

export interface StatusSinks extends Sinks {
  breachStatus: { snapshot(status: BreachStatus, position: StatusPosition): void };
}

const { breachStatus } = proxySinks<StatusSinks>();

/** The running breach's status; module state is the workflow's own (each workflow evaluates this module anew). */
let current: (() => BreachStatus) | undefined;

/** Called once by the breach workflow: from then on, every live activation that changed it hands its status over. */
export function publishStatus(status: () => BreachStatus): void {
  current = status;
}

/** Activations of queries only (and evictions) change nothing. */
const READ_ONLY = new Set(['queryWorkflow', 'removeFromCache']);

export const interceptors = (): WorkflowInterceptors => {
  let changed = false;
  let position: StatusPosition = { taskAt: 0, historyLength: 0, seq: 0 };
  return {
    internals: [
      {
        activate(input, next) {
          if (input.activation.jobs?.some((job) => !READ_ONLY.has((job as { variant?: string }).variant ?? ''))) changed = true;
          return next(input);
        },
        concludeActivation(input, next) {
          const output = next(input);
          if (!changed || !current) return output;
          changed = false;
          const { historyLength, unsafe } = workflowInfo();
          if (unsafe.isReplaying) return output;
          const taskAt = Date.now(); // the workflow's time: this task's
          const same = taskAt === position.taskAt && historyLength === position.historyLength;
          position = { taskAt, historyLength, seq: same ? position.seq + 1 : 0 };
          try {
            breachStatus.snapshot(current(), position);
          } catch {
            // A status that cannot be computed is the status query's to report; the workflow goes on regardless.
          }
          return output;
        },
      },
    ],
  };
};
