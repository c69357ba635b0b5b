// The worker side's own Prometheus metrics: mails, escalations and store latency, counted where they happen.
// Labels are closed sets (a template, a failure type, an operation): never an address, a breach id or a source.
import { Counter, Histogram, Registry } from 'prom-client';

/** Every breachline_… metric of this process; the API's /metrics serves it with the visibility gauges. */
export const registry = new Registry();

export const escalationsSent = new Counter({
  name: 'breachline_escalations_sent_total',
  help: 'Escalation mails (single or summary) the SMTP server accepted',
  registers: [registry],
});

export const escalationsFailed = new Counter({
  name: 'breachline_escalations_failed_total',
  help: 'Escalation mail attempts that failed, by failure type; a retryable one is attempted again',
  labelNames: ['type'] as const,
  registers: [registry],
});

export const mailsSent = new Counter({
  name: 'breachline_mails_sent_total',
  help: 'Mails the SMTP server accepted, by kind: escalation, escalation-summary, wave-outage, notice, test-notice',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const mailsFailed = new Counter({
  name: 'breachline_mails_failed_total',
  help: 'Mail attempts that failed, by kind and failure type (MailTransport, MailTls, MailAuth, MailRefused)',
  labelNames: ['kind', 'type'] as const,
  registers: [registry],
});

export const mailsBounced = new Counter({
  name: 'breachline_mails_bounced_total',
  help: 'Notices refused for good by the SMTP server (5xx): those people go to the postal list',
  registers: [registry],
});

export const storeSeconds = new Histogram({
  name: 'breachline_store_seconds',
  help: "Latency of the store's writes on the mail path, by operation",
  labelNames: ['operation'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

/** Runs a store call, observing its latency under `operation`, failed calls included. */
export async function timedStore<T>(operation: string, call: () => Promise<T>): Promise<T> {
  const end = storeSeconds.startTimer({ operation });
  try {
    return await call();
  } finally {
    end();
  }
}

/** One mail's fate, counted under its kind; escalations also under their own names. */
export function countMail(kind: string, failureType?: string): void {
  const escalation = kind === 'escalation' || kind === 'escalation-summary';
  if (failureType === undefined) {
    mailsSent.inc({ kind });
    if (escalation) escalationsSent.inc();
  } else {
    mailsFailed.inc({ kind, type: failureType });
    if (escalation) escalationsFailed.inc({ type: failureType });
  }
}

export const channelDeliveries = new Counter({
  name: 'breachline_channel_deliveries_total',
  help: 'Escalations and wave alerts by channel type (mail, webhook, slack, teams, pagerduty) and outcome: delivered, failed (retried), refused (not retried)',
  labelNames: ['channel', 'outcome'] as const,
  registers: [registry],
});
