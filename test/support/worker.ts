// An in-process breach worker wired to a real store (embedded PGlite) and a real SMTP sink.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import { type CampaignMailConfig, CampaignSender } from '../../activities/campaign';
import { Mailer } from '../../activities/mail';
import { openStore, type Store } from '../../activities/store';
import type { MailSink } from '../../sandbox/mail-sink';
import { createBreachWorker } from '../../worker/worker';
import type { EncryptionCodec } from '../../worker/codec';
import { testCodec } from './temporal';

export const RESPONDER = 'responders@example.test';
/** Each escalation audience has its own mailbox, so tests can tell who was escalated to. */
export const AUDIENCES = { owner: 'owner@example.test', dpo: 'dpo@example.test', executive: 'executive@example.test' } as const;

export interface RunningWorker {
  worker: Worker;
  store: Store;
  taskQueue: string;
  stop(): Promise<void>;
}

/** Starts a worker; with `shared`, on that store (left open on stop), as a restarted worker would find it. */
export async function startWorker(
  env: TestWorkflowEnvironment,
  sink: MailSink,
  workflowBundle: WorkflowBundle,
  taskQueue: string,
  shared?: Store,
  maxCachedWorkflows?: number,
  codec: EncryptionCodec = testCodec,
  sending: Pick<CampaignMailConfig, 'sendForMs'> = {},
): Promise<RunningWorker> {
  const store = shared ?? (await openStore('pglite:memory'));
  const mailer = new Mailer(
    {
      smtpUrl: sink.url,
      from: 'Breachline <breachline@example.test>',
      responders: [RESPONDER],
      owner: [AUDIENCES.owner],
      dpo: [AUDIENCES.dpo],
      executive: [AUDIENCES.executive],
    },
    store,
  );
  const sender = new CampaignSender(store, { smtpUrl: sink.url, from: 'Breachline <breachline@example.test>', ...sending });
  const worker = await createBreachWorker({
    sender,
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    codec,
    store,
    mailer,
    workflowBundle,
    maxCachedWorkflows,
  });
  const running = worker.run();
  return {
    worker,
    store,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      sender.close();
      mailer.close();
      if (!shared) await store.close();
    },
  };
}
