// The HTTP API under abuse, on a real dev server and store: who asks is checked before what they send, limits per
// token and per detecting source, a 500 that tells the caller an id and the log one line, and Temporal going away.
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { Readable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
import { importRecipients } from '../activities/recipients';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches, connectClient } from '../client/breaches';
import { ResponsePolicy, searchAttributes } from '../workflows/definitions';
import { EncryptionCodec } from '../worker/codec';
import { devServerEnvironment, testCodec } from './support/temporal';

let env: TestWorkflowEnvironment;
let temporalGone = false;
let store: Store;
let api: FastifyInstance;
const logged: string[] = [];
const token = { detector: '', operator: '', manager: '', auditor: '', prober: '' };
// No worker polls this queue: starts are enough here, and status calls are not made.
const taskQueue = `api-hardening-${randomUUID()}`;
const policy = ResponsePolicy.parse({ intake: { perTokenPerMinute: 8, perSourcePerMinute: 3 } });

beforeAll(async () => {
  [env, store] = await Promise.all([devServerEnvironment(), openStore('pglite:memory')]);
  const tokens = new Tokens(store);
  token.detector = await tokens.issue('siem', ['detector']);
  token.operator = await tokens.issue('op@example.test', ['operator']);
  token.manager = await tokens.issue('mia@example.test', ['manager']);
  token.auditor = await tokens.issue('otto@example.test', ['operator']);
  token.prober = await tokens.issue('pia@example.test', ['operator']);
  // The production path: a client of our own, with the bounded retries of an unreachable server.
  const client = await connectClient({ address: env.address, namespace: env.namespace ?? 'default', codec: testCodec });
  api = buildApi({ breaches: await Breaches.connect(client, taskQueue, { policy }), tokens, store, log: (line) => logged.push(line) });
  await api.ready();
});

afterAll(async () => {
  await api?.close();
  await store?.close();
  if (!temporalGone) await env?.teardown();
});

const call = (method: 'GET' | 'POST', url: string, who?: keyof typeof token, payload?: unknown) =>
  api.inject({ method, url, headers: who ? { authorization: `Bearer ${token[who]}` } : {}, ...(payload === undefined ? {} : { payload: payload as object }) });

/** A breach that exists on the server (no worker runs it: these tests ask the server and the store only). */
async function existingBreach(): Promise<string> {
  const workflowId = `breach-${randomUUID().replace(/-/g, '')}`;
  await env.client.workflow.start('breachWorkflow', { workflowId, taskQueue, args: [detection('seeded')] });
  return workflowId;
}

const detection = (source: string) => ({ source, eventId: randomUUID(), detectedAt: new Date().toISOString(), summary: 'Synthetic: test detection' });

describe('who asks comes first', () => {
  it('answers a stranger 401 without reading the body: no field of it is named', async () => {
    const response = await call('POST', '/breaches', undefined, { source: 'x\u0000', eventId: 7 });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'BL_UNAUTHORIZED' });
    expect(response.body).not.toContain('eventId');
  });
});

describe('bodies', () => {
  it('refuses JSON that is not UTF-8 instead of replacing bytes, and a body that is not JSON with 415', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"source":"utf8","eventId":"e'),
      Buffer.from([0xff]),
      Buffer.from(`","detectedAt":"${new Date().toISOString()}","summary":"s"}`),
    ]);
    const bad = await api.inject({
      method: 'POST',
      url: '/breaches',
      headers: { authorization: `Bearer ${token.prober}`, 'content-type': 'application/json' },
      payload: bytes,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'BL_MALFORMED_JSON', error: 'the body is not valid UTF-8' });
    const text = await api.inject({
      method: 'POST',
      url: '/breaches',
      headers: { authorization: `Bearer ${token.prober}`, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
  });

  it('takes an OCSF finding that gives its time as time_dt alone', async () => {
    const finding = {
      class_uid: 2004,
      time_dt: new Date().toISOString(),
      finding_info: { uid: randomUUID(), title: 'Synthetic' },
      metadata: { product: { name: 'dt-only' } },
    };
    const response = await api.inject({ method: 'POST', url: '/breaches', headers: { authorization: `Bearer ${token.prober}` }, payload: finding });
    expect(response.statusCode).toBe(201);
  });
});

describe('ids that are not breaches', () => {
  it('answers 404 for a campaign or any other workflow, never 500, and imports nothing under its id', async () => {
    const breachId = await existingBreach();
    const campaign = encodeURIComponent(`${breachId}/campaign-1`);
    const other = `breach-${randomUUID().replace(/-/g, '')}`; // shaped like a breach, but another workflow type
    await env.client.workflow.start('notificationCampaign', { workflowId: other, taskQueue, args: [] });
    for (const id of [campaign, other]) {
      for (const path of ['', '/recipients'])
        expect((await call('GET', `/breaches/${id}${path}`, 'auditor')).json(), `${id}${path}`).toMatchObject({ code: 'BL_NOT_FOUND' });
      const upload = await api.inject({
        method: 'POST',
        url: `/breaches/${id}/recipients`,
        headers: { authorization: `Bearer ${token.auditor}`, 'content-type': 'text/csv' },
        payload: 'id,name,email\np1,Synthetic,p1@example.test\n',
      });
      expect(upload.statusCode).toBe(404);
      expect((await store.recipients.counts(decodeURIComponent(id))).total).toBe(0);
    }
  });
});

describe('rate limits', () => {
  it('limits each detecting source, with Retry-After, and leaves other sources alone', async () => {
    const count = async () => (await env.client.workflow.count(`TaskQueue = "${taskQueue}"`)).count;
    // Visibility is eventually consistent: wait until what earlier tests started is counted.
    let before = await count();
    for (let settled = false; !settled;) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const again = await count();
      settled = again === before;
      before = again;
    }
    for (let i = 0; i < policy.intake.perSourcePerMinute; i++) expect((await call('POST', '/breaches', 'detector', detection('storm'))).statusCode).toBe(201);
    const limited = await call('POST', '/breaches', 'detector', detection('storm'));
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'BL_RATE_LIMITED', error: expect.stringContaining('from the source "storm"') });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call('POST', '/breaches', 'detector', detection('calm'))).statusCode).toBe(201);
    // The refused detection started nothing: only the ones answered 201 exist (counted once visibility has them all;
    // a refused one started would make it one more, and the poll would time out on it).
    await expect.poll(count).toBe(before + policy.intake.perSourcePerMinute + 1);
  });

  it('limits each token, and another token keeps its own budget', async () => {
    let answers: number[] = [];
    for (let i = 0; i <= policy.intake.perTokenPerMinute; i++) answers.push((await call('GET', '/me', 'manager')).statusCode);
    expect(answers.slice(0, policy.intake.perTokenPerMinute).every((s) => s === 200)).toBe(true);
    expect(answers.at(-1)).toBe(429);
    answers = [(await call('GET', '/me', 'operator')).statusCode];
    expect(answers).toEqual([200]);
  });
});

describe('failures', () => {
  it('answers a 500 with a request id and no stack, and logs it once, without what was asked', async () => {
    const broken = await openStore('pglite:memory');
    const tokens = new Tokens(store);
    const brokenApi = buildApi({ breaches: await Breaches.connect(env.client, taskQueue), tokens, store: broken, log: (line) => logged.push(line) });
    await broken.close(); // the store goes away under the API
    const breachId = await existingBreach();
    const response = await brokenApi.inject({
      method: 'GET',
      url: `/breaches/${breachId}/recipients?`,
      headers: { authorization: `Bearer ${token.operator}` },
    });
    await brokenApi.close();
    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body).toEqual({
      error: `internal error; quote request id ${body.requestId}`,
      code: 'BL_INTERNAL',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(response.headers['x-request-id']).toBe(body.requestId);
    const lines = logged.filter((line) => line.includes(body.requestId));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'error', route: '/breaches/:id/recipients' });
    expect(lines[0]).not.toContain(breachId); // the route's pattern, not its URL
  });

  it('lists a breach its postal list cannot reach as a count, not a row', async () => {
    const breachId = await existingBreach();
    await importRecipients(
      store,
      breachId,
      Readable.from(['id,name,email,postal_address\n', 'p1,Synthetic One,one@example.test,"1-1 Chiyoda, Tokyo"\n', 'p2,Synthetic Two,two@example.test,\n']),
      'csv',
    );
    await store.recipients.planDeliveries(`${breachId}/campaign-1`, breachId, 10);
    await store.sql.query(`UPDATE delivery SET status = 'bounced' WHERE breach_id = $1`, [breachId]);
    const response = await call('GET', `/breaches/${breachId}/postal.csv`, 'operator');
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-breachline-no-postal-address']).toBe('1');
    expect(response.body.trim().split('\n')).toHaveLength(2); // the header and the one person with an address
  });

  it('lists a breach whose summary cannot be decrypted as a row with its error, and the rest as usual', async () => {
    // A breach started under another codec key (one since lost): its memo cannot be opened here.
    const stranger = new Client({
      connection: env.connection,
      namespace: env.namespace ?? 'default',
      dataConverter: { payloadCodecs: [new EncryptionCodec(randomBytes(32))] },
    });
    const lost = await stranger.workflow.start('breachWorkflow', {
      workflowId: `breach-${randomUUID()}`,
      taskQueue,
      args: [detection('old-key')],
      memo: { source: 'old-key', summary: 'Synthetic', detectedAt: new Date().toISOString() },
      typedSearchAttributes: [{ key: searchAttributes.phase, value: 'triage' }],
    });
    let rows: { breachId: string; error?: string; source?: string }[] = [];
    for (let tries = 0; tries < 40 && !rows.some((r) => r.breachId === lost.workflowId); tries++) {
      const response = await call('GET', '/breaches?limit=50', 'operator');
      expect(response.statusCode, logged.at(-1)).toBe(200);
      rows = response.json();
      if (!rows.some((r) => r.breachId === lost.workflowId)) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(rows.find((r) => r.breachId === lost.workflowId)).toMatchObject({ error: expect.stringContaining("cannot decode this breach's summary") });
    expect(rows.filter((r) => !r.error).map((r) => r.source)).toContain('calm');
  });

  it('answers a change and a status read with 503 naming the cause while the breach’s workflow task keeps failing', async () => {
    // A worker that has no breach workflow: every task of a breach on its queue fails, and Temporal retries it.
    const stalledQueue = `stalled-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: stalledQueue,
      workflowsPath: fileURLToPath(new URL('./fixtures/unrelated-workflows.ts', import.meta.url)),
    });
    const workflowId = `breach-${randomUUID().replace(/-/g, '')}`;
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('breachWorkflow', { workflowId, taskQueue: stalledQueue, args: [detection('stalled')] });
      // From the task's third attempt the server refuses an update outright (before, it admits it and the call waits
      // for its deadline): wait for that attempt, then ask.
      for (let tries = 0; tries < 240 && ((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) < 3; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      let response = await call('POST', `/breaches/${workflowId}/facts`, 'auditor', { affectedCount: 12 });
      for (let tries = 0; tries < 4 && response.json<{ code?: string }>().code !== 'BL_BREACH_STALLED'; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        response = await call('POST', `/breaches/${workflowId}/facts`, 'auditor', { affectedCount: 12 });
      }
      expect(response.statusCode, response.body).toBe(503);
      expect(response.headers['retry-after']).toBe('30');
      expect(response.json()).toMatchObject({ code: 'BL_BREACH_STALLED', error: expect.stringContaining('workflow task is failing') });
      // Its status cannot be asked either (the query needs a task that succeeds): said as such, not as Temporal down.
      const read = await call('GET', `/breaches/${workflowId}`, 'auditor');
      expect(read.statusCode, read.body).toBe(503);
      expect(read.json()).toMatchObject({ code: 'BL_BREACH_STALLED' });
      await handle.terminate('test: a breach no worker can run');
    });
  });

  it('answers 503 within seconds, not the client’s 20 s of retries, once Temporal is gone', async () => {
    await env.teardown();
    temporalGone = true;
    const started = Date.now();
    const response = await call('POST', '/breaches', 'operator', detection('after-teardown'));
    const seconds = (Date.now() - started) / 1000;
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'BL_TEMPORAL_UNAVAILABLE' });
    expect(seconds).toBeLessThan(10); // the SDK's default retries take about 20 s; ours end near 2 s
    const health = await api.inject({ url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ ok: false, checks: { temporal: { ok: false }, store: { ok: true } } });
  });
});
