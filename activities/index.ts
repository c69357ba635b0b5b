// The activities the breach workflow runs: every side effect of a breach response lives here.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { CampaignSender } from './campaign';
import { ChannelSender } from './channels';
import type { Mailer } from './mail';
import type { Store } from './store';
import type { Activities } from './types';

export interface ActivityDeps {
  store: Store;
  mailer: Mailer;
  /** Campaign mail; by default through the mailer's SMTP server and sender address. */
  sender?: CampaignSender;
  /** Webhook, Slack, Teams and PagerDuty; by default with the mailer's status links and the process's environment. */
  channels?: ChannelSender;
}

export function createActivities({
  store,
  mailer,
  sender = new CampaignSender(store, {
    smtpUrl: mailer.config.smtpUrl,
    from: mailer.config.from,
    tls: mailer.config.tls,
    dkim: mailer.config.dkim,
    bounceDomain: mailer.config.bounces?.domain,
  }),
  channels = new ChannelSender({ statusBaseUrl: mailer.config.statusBaseUrl }),
}: ActivityDeps): Activities {
  return {
    // Each channel says how it is idempotent: see ChannelSender.
    sendWebhook: (input) => channels.webhook(input),
    sendSlack: (input) => channels.slack(input),
    sendTeams: (input) => channels.teams(input),
    sendPagerDuty: (input) => channels.pagerDuty(input),
    // Idempotent: see CampaignSender (delivery rows inserted once; only unsent people claimed).
    planCampaign: (input) => sender.plan(input),
    previewCampaign: (input) => Promise.resolve(sender.preview(input)),
    sendTestNotice: (input) => sender.sendTest(input),
    sendWaveBatch: (input) => sender.sendBatch(input),
    // Idempotent: a read.
    campaignCounts: (campaignId) => sender.counts(campaignId),
    // Idempotent by input.idempotencyKey: the mail ledger holds each key's fate (see Mailer.send).
    // Links in the mail expire from the server's time, which a time-skipping test server runs ahead of the wall clock.
    sendMail: (input) => mailer.send(input, Context.current().info.currentAttemptScheduledTimestampMs),
    // Idempotent by input.idempotencyKey: a repeat insert is a no-op reported as a duplicate.
    recordOutcome: async (input) => {
      try {
        return { recorded: await store.outcomes.record(input) };
      } catch (error) {
        throw storeFailure(error);
      }
    },
    // Idempotent by breach id and revision: a revision already in the register is left as it is.
    recordRegisterEntry: async (entry) => {
      try {
        return { recorded: await store.register.record(entry) };
      } catch (error) {
        throw storeFailure(error);
      }
    },
  };
}

/**
 * A store error as the workflow should treat it: a value the database refuses (SQLSTATE class 22, data exception,
 * e.g. a NUL in text; 23, integrity) fails the same way every time, so it is not retried; anything else (a lost
 * connection, a restart) is.
 */
export function storeFailure(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(22|23)/.test(code)) {
    return ApplicationFailure.nonRetryable(`the store refused the value (SQLSTATE ${code}): ${(error as Error).message.split('\n')[0]}`, 'StoreRejected');
  }
  return error;
}

export type { Activities } from './types';
