// End to end on the Temporal dev server: HTTP API → workflow → activities → SMTP and the store, with the
// payload codec on. Time is real here, so deadlines are made to fall due by detections dated in the past.
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { searchAttributes } from '../workflows/definitions';
import { devServerEnvironment, testCodec } from './support/temporal';
import { AUDIENCES, type RunningWorker, startWorker } from './support/worker';

let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let api: FastifyInstance;
let base: string;
const token: Record<'detector' | 'carol' | 'dave' | 'manager', string> = { detector: '', carol: '', dave: '', manager: '' };

beforeAll(async () => {
  [env, sink] = await Promise.all([devServerEnvironment(), startMailSink()]);
  const taskQueue = `e2e-${randomUUID()}`;
  worker = await startWorker(env, sink, await bundleWorkflows(), taskQueue);
  const tokens = new Tokens(worker.store);
  token.detector = await tokens.issue('e2e-siem', ['detector']);
  token.carol = await tokens.issue('carol@example.test', ['operator']);
  token.dave = await tokens.issue('dave@example.test', ['operator']);
  token.manager = await tokens.issue('mia@example.test', ['manager']);
  api = buildApi({ breaches: await Breaches.connect(env.client, taskQueue), tokens, store: worker.store });
  base = await api.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await api?.close();
  await worker?.stop();
  await sink?.close();
  await env?.teardown();
});

/** A request with a role's token: detections by the detector, changes by an operator, reads by the manager. */
async function call(method: string, path: string, body?: unknown, raw?: string, as?: keyof typeof token | null) {
  const who = as === undefined ? (path === '/breaches' && method === 'POST' ? 'detector' : method === 'GET' ? 'manager' : 'carol') : as;
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' }),
      ...(who ? { authorization: `Bearer ${token[who]}` } : {}),
    },
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
    const overdue = await sink.waitFor(
      (m) => m.text.includes(started.body.breachId) && m.subject.includes('Preliminary report') && m.subject.includes('OVERDUE'),
    );
    expect(overdue.envelopeTo).toEqual([AUDIENCES.executive]); // the default ladder's overdue audience

    // The approver is the token's holder; a body that names one is refused.
    const named = await call('POST', `/breaches/${id}/approvals`, { obligationId: 'JP-APPI/ppc-preliminary', approver: { id: 'mallory@example.test' } });
    expect(named.status).toBe(422);
    expect(named.body.issues).toEqual([{ field: 'approver', message: 'unknown field' }]);
    const asManager = await call('POST', `/breaches/${id}/approvals`, { obligationId: 'JP-APPI/ppc-preliminary' }, undefined, 'manager');
    expect(asManager.status).toBe(403);
    expect(asManager.body.error).toContain('needs the role operator');

    // Four eyes: carol approves, carol cannot confirm her own approval, dave confirms and the report counts as filed.
    const first = await call('POST', `/breaches/${id}/approvals`, { obligationId: 'JP-APPI/ppc-preliminary', filingReference: 'PPC-E2E-1' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ action: 'approved', approver: { id: 'carol@example.test' } });
    const own = await call('POST', `/breaches/${id}/approvals`, { obligationId: 'JP-APPI/ppc-preliminary' });
    expect(own.status).toBe(422);
    expect(own.body.error).toContain('four-eyes');
    const approval = await call('POST', `/breaches/${id}/approvals`, { obligationId: 'JP-APPI/ppc-preliminary' }, undefined, 'dave');
    expect(approval.status).toBe(201);
    expect(approval.body).toMatchObject({ action: 'submitted', approver: { id: 'dave@example.test' } });
    const twice = await call('POST', `/breaches/${id}/approvals`, { obligationId: 'JP-APPI/ppc-preliminary' }, undefined, 'dave');
    expect(twice.status).toBe(422);
    expect(twice.body.error).toContain('is satisfied, not open');

    const status = await call('GET', `/breaches/${id}`);
    expect(status.status).toBe(200);
    expect(status.body.phase).toBe('reporting');
    const byId = Object.fromEntries(status.body.obligations.map((o: { id: string }) => [o.id, o]));
    expect(byId['JP-APPI/ppc-preliminary']).toMatchObject({
      state: 'satisfied',
      satisfiedBy: 'dave@example.test',
      approvedBy: ['carol@example.test', 'dave@example.test'],
    });
    expect(byId['JP-APPI/ppc-final']).toMatchObject({ state: 'open', overdue: false });
    expect(byId['JP-APPI/ppc-final'].timeLeftMs).toBeGreaterThan(50 * 86_400_000); // 60 days from awareness, six gone

    const timeline = await call('GET', `/breaches/${id}/timeline`);
    expect(timeline.body.map((t: { kind: string }) => t.kind)).toEqual(
      expect.arrayContaining(['detected', 'facts-updated', 'escalation-sent', 'approval-recorded']),
    );

    const outcomes = await worker.store.outcomes.forBreach(started.body.breachId);
    expect(outcomes.filter((o) => o.kind === 'approval-recorded').map((o) => o.actor)).toEqual(['carol@example.test', 'dave@example.test']);
    expect(outcomes.filter((o) => o.kind === 'escalation-sent').length).toBeGreaterThanOrEqual(1);

    // The breach is findable by its search attributes on a real server.
    const description = await env.client.workflow.getHandle(started.body.breachId).describe();
    expect(description.typedSearchAttributes.get(searchAttributes.phase)).toBe('reporting');
    expect(description.typedSearchAttributes.get(searchAttributes.regimes)).toEqual(['JP-APPI']);
    expect(description.typedSearchAttributes.get(searchAttributes.nextDeadlineAt)?.toISOString()).toBe(
      new Date(Date.parse(byId['JP-APPI/ppc-final'].dueAt)).toISOString(),
    );
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

  it('authenticates every request and allows each role only what it may do', async () => {
    const detection = { source: 'e2e-auth', eventId: randomUUID(), detectedAt: daysAgo(0), summary: SUMMARY };
    const anonymous = await call('POST', '/breaches', detection, undefined, null);
    expect(anonymous).toEqual({
      status: 401,
      body: {
        error: 'missing bearer token: send "Authorization: Bearer <token>"',
        code: 'BL_UNAUTHORIZED',
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    });
    const forged = await fetch(`${base}/breaches`, { headers: { authorization: 'Bearer bl_not-a-real-token' } });
    expect(forged.status).toBe(401);
    expect((await call('POST', '/breaches', detection, undefined, 'manager')).status).toBe(403);
    const started = await call('POST', '/breaches', detection, undefined, 'detector');
    expect(started.status).toBe(201);
    const id = encodeURIComponent(started.body.breachId);
    expect((await call('GET', `/breaches/${id}`, undefined, undefined, 'detector')).status).toBe(403);
    expect((await call('POST', `/breaches/${id}/facts`, { affectedCount: 3 }, undefined, 'detector')).status).toBe(403);
    expect((await call('POST', `/breaches/${id}/facts`, { affectedCount: 3 }, undefined, 'manager')).status).toBe(403);
    expect((await call('POST', `/breaches/${id}/facts`, { affectedCount: 3 }, undefined, 'carol')).status).toBe(200);
    expect((await call('GET', '/me', undefined, undefined, 'manager')).body).toEqual({ name: 'mia@example.test', roles: ['manager'] });

    const tokens = new Tokens(worker.store);
    const leaving = await tokens.issue('leaver@example.test', ['operator']);
    expect((await fetch(`${base}/me`, { headers: { authorization: `Bearer ${leaving}` } })).status).toBe(200);
    expect(await tokens.revoke('leaver@example.test')).toBe(1);
    expect((await fetch(`${base}/me`, { headers: { authorization: `Bearer ${leaving}` } })).status).toBe(401);
    // Only a hash of each token is at rest.
    const { rows } = await worker.store.sql.query<{ token_hash: string }>('SELECT token_hash FROM api_token');
    expect(rows.some((r) => r.token_hash.includes(leaving) || leaving.includes(r.token_hash))).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
  });

  it('starts a breach from an OCSF Detection Finding (class 2004), idempotently', async () => {
    const uid = `ocsf-${randomUUID()}`;
    const finding = {
      class_uid: 2004,
      category_uid: 2,
      activity_id: 1,
      type_uid: 200401,
      severity_id: 5,
      time: Date.parse(daysAgo(1)),
      finding_info: { uid, title: 'Bulk export of the customer table', desc: 'DLP policy 7 matched 12,000 rows leaving the network' },
      metadata: { version: '1.3.0', product: { name: 'Acme DLP', vendor_name: 'Acme' } },
      unmapped: { breachline: { facts: { jurisdictions: ['JP'], affectedCount: 12000 } } },
    };
    const started = await call('POST', '/breaches', finding);
    expect(started.status).toBe(201);
    // The id reveals neither the product nor the event: a keyed hash of the two.
    expect(started.body.breachId).toMatch(/^breach-[0-9a-f]{32}$/);
    expect((await call('POST', '/breaches', finding)).body).toEqual({ breachId: started.body.breachId, created: false });
    const status = await call('GET', `/breaches/${encodeURIComponent(started.body.breachId)}`);
    expect(status.body.detection).toMatchObject({
      source: 'Acme DLP',
      eventId: uid,
      severity: 'critical',
      summary: 'Bulk export of the customer table: DLP policy 7 matched 12,000 rows leaving the network',
    });
    expect(status.body.obligations.map((o: { id: string }) => o.id)).toContain('JP-APPI/ppc-final');

    const broken = await call('POST', '/breaches', { ...finding, finding_info: { title: 'no uid' }, time: 'noon' });
    expect(broken.status).toBe(422);
    expect(broken.body.issues.map((i: { field: string }) => i.field)).toEqual(['time', 'finding_info.uid']);
  });

  it('lists breaches through visibility, filtered on the server by deadline, regime and severity', async () => {
    // Aware 60 hours ago in Germany: the 72-hour notice is due within the next 24 hours.
    const soon = await call('POST', '/breaches', {
      source: 'e2e-list',
      eventId: randomUUID(),
      detectedAt: new Date(Date.now() - 60 * 3_600_000).toISOString(),
      summary: 'Synthetic: soon',
      severity: 'critical',
      facts: { jurisdictions: ['DE'] },
    });
    const later = await call('POST', '/breaches', {
      source: 'e2e-list',
      eventId: randomUUID(),
      detectedAt: daysAgo(0),
      summary: 'Synthetic: later',
      severity: 'low',
      facts: { jurisdictions: ['JP'], affectedCount: 5000 },
    });
    const ids = (list: { breachId: string }[]) => list.map((b) => b.breachId);
    let dueSoon: { breachId: string; nextDeadlineAt: string; summary: string }[] = [];
    for (let waited = 0; !ids(dueSoon).includes(soon.body.breachId); waited += 200) {
      if (waited > 10_000) throw new Error('the breach did not show in visibility');
      await new Promise((resolve) => setTimeout(resolve, 200));
      dueSoon = (await call('GET', '/breaches?dueWithinHours=24')).body;
    }
    expect(ids(dueSoon)).not.toContain(later.body.breachId);
    expect(dueSoon.find((b) => b.breachId === soon.body.breachId)).toMatchObject({ summary: 'Synthetic: soon', phase: 'reporting', regimes: ['EU-GDPR'] });
    const all = (await call('GET', '/breaches')).body as { breachId: string; nextDeadlineAt: string }[];
    const deadlines = all.filter((b) => b.nextDeadlineAt).map((b) => Date.parse(b.nextDeadlineAt));
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b)); // soonest first
    expect(ids((await call('GET', '/breaches?regime=JP-APPI')).body)).toContain(later.body.breachId);
    expect(ids((await call('GET', '/breaches?regime=JP-APPI')).body)).not.toContain(soon.body.breachId);
    const critical = ids((await call('GET', '/breaches?severity=critical')).body);
    expect(critical).toContain(soon.body.breachId);
    expect(critical).not.toContain(later.body.breachId);
    const bad = await call('GET', '/breaches?severity=apocalyptic&dueWithinHours=soon');
    expect(bad.status).toBe(422);
    expect(bad.body.issues.map((i: { field: string }) => i.field).sort()).toEqual(['query.dueWithinHours', 'query.severity']);
  });

  it('imports people by upload, runs an approved wave, and serves the postal list as CSV', async () => {
    const started = await call('POST', '/breaches', {
      source: 'e2e-wave',
      eventId: randomUUID(),
      detectedAt: daysAgo(1),
      summary: SUMMARY,
      facts: { jurisdictions: ['JP'], affectedCount: 4 },
    });
    const id = encodeURIComponent(started.body.breachId);
    const csv =
      'id,name,email,postal_address,locale,data_categories\nw1,Wave One,w1@wave.example.test,,en,name;email\nw2,ウェーブ 二,w2@wave.example.test,,ja,payment_card\nw3,No Mail,,"2-2 Minato, Tokyo",ja,name\nw4,Broken,not-an-email,,en,name\n';
    const upload = await fetch(`${base}/breaches/${id}/recipients`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${token.carol}` },
      body: csv,
    });
    expect(upload.status).toBe(200);
    expect(await upload.json()).toMatchObject({ rows: 4, imported: 3, merged: 0, invalid: 1, errors: [{ line: 5, reason: expect.stringContaining('email') }] });
    const wrongType = await fetch(`${base}/breaches/${id}/recipients`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', authorization: `Bearer ${token.carol}` },
      body: '<x/>',
    });
    expect(wrongType.status).toBe(415);

    const campaign = await call('POST', `/breaches/${id}/campaigns`, {
      notice: {
        companyName: 'E2E Shop',
        incident: 'Synthetic incident.',
        cause: 'Synthetic cause.',
        secondaryDamage: 'None known so far.',
        measures: 'Synthetic measures.',
        advice: 'Synthetic advice.',
        contactDesk: { name: 'Desk', phone: '0120-000-000', hours: '24/7' },
      },
      ratePerSecond: 100,
    });
    expect(campaign.status).toBe(201);
    const campaignPath = campaign.body.campaignId.split('/').pop();
    let status = (await call('GET', `/breaches/${id}`)).body;
    for (let i = 0; i < 100 && status.campaigns[0]?.waves[0]?.state !== 'awaiting-approval'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await call('GET', `/breaches/${id}`)).body;
    }
    expect((await call('POST', `/breaches/${id}/campaigns/${campaignPath}/waves/1/approval`, {}, undefined, 'manager')).status).toBe(403);
    const approved = await call('POST', `/breaches/${id}/campaigns/${campaignPath}/waves/1/approval`, {});
    expect(approved.status).toBe(200);
    await sink.waitFor((m) => m.envelopeTo[0] === 'w2@wave.example.test');
    const japanese = await sink.waitFor((m) => m.envelopeTo[0] === 'w2@wave.example.test');
    expect(japanese.text).toContain('ウェーブ 二 様');
    expect(japanese.text).toContain('クレジットカード情報');

    const postal = await fetch(`${base}/breaches/${id}/postal.csv`, { headers: { authorization: `Bearer ${token.manager}` } });
    expect(postal.headers.get('content-type')).toContain('text/csv');
    expect((await postal.text()).split('\n').slice(0, 2)).toEqual([
      'person_id,name,postal_address,locale,reason,smtp_response,campaign_id',
      `w3,No Mail,"2-2 Minato, Tokyo",ja,postal,,${campaign.body.campaignId}`,
    ]);

    // Proof of delivery: each person's outcome with the server's reply line and its time, and the wave's counts.
    type Proof = {
      waves: Record<string, Record<string, number>>;
      deliveries: { person_id: string; status: string; smtp_response: string; updated_at: string }[];
    };
    let proof = (await call('GET', `/breaches/${id}/campaigns/${campaignPath}/deliveries`)).body as Proof;
    for (let i = 0; i < 100 && proof.waves['1']?.sent !== 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      proof = (await call('GET', `/breaches/${id}/campaigns/${campaignPath}/deliveries`)).body as Proof;
    }
    expect(proof.waves).toEqual({ '1': { sent: 2, postal: 1 } });
    expect(proof.deliveries.map((d) => [d.person_id, d.status])).toEqual([
      ['w1', 'sent'],
      ['w2', 'sent'],
      ['w3', 'postal'],
    ]);
    for (const sent of proof.deliveries.filter((d) => d.status === 'sent')) {
      expect(sent.smtp_response).toMatch(/^250 /);
      expect(Date.parse(sent.updated_at)).toBeGreaterThan(Date.now() - 10 * 60_000);
    }
    const page = (await call('GET', `/breaches/${id}/campaigns/${campaignPath}/deliveries?limit=2`)).body as Proof & { next?: string };
    expect(page.next).toBe('w2');
    expect(
      (await call('GET', `/breaches/${id}/campaigns/${campaignPath}/deliveries?after=w2`)).body.deliveries.map((d: { person_id: string }) => d.person_id),
    ).toEqual(['w3']);
    const proofCsv = await fetch(`${base}/breaches/${id}/campaigns/${campaignPath}/deliveries?format=csv&wave=1`, {
      headers: { authorization: `Bearer ${token.manager}` },
    });
    expect(proofCsv.headers.get('content-type')).toContain('text/csv');
    const lines = (await proofCsv.text()).trim().split('\n');
    expect(lines[0]).toBe('person_id,wave,outcome,attempts,message_id,smtp_response,at');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['w1,1,sent', 'w2,1,sent', 'w3,1,postal']);
    expect(lines.join('\n')).not.toMatch(/Wave One|ウェーブ|wave\.example\.test|Minato/); // ids only: no names or addresses
    expect((await call('GET', `/breaches/${id}/campaigns/${campaignPath}/deliveries?format=xml`)).status).toBe(422);
  });

  it('serves an OpenAPI 3.1 document generated from the same schemas, without a token', async () => {
    const response = await fetch(`${base}/openapi.json`);
    const document = (await response.json()) as any;
    expect(document.openapi).toBe('3.1.0');
    const intake = document.paths['/breaches'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(intake)).toContain('"class_uid"');
    expect(intake.anyOf[0].required).toEqual(['source', 'eventId', 'detectedAt', 'summary']);
    const facts = document.paths['/breaches/{id}/facts'].post.requestBody.content['application/json'].schema;
    expect(facts.properties.dataCategories.items.enum).toContain('payment_card');
    expect(facts.additionalProperties).toBe(false);
    const approval = document.paths['/breaches/{id}/approvals'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(approval.properties)).not.toContain('approver');
    expect(document.paths['/breaches'].get.parameters.map((p: { name: string }) => p.name)).toContain('dueWithinHours');
  });

  it('keeps workflow history encrypted: no plaintext fact or summary reaches the server', async () => {
    const started = await call('POST', '/breaches', {
      source: 'e2e-codec',
      eventId: randomUUID(),
      detectedAt: daysAgo(0),
      summary: SUMMARY,
      severity: 'high',
      facts: { jurisdictions: ['JP'], affectedCount: 4321 },
    });
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
    // Search attributes stay plain by design (the server indexes them): phase, regimes, deadline and severity only.
    const indexed = history.events!.flatMap((e) =>
      Object.keys((e.upsertWorkflowSearchAttributesEventAttributes ?? e.workflowExecutionStartedEventAttributes)?.searchAttributes?.indexedFields ?? {}),
    );
    // TemporalChangeVersion: the SDK indexes the patches a workflow went through (their names), for versioning.
    expect(new Set(indexed)).toEqual(new Set([...Object.values(searchAttributes).map((k) => k.name), 'TemporalChangeVersion']));
    // The patch marker (patched('playbook-tasks')) is written by the SDK's core in plain JSON too: only the patch's name.
    const patchData = history
      .events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .flatMap((e) => Object.values(e.markerRecordedEventAttributes!.details ?? {}).flatMap((p) => p.payloads ?? []));
    const patches = patchData.map((p) => JSON.parse(Buffer.from(p.data!).toString()) as { id: string; deprecated: boolean });
    expect(patches.map((p) => p.id)).toContain('playbook-tasks');
    for (const patch of patches) expect(patch).toEqual({ id: expect.stringMatching(/^[a-z0-9-]+$/), deprecated: false }); // a name from the code, nothing else
    const markerData = history
      .events!.filter((e) => e.markerRecordedEventAttributes?.markerName !== 'core_patch')
      .flatMap((e) => e.markerRecordedEventAttributes?.details?.data?.payloads ?? []);
    expect(markerData.length).toBeGreaterThan(0);
    for (const p of markerData) {
      expect(Object.keys(JSON.parse(Buffer.from(p.data!).toString())).sort()).toEqual([
        'activity_id',
        'activity_type',
        'attempt',
        'backoff',
        'complete_time',
        'original_schedule_time',
        'seq',
      ]);
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
 * Every Payload in a history (inputs, results, update arguments, activity inputs, ...) but the kinds the
 * server or the SDK's core writes in plain by design: search attributes, the bookkeeping of a local activity's
 * marker (`details.data`: sequence number, type, times), and a patch marker (the patch's name).
 */
function payloadsIn(value: unknown, found: RawPayload[] = [], marker = false): RawPayload[] {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return found;
  if ((value as { markerName?: string }).markerName === 'core_patch') return found; // checked separately above
  const candidate = value as RawPayload;
  if (candidate.metadata && ArrayBuffer.isView(candidate.data)) found.push(candidate);
  else
    for (const [key, child] of Object.entries(value)) {
      if (key === 'searchAttributes' || (marker && key === 'data')) continue;
      payloadsIn(child, found, marker || key === 'markerRecordedEventAttributes');
    }
  return found;
}
