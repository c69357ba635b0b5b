// A worker that stops and another that takes over: the new one replays the workflow's history from the
// server (no cache) and carries on; the shared store's ledger keeps every escalation to one send.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../activities/store';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { timeSkippingEnvironment } from './support/temporal';
import { startWorker } from './support/worker';

const HOUR_MS = 3_600_000;
let env: TestWorkflowEnvironment;
let sink: MailSink;
let bundle: WorkflowBundle;

beforeAll(async () => {
  [env, sink, bundle] = await Promise.all([timeSkippingEnvironment(), startMailSink(), bundleWorkflows()]);
});

afterAll(async () => {
  await sink?.close();
  await env?.teardown();
});

const finalReport = (status: Awaited<ReturnType<Breaches['status']>>) => status.obligations.find((o) => o.id === 'JP-APPI/ppc-final')!;
const mailsAbout = (breachId: string, what: string) => sink.messages.filter((m) => m.text.includes(breachId) && m.subject.includes(what));

describe('worker restart (time-skipping server)', () => {
  it('carries on after a worker restart: the new worker replays the history and sends each escalation once', async () => {
    const store = await openStore('pglite:memory');
    const taskQueue = `restart-${randomUUID()}`;
    // No sticky cache on the worker that goes away: the time-skipping server never times out a task left on a
    // stopped worker's sticky queue (its clock does not move for it), where a real server would after 10 s.
    const first = await startWorker(env, sink, bundle, taskQueue, store, 0);
    const breaches = new Breaches(env.client, taskQueue, { now: () => env.currentTimeMs() });
    const { breachId } = await breaches.start({
      source: 'test-siem',
      eventId: randomUUID(),
      detectedAt: new Date(await env.currentTimeMs()).toISOString(),
      summary: 'Synthetic',
      facts: { jurisdictions: ['JP'], affectedCount: 1500 },
    });
    await breaches.approve(breachId, { obligationId: 'JP-APPI/ppc-preliminary', approver: { id: 'alice@example.test' } });
    await breaches.approve(breachId, { obligationId: 'JP-APPI/ppc-preliminary', approver: { id: 'carol@example.test' } });
    const dueAt = Date.parse(finalReport(await breaches.status(breachId)).dueAt);

    await env.sleep(dueAt - 48 * HOUR_MS - (await env.currentTimeMs()));
    await sink.waitFor((m) => m.text.includes(breachId) && m.subject.includes('Final report') && m.subject.includes('at-80%'));
    await first.stop();

    const second = await startWorker(env, sink, bundle, taskQueue, store);
    try {
      await env.sleep(dueAt + HOUR_MS - (await env.currentTimeMs()));
      await sink.waitFor((m) => m.text.includes(breachId) && m.subject.includes('Final report') && m.subject.includes('(missed)'));
      const steps = mailsAbout(breachId, 'Final report').map((m) => m.subject.match(/\((.+?)\)/)![1]);
      expect(steps).toEqual(['at-50%', 'at-80%', 'at-95%', 'missed']);
      expect((await store.mail.forBreach(breachId)).every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
      const status = await breaches.status(breachId);
      expect(finalReport(status).escalations.map((e) => e.step)).toEqual(['at-50%', 'at-80%', 'at-95%', 'missed']);
      expect(status.approvals.map((a) => a.approver.id)).toEqual(['alice@example.test', 'carol@example.test']);
    } finally {
      await second.stop();
      await store.close();
    }
  });
});
