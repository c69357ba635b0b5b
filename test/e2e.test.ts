// End to end on the Temporal dev server: HTTP API → workflow → activities → SMTP and the store, with the
// payload codec on. Time is real here, so deadlines are made to fall due by detections dated in the past.
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../client/api';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../dev/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { searchAttributes } from '../workflows/definitions';
import { devServerEnvironment, testCodec } from './support/temporal';
import { AUDIENCES, type RunningWorker, startWorker } from './support/worker';

let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let api: FastifyInstance;
let base: string;

beforeAll(async () => {
  [env, sink] = await Promise.all([devServerEnvironment(), startMailSink()]);
  const taskQueue = `e2e-${randomUUID()}`;
  worker = await startWorker(env, sink, await bundleWorkflows(), taskQueue);
  api = buildApi({ breaches: await Breaches.connect(env.client, taskQueue) });
  base = await api.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await api?.close();
  await worker?.stop();
  await sink?.close();
  await env?.teardown();
});

async function call(method: string, path: string, body?: unknown, raw?: string) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const SUMMARY = 'Synthetic: order table copied by an attacker via an SQL injection';
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

describe('end to end on the dev server', () => {
  it('runs a breach from detection to approval through the HTTP API, mailing and recording as it goes', async () => {
    const detection = { source: 'e2e-siem', eventId: randomUUID(), detectedAt: daysAgo(6), summary: SUMMARY, facts: { jurisdictions: ['JP'] } };
    const started = await call('POST', '/breaches', detection);
    expect(started.status).toBe(201);
    const again = await call('POST', '/breaches', detection);
    expect(again).toEqual({ status: 200, body: { breachId: started.body.breachId, created: false } });
    const id = encodeURIComponent(started.body.breachId);

    const badFacts = await call('POST', `/breaches/${id}/facts`, { affectedCount: 'lots', jurisdictions: ['Japan'] });
    expect(badFacts.status).toBe(422);
    expect(badFacts.body.issues.map((i: { field: string }) => i.field)).toEqual(['jurisdictions.0', 'affectedCount']);

    const learned = await call('POST', `/breaches/${id}/facts`, { affectedCount: 1200, unfairPurpose: true, dataCategories: ['name', 'address'] });
    expect(learned.status).toBe(200);
    expect(learned.body.opened).toContain('JP-APPI/ppc-preliminary');

    // Aware six days ago: the preliminary report's five days are gone, so the overdue escalation goes out now.
    const overdue = await sink.waitFor((m) => m.text.includes(started.body.breachId) && m.subject.includes('Preliminary report') && m.subject.includes('OVERDUE'));
    expect(overdue.envelopeTo).toEqual([AUDIENCES.executive]); // the default ladder's overdue audience

    const approval = await call('POST', `/breaches/${id}/approvals`, { obligationId: 'JP-APPI/ppc-preliminary', approver: { id: 'carol@example.test' }, filingReference: 'PPC-E2E-1' });
    expect(approval.status).toBe(201);
    expect(approval.body).toMatchObject({ action: 'submitted', approver: { id: 'carol@example.test' } });
    const twice = await call('POST', `/breaches/${id}/approvals`, { obligationId: 'JP-APPI/ppc-preliminary', approver: { id: 'carol@example.test' } });
    expect(twice.status).toBe(422);
    expect(twice.body.error).toContain('is satisfied, not open');

    const status = await call('GET', `/breaches/${id}`);
    expect(status.status).toBe(200);
    expect(status.body.phase).toBe('reporting');
    const byId = Object.fromEntries(status.body.obligations.map((o: { id: string }) => [o.id, o]));
    expect(byId['JP-APPI/ppc-preliminary']).toMatchObject({ state: 'satisfied', satisfiedBy: 'carol@example.test' });
    expect(byId['JP-APPI/ppc-final']).toMatchObject({ state: 'open', overdue: false });
    expect(byId['JP-APPI/ppc-final'].timeLeftMs).toBeGreaterThan(50 * 86_400_000); // 60 days from awareness, six gone

    const timeline = await call('GET', `/breaches/${id}/timeline`);
    expect(timeline.body.map((t: { kind: string }) => t.kind)).toEqual(expect.arrayContaining(['detected', 'facts-updated', 'escalation-sent', 'approval-recorded']));

    const outcomes = await worker.store.outcomes(started.body.breachId);
    expect(outcomes.find((o) => o.kind === 'approval-recorded')).toMatchObject({ actor: 'carol@example.test', obligation_id: 'JP-APPI/ppc-preliminary' });
    expect(outcomes.filter((o) => o.kind === 'escalation-sent').length).toBeGreaterThanOrEqual(1);

    // The breach is findable by its search attributes on a real server.
    const description = await env.client.workflow.getHandle(started.body.breachId).describe();
    expect(description.typedSearchAttributes.get(searchAttributes.phase)).toBe('reporting');
    expect(description.typedSearchAttributes.get(searchAttributes.regimes)).toEqual(['JP-APPI']);
    expect(description.typedSearchAttributes.get(searchAttributes.nextDeadlineAt)?.toISOString()).toBe(new Date(Date.parse(byId['JP-APPI/ppc-final'].dueAt)).toISOString());
  });

  it('answers bad requests with 4xx and starts nothing', async () => {
    const before = await env.client.workflow.count(`TaskQueue = "${worker.taskQueue}"`);
    expect((await call('POST', '/breaches', undefined, '{"source":')).status).toBe(400);
    const invalid = await call('POST', '/breaches', { source: 'x', eventId: '1', detectedAt: 'yesterday', summary: 's', facts: { affectedCount: -1 } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.issues.map((i: { field: string }) => i.field)).toEqual(['detectedAt', 'facts.affectedCount']);
    expect((await call('POST', '/breaches', undefined, `{"summary":"${'x'.repeat(70_000)}"}`)).status).toBe(413);
    expect((await call('GET', '/breaches/breach-nope')).status).toBe(404);
    expect((await call('POST', '/breaches/breach-nope/facts', { affectedCount: 1 })).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // visibility lags a little: let a wrong start show
    expect(await env.client.workflow.count(`TaskQueue = "${worker.taskQueue}"`)).toEqual(before);
  });

  it('keeps workflow history encrypted: no plaintext fact or summary reaches the server', async () => {
    const started = await call('POST', '/breaches', { source: 'e2e-codec', eventId: randomUUID(), detectedAt: daysAgo(0), summary: SUMMARY, facts: { jurisdictions: ['JP'], affectedCount: 4321 } });
    await call('POST', `/breaches/${encodeURIComponent(started.body.breachId)}/facts`, { sectors: ['retail-marker-sector'] });
    // A client without the codec sees what the server stores.
    const bare = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
    const history = await bare.workflow.getHandle(started.body.breachId).fetchHistory();
    const payloads = payloadsIn(history);
    expect(payloads.length).toBeGreaterThan(5);
    const text = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? []).toString('utf8');
    expect(new Set(payloads.map((p) => text(p.metadata?.encoding)))).toEqual(new Set(['binary/encrypted']));
    const everything = Buffer.concat(payloads.map((p) => Buffer.from(p.data ?? [])));
    for (const secret of ['order table copied', 'retail-marker-sector', '4321', 'e2e-codec']) expect(everything.includes(secret)).toBe(false);
    // Search attributes stay plain by design (the server indexes them): they name the phase, regimes and deadline only.
    const indexed = history.events!.flatMap((e) => Object.keys((e.upsertWorkflowSearchAttributesEventAttributes ?? e.workflowExecutionStartedEventAttributes)?.searchAttributes?.indexedFields ?? {}));
    expect(new Set(indexed)).toEqual(new Set(Object.values(searchAttributes).map((k) => k.name)));
    const markerData = history.events!.flatMap((e) => e.markerRecordedEventAttributes?.details?.data?.payloads ?? []);
    expect(markerData.length).toBeGreaterThan(0);
    for (const p of markerData) {
      expect(Object.keys(JSON.parse(Buffer.from(p.data!).toString())).sort()).toEqual(['activity_id', 'activity_type', 'attempt', 'backoff', 'complete_time', 'original_schedule_time', 'seq']);
    }
    // The same history, decoded with the key, does hold them: the check above is not vacuous.
    const decoded = await testCodec.decode(payloads);
    expect(Buffer.concat(decoded.map((p) => Buffer.from(p.data ?? []))).includes('retail-marker-sector')).toBe(true);
  });
});

interface RawPayload {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

/**
 * Every Payload in a history (inputs, results, update arguments, activity inputs, ...) but the two kinds the
 * server or the SDK's core writes in plain by design: search attributes, and the bookkeeping of a local
 * activity's marker (`details.data`: sequence number, type, times).
 */
function payloadsIn(value: unknown, found: RawPayload[] = [], marker = false): RawPayload[] {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return found;
  const candidate = value as RawPayload;
  if (candidate.metadata && ArrayBuffer.isView(candidate.data)) found.push(candidate);
  else
    for (const [key, child] of Object.entries(value)) {
      if (key === 'searchAttributes' || (marker && key === 'data')) continue;
      payloadsIn(child, found, marker || key === 'markerRecordedEventAttributes');
    }
  return found;
}
