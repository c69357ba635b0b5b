// One breach, one workflow: from detection to closure, it keeps the legal obligations current with the facts,
// runs a deadline clock with an escalation ladder for each open obligation and playbook task, and records every
// approval. This file is the wiring and the plan; each concern's state lives in workflows/breach/.
import { allHandlersFinished, ApplicationFailure, condition, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { z } from 'zod';
import {
  type Actor,
  answerEscalation,
  type ApprovalRequest,
  Approver,
  approve,
  approveWave,
  attachDetection,
  type BreachClosure,
  type CampaignControl,
  campaignProgress,
  type CampaignRequest,
  closeBreach,
  type CloseRequest,
  controlCampaign,
  type EscalationAnswerRequest,
  recordTask,
  ResponsePolicy,
  sendTestNotice,
  startCampaign,
  statusQuery,
  type TestNoticeRequest,
  updateFacts,
  type WaveApproval,
} from './definitions';
import { Detection, type FieldError, FactsUpdate, futureDetectionInstants, futureInstants, InvalidInput, parseOrExplain } from './domain/facts';
import type { RecordTaskRequest } from './domain/playbook';
import { BreachResponse } from './breach/response';
import { publishStatus } from './status-snapshot';

/** The response plan, top to bottom: contain and scope, report, notify and remediate, close. */
export async function breachWorkflow(input: Detection, policy?: ResponsePolicy): Promise<BreachClosure> {
  const detection = accept(Detection, input, 'detection');
  const parsedPolicy = accept(ResponsePolicy, policy ?? {}, 'response policy');
  // Breaches started before the response plan's stages keep the playbook they started with: every task opened at
  // once, none switched on by the facts, no gates; their histories replay with the same task clocks.
  const breach = new BreachResponse(workflowInfo().workflowId, detection, parsedPolicy, patched('response-plan-stages'), patched('decided-at-start'));
  const { obligations, tasks, campaigns } = breach;
  /** A change the breach accepted is material: its register entry is rewritten once the change is done. */
  const noted =
    <A extends unknown[], R>(handle: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await handle(...args);
      breach.register.touch();
      return result;
    };

  // Facts and attached detections first, as in the first release: an update buffered before its handler runs when
  // that is set, and a facts update sent with the start has always been learned before the first assessment.
  setHandler(
    updateFacts,
    noted((update: FactsUpdate, actor?: Actor) => breach.learn(update, actor?.id)),
    {
      validator: (update: FactsUpdate, actor?: Actor) => {
        refuseFuture(futureInstants(parseOrExplain(FactsUpdate, update, 'facts update'), Date.now()), 'facts update');
        if (actor !== undefined) parseOrExplain(Approver, actor, 'actor');
      },
    },
  );
  setHandler(
    attachDetection,
    noted((detection: Detection) => breach.attach(detection)),
    {
      validator: (detection) => refuseFuture(futureDetectionInstants(parseOrExplain(Detection, detection, 'detection'), Date.now()), 'detection'),
    },
  );
  setHandler(statusQuery, () => breach.status());
  // The same status, kept in the store after each change, for reads that need not wake the workflow.
  publishStatus(() => breach.status());
  setHandler(campaignProgress, (progress) => breach.progressed(progress));

  // 1. Contain and scope: the playbook's tasks (task force, evidence, containment, scope, cause), each on a clock
  //    from awareness that escalates when it slips. Breaches started before the playbook existed replay without
  //    its tasks: their histories have no timers for them.
  if (patched('playbook-tasks')) breach.startTasks();
  // 2. Report: record what the security tooling saw; decide which laws apply to what is known, and start a
  //    deadline clock for each obligation.
  const assessed = Promise.all([breach.recordDetection(), breach.reassess()]);
  // What acts on obligations, tasks and campaigns is registered once they exist: an approval sent the moment the
  // breach starts (buffered, and dispatched when its handler is set) finds the obligation it names. Before, it was
  // validated against none and refused, so no history holds one accepted earlier.
  setHandler(
    approve,
    noted((request: ApprovalRequest) => obligations.approve(request)),
    { validator: (request: ApprovalRequest) => obligations.check(request) },
  );
  setHandler(closeBreach, (request) => breach.close(request), { validator: (request: CloseRequest) => breach.checkClose(request) });
  setHandler(
    startCampaign,
    noted((request: CampaignRequest) => campaigns.start(request)),
    { validator: (request: CampaignRequest) => campaigns.check(request) },
  );
  setHandler(
    approveWave,
    noted((request: WaveApproval) => campaigns.approveWave(request)),
    { validator: (request: WaveApproval) => campaigns.checkWaveApproval(request) },
  );
  setHandler(
    controlCampaign,
    noted((request: CampaignControl) => campaigns.control(request)),
    { validator: (request: CampaignControl) => campaigns.checkControl(request) },
  );
  setHandler(sendTestNotice, (request) => campaigns.sendTestNotice(request), { validator: (request: TestNoticeRequest) => campaigns.checkTestNotice(request) });
  setHandler(
    recordTask,
    noted((request: RecordTaskRequest) => tasks.record(request)),
    { validator: (request: RecordTaskRequest) => tasks.check(request) },
  );
  // Acknowledging or snoozing an escalation restarts its clock on fewer or later steps; no earlier history holds one.
  setHandler(
    answerEscalation,
    (request) => {
      patched('escalation-answers');
      return breach.answer(request);
    },
    { validator: (request: EscalationAnswerRequest) => breach.checkAnswer(request) },
  );
  await assessed;
  // The breach is in the register from its first assessment, notifiable or not (GDPR Art. 33(5)).
  breach.register.touch();
  // 3. Notify and remediate: operators approve filings and waves and record tasks and facts (the handlers above);
  //    every change of the facts reassesses the obligations.
  // 4. Close: only when every obligation is met or withdrawn, every campaign ended, every task recorded or waived.
  await condition(() => breach.closure !== undefined && allHandlersFinished());
  return breach.closure!;
}

/** Instants a day or more after the workflow's own time (Temporal's clock) are refused, naming each. */
function refuseFuture(errors: FieldError[], what: string): void {
  if (errors.length) throw new InvalidInput(what, errors);
}

/** Input that reached the workflow without the client's validation fails it at once, naming the fields. */
function accept<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  try {
    return parseOrExplain(schema, input, what);
  } catch (error) {
    throw ApplicationFailure.nonRetryable((error as Error).message, what === 'detection' ? 'InvalidDetection' : 'InvalidPolicy');
  }
}
