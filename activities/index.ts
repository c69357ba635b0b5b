// The activities the breach workflow runs: every side effect of a breach response lives here.
import { CampaignSender } from './campaign';
import type { Mailer } from './mail';
import type { Store } from './store';
import type { Activities } from './types';

export interface ActivityDeps {
  store: Store;
  mailer: Mailer;
  /** Campaign mail; by default through the mailer's SMTP server and sender address. */
  sender?: CampaignSender;
}

export function createActivities({ store, mailer, sender = new CampaignSender(store, { smtpUrl: mailer.config.smtpUrl, from: mailer.config.from }) }: ActivityDeps): Activities {
  return {
    // Idempotent: see CampaignSender (delivery rows inserted once; only unsent people claimed).
    planCampaign: (input) => sender.plan(input),
    previewCampaign: async (input) => sender.preview(input),
    sendTestNotice: (input) => sender.sendTest(input),
    sendWaveBatch: (input) => sender.sendBatch(input),
    // Idempotent: a read.
    campaignCounts: (campaignId) => sender.counts(campaignId),
    // Idempotent by input.idempotencyKey: the mail ledger holds each key's fate (see Mailer.send).
    sendMail: (input) => mailer.send(input),
    // Idempotent by input.idempotencyKey: a repeat insert is a no-op reported as a duplicate.
    recordOutcome: async (input) => ({ recorded: await store.recordOutcome(input) }),
  };
}

export type { Activities } from './types';
