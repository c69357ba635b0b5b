// The worker side's own Prometheus metrics: mails, escalations and store latency, counted where they happen.
// Labels are closed sets (a template, a failure type, an operation): never an address, a breach id or a source.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from './store';

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

export const rateLimitStoreErrors = new Counter({
  name: 'breachline_rate_limit_store_errors_total',
  help: 'Requests the API let through unlimited because the shared store could not count them (its rate limits fail open)',
  registers: [registry],
});

export const statusSnapshots = new Counter({
  name: 'breachline_status_snapshots_total',
  help: "Breach statuses the worker wrote to the store at the end of a workflow task, by outcome: recorded, stale (a later one was there), failed (after its retries; the breach's status is read by query until its next change)",
  labelNames: ['outcome'] as const,
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

/** The store the obligation gauges read at scrape time; set by the process that runs the worker (watchObligations). */
let obligationStore: Pick<Store, 'sql'> | undefined;

/** Reads the obligation gauges from this store at each scrape; undefined stops reading (a closed store). */
export function watchObligations(store: Pick<Store, 'sql'> | undefined): void {
  obligationStore = store;
}

// Each obligation's state is its last state-changing outcome in the store: opened, reopened and moved leave it open,
// withdrawn withdraws it, the approval that completes it (submitted, notified) satisfies it. A closed breach's
// obligations are no longer current and are not counted. The regime is the obligation id's prefix, a closed set.
const OBLIGATION_STATES = `
  WITH last AS (
    SELECT DISTINCT ON (breach_id, obligation_id) breach_id, obligation_id, kind, detail
      FROM outcome
     WHERE obligation_id IS NOT NULL
       AND (kind IN ('obligation-opened', 'obligation-reopened', 'obligation-withdrawn', 'deadline-moved')
            OR (kind = 'approval-recorded' AND detail->>'action' IN ('submitted', 'notified')))
     ORDER BY breach_id, obligation_id, at DESC, length(idempotency_key) DESC, idempotency_key DESC
  ), current AS (
    SELECT split_part(obligation_id, '/', 1) AS regime,
           CASE kind WHEN 'obligation-withdrawn' THEN 'withdrawn' WHEN 'approval-recorded' THEN 'satisfied' ELSE 'open' END AS status,
           CASE kind WHEN 'deadline-moved' THEN (detail->>'to')::double precision ELSE (detail->>'dueAt')::double precision END AS due_ms
      FROM last l
     WHERE NOT EXISTS (SELECT 1 FROM outcome c WHERE c.breach_id = l.breach_id AND c.kind = 'closed')
  )
  SELECT regime, status, count(*)::int AS n, count(*) FILTER (WHERE status = 'open' AND due_ms < $1)::int AS missed
    FROM current GROUP BY regime, status`;

export const obligations = new Gauge({
  name: 'breachline_obligations',
  help: 'Obligations of breaches not closed, by regime and status (open, satisfied, withdrawn), as the store recorded them',
  labelNames: ['regime', 'status'] as const,
  registers: [registry],
  async collect() {
    await readOnce();
  },
});

export const deadlinesMissed = new Gauge({
  name: 'breachline_deadlines_missed',
  help: 'Open obligations of breaches not closed whose legal deadline has passed, by regime',
  labelNames: ['regime'] as const,
  registers: [registry],
  async collect() {
    await readOnce();
  },
});

/** A scrape collects both gauges at once: they share one query. */
let reading: Promise<void> | undefined;
function readOnce(): Promise<void> {
  reading ??= readObligations().finally(() => (reading = undefined));
  return reading;
}

/** One query for both gauges; a store that does not answer leaves them empty. */
async function readObligations(now = Date.now()): Promise<void> {
  obligations.reset();
  deadlinesMissed.reset();
  if (!obligationStore) return;
  try {
    const { rows } = await obligationStore.sql.query<{ regime: string; status: string; n: number; missed: number }>(OBLIGATION_STATES, [now]);
    const missed = new Map<string, number>();
    for (const row of rows) {
      obligations.set({ regime: row.regime, status: row.status }, row.n);
      missed.set(row.regime, (missed.get(row.regime) ?? 0) + row.missed);
    }
    for (const [regime, n] of missed) deadlinesMissed.set({ regime }, n);
  } catch {
    // The store is closed or unreachable: no figures rather than stale ones.
  }
}

export const channelDeliveries = new Counter({
  name: 'breachline_channel_deliveries_total',
  help: 'Escalations and wave alerts by channel type (mail, webhook, slack, teams, pagerduty) and outcome: delivered, failed (retried), refused (not retried)',
  labelNames: ['channel', 'outcome'] as const,
  registers: [registry],
});
