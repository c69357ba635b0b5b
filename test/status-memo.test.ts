// A breach keeps its status in its memo, so that `GET /breaches/:id` is answered by the server alone: no worker
// replays an evicted breach to run a query (issue 17: status p99 with 10,000 breaches open). The memo is the query's
// answer, current after each change (read-your-writes after an update), and sealed by the codec like every payload.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { type BreachStatus, STATUS_MEMO, statusQuery } from '../workflows/definitions';
import { timeSkippingEnvironment } from './support/temporal';
import { type RunningWorker, startWorker } from './support/worker';

let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let breaches: Breaches;
let stopped = false;

beforeAll(async () => {
  [env, sink] = await Promise.all([timeSkippingEnvironment(), startMailSink()]);
  worker = await startWorker(env, sink, await bundleWorkflows(), 'status-memo-test');
  breaches = new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs() });
});

afterAll(async () => {
  if (!stopped) await worker?.stop();
  await sink?.close();
  await env?.teardown();
});

const summary = 'Synthetic: export of a customer table by Hanako Yamada';
/** A status without what moves with the clock alone: the memo is kept without it, and each reader computes it at its now. */
const withoutAsOf = ({ asOf: _asOf, ...rest }: BreachStatus) => ({ ...rest, obligations: rest.obligations.map(({ timeLeftMs: _left, ...o }) => o) });

describe('the status memo', () => {
  it('is read with the time left and the overdue flags at the reader’s now, not at its last write', async () => {
    const { breachId } = await breaches.start({
      source: 'test-dlp',
      eventId: `evt-${randomUUID()}`,
      detectedAt: new Date(await env.currentTimeMs()).toISOString(),
      summary: 'Synthetic: clock test',
      facts: { jurisdictions: ['JP'], affectedCount: 1500, dataCategories: ['email'] },
    });
    const handle = env.client.workflow.getHandle(breachId);
    const writes = async () => {
      const history = await handle.fetchHistory();
      return (history.events ?? []).filter((e) => e.workflowPropertiesModifiedEventAttributes).length;
    };
    for (let i = 0; (await writes()) === 0; i++) {
      if (i > 100) throw new Error('no status memo');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const before = await breaches.status(breachId);
    const ppc = before.obligations.find((o) => o.id === 'JP-APPI/ppc-preliminary')!;
    // A quarter of an hour, with no timer of the breach's in it (its first escalation is at half of three days).
    expect(Date.parse(ppc.nextEscalation!.at) - (await env.currentTimeMs())).toBeGreaterThan(3_600_000);
    await env.sleep(900_000);
    const after = await breaches.status(breachId);
    const later = after.obligations.find((o) => o.id === 'JP-APPI/ppc-preliminary')!;
    expect(ppc.timeLeftMs - later.timeLeftMs).toBeGreaterThanOrEqual(900_000);
    expect(Date.parse(after.asOf) - Date.parse(before.asOf)).toBeGreaterThanOrEqual(900_000);
    expect(later.timeLeftMs).toBe(Date.parse(later.dueAt) - Date.parse(after.asOf));
    await handle.terminate('test done');
  });

  it("is the query's answer after each change, sealed by the codec, and answers with no worker polling", async () => {
    const detectedAt = new Date(await env.currentTimeMs()).toISOString();
    const { breachId } = await breaches.start({
      source: 'test-dlp',
      eventId: `evt-${randomUUID()}`,
      detectedAt,
      summary,
      facts: { jurisdictions: ['JP'], affectedCount: 12, dataCategories: ['email'] },
    });
    const handle = env.client.workflow.getHandle(breachId);
    // Kept from the breach's first assessment on (the query answers until then).
    const memo = async () => (await handle.describe()).memo?.[STATUS_MEMO];
    for (let i = 0; !(await memo()); i++) {
      if (i > 100) throw new Error('no status memo');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Read-your-writes: the update's effect is in the memo the moment the update returns.
    await breaches.updateFacts(breachId, { affectedCount: 1500 });
    expect(((await memo()) as { facts: { affectedCount: number } }).facts.affectedCount).toBe(1500);
    const fromMemo = await breaches.status(breachId);
    expect(fromMemo.facts.affectedCount).toBe(1500);
    expect(withoutAsOf(fromMemo)).toEqual(withoutAsOf(await handle.query(statusQuery)));

    // Sealed: the server holds the memo encrypted, the summary nowhere in clear.
    const raw = await env.client.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: breachId } });
    const payload = raw.workflowExecutionInfo!.memo!.fields![STATUS_MEMO]!;
    expect(new TextDecoder().decode(payload.metadata!.encoding)).toBe('binary/encrypted');
    expect(Buffer.from(payload.data!).toString('latin1')).not.toContain('Hanako');

    // No worker: the status is still answered, from the server alone.
    await worker.stop();
    stopped = true;
    // (A query would wait for a worker until the call's deadline, then fail.)
    const unpolled = await breaches.status(breachId);
    expect(withoutAsOf(unpolled)).toEqual(withoutAsOf(fromMemo));
    await handle.terminate('test done: no breach left on an unpolled queue');
  });
});
