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
  /** Local activities scheduled and not yet resolved: the workflow task goes on (and answers no one) until they are. */
  let pendingLocal = 0;
  /** An update's handler has finished since the last status was handed over: its caller may read it next. */
  let answered = false;
  let position: StatusPosition = { taskAt: 0, historyLength: 0, seq: 0 };
  return {
    inbound: [
      {
        handleUpdate(input, next) {
          const result = next(input);
          const settle = () => (answered = true);
          result.then(settle, settle);
          return result;
        },
      },
    ],
    outbound: [
      {
        scheduleLocalActivity(input, next) {
          pendingLocal++;
          const result = next(input);
          const settle = () => pendingLocal--;
          result.then(settle, settle);
          return result;
        },
      },
    ],
    internals: [
      {
        activate(input, next) {
          if (input.activation.jobs?.some((job) => !READ_ONLY.has((job as { variant?: string }).variant ?? ''))) changed = true;
          return next(input);
        },
        concludeActivation(input, next) {
          const output = next(input);
          // An activation that leaves local activities running is not the end of its workflow task: the worker runs
          // them and comes back within the same task, whose completion (and any update's answer) waits for them. The
          // status is handed over when they are done, once, rather than after each (a breach's first task records
          // seven outcomes, one local activity each), unless an update has been answered in the meantime. (A local activity
          // that outlasts the task's timeout lets the task complete before it: the status is then handed over when
          // it resolves.)
          if (!changed || !current || (pendingLocal > 0 && !answered)) return output;
          changed = false;
          answered = false;
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
