// GET /metrics end to end on the dev server: the counts move with real breaches, approvals and mail, the Temporal
// SDK's own metrics ride along, and no label carries a breach id, an e-mail address, a source or a URL.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { freePort } from './support/ports';
import { devServerEnvironment } from './support/temporal';
import { type RunningWorker, startWorker } from './support/worker';

const SOURCE = 'metrics-siem-7f3a';
const METRICS_TOKEN = `metrics-${randomUUID()}`;
let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let api: FastifyInstance;
let guarded: FastifyInstance;
let base: string;
const token = { detector: '', carol: '', dave: '', manager: '' };

beforeAll(async () => {
  // The setup file's runtime has no metrics exporter; this file's runtime is the one a deployment installs.
  await Runtime.instance().shutdown();
  const sdkPort = await freePort();
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: 'WARN', forward: {} }, metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkPort}` } } },
  });
  [env, sink] = await Promise.all([devServerEnvironment(), startMailSink()]);
  const taskQueue = `metrics-${randomUUID()}`;
  worker = await startWorker(env, sink, await bundleWorkflows(), taskQueue);
  const tokens = new Tokens(worker.store);
  token.detector = await tokens.issue(SOURCE, ['detector']);
  token.carol = await tokens.issue('carol@example.test', ['operator']);
  token.dave = await tokens.issue('dave@example.test', ['operator']);
  token.manager = await tokens.issue('mia@example.test', ['manager']);
  const breaches = await Breaches.connect(env.client, taskQueue);
  api = buildApi({ breaches, tokens, store: worker.store, metrics: { sdkMetricsUrl: `http://127.0.0.1:${sdkPort}/metrics` } });
  base = await api.listen({ host: '127.0.0.1', port: 0 });
  guarded = buildApi({ breaches, tokens, store: worker.store, metrics: { token: METRICS_TOKEN, windowRows: 1 } });
});

afterAll(async () => {
  await api?.close();
  await guarded?.close();
  await worker?.stop();
  await sink?.close();
  await env?.teardown();
});

async function call(method: string, path: string, as: keyof typeof token, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token[as]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus's text format (0.0.4), sample lines only. */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

async function scrape(): Promise<{ text: string; samples: Sample[]; value(name: string, labels?: Record<string, string>): number | undefined }> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const text = await response.text();
  const samples = parse(text);
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  return { text, samples, value };
}

/** Scrapes until `done` holds: visibility is eventually consistent. */
async function scrapeUntil(done: (s: Awaited<ReturnType<typeof scrape>>) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await scrape();
    if (done(s)) return s;
    if (Date.now() > deadline)
      throw new Error(
        `metrics did not settle:\n${s.text
          .split('\n')
          .filter((l) => l.startsWith('breachline_'))
          .join('\n')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
const FACTS = { jurisdictions: ['JP'], affectedCount: 1200, unfairPurpose: true, dataCategories: ['name', 'address'] };

describe('GET /metrics', () => {
  it('moves with breaches, approvals and mail, carries the SDK metrics, and puts no personal data or id in a label', async () => {
    const before = await scrape();
    expect(before.value('breachline_visibility_up')).toBe(1);
    expect(before.value('breachline_open_breaches', { phase: 'reporting' })).toBe(0);
    expect(before.value('breachline_nearest_deadline_seconds')).toBeUndefined();

    // Aware six days ago: the preliminary report's days are gone. The other breach is aware now.
    const late = await call('POST', '/breaches', 'detector', {
      source: SOURCE,
      eventId: randomUUID(),
      detectedAt: daysAgo(6),
      summary: 'Synthetic leak',
      facts: FACTS,
    });
    const fresh = await call('POST', '/breaches', 'detector', {
      source: SOURCE,
      eventId: randomUUID(),
      detectedAt: daysAgo(0),
      summary: 'Synthetic leak',
      facts: FACTS,
    });
    expect([late.status, fresh.status]).toEqual([201, 201]);
    const lateId = late.body.breachId as string;
    const freshId = fresh.body.breachId as string;
    await sink.waitFor((m) => m.text.includes(lateId) && m.subject.includes('OVERDUE'));

    const lateStatus = (await call('GET', `/breaches/${encodeURIComponent(lateId)}`, 'manager')).body;
    const preliminary = lateStatus.obligations.find((o: { id: string }) => o.id === 'JP-APPI/ppc-preliminary');
    expect(preliminary).toMatchObject({ state: 'open', overdue: true });

    const open = await scrapeUntil((s) => s.value('breachline_open_breaches', { phase: 'reporting' }) === 2 && s.value('breachline_overdue_breaches') === 1);
    const secondsLate = (Date.parse(preliminary.dueAt) - Date.now()) / 1000;
    expect(open.value('breachline_nearest_deadline_seconds')).toBeCloseTo(secondsLate, -1); // within 5 s of the scrape
    expect(open.value('breachline_nearest_deadline_seconds')).toBeLessThan(0);
    expect(open.value('breachline_open_breaches', { phase: 'triage' })).toBe(0);
    expect(open.value('breachline_http_requests_total', { method: 'POST', route: '/breaches', status: '2xx' })).toBe(2);
    expect(open.value('breachline_escalations_sent_total')).toBeGreaterThanOrEqual(1);
    const escalationMails = open.samples.filter((s) => s.name === 'breachline_mails_sent_total' && s.labels.kind!.startsWith('escalation'));
    expect(escalationMails.reduce((sum, s) => sum + s.value, 0)).toBe(open.value('breachline_escalations_sent_total'));
    expect(open.value('breachline_store_seconds_count', { operation: 'mail-claim' })).toBeGreaterThanOrEqual(1);
    expect(open.value('breachline_mails_failed_total')).toBeUndefined();

    // Four eyes file the late report: nothing is overdue any more, and the nearest deadline is ahead.
    const id = encodeURIComponent(lateId);
    expect((await call('POST', `/breaches/${id}/approvals`, 'carol', { obligationId: 'JP-APPI/ppc-preliminary' })).status).toBe(201);
    expect((await call('POST', `/breaches/${id}/approvals`, 'dave', { obligationId: 'JP-APPI/ppc-preliminary' })).status).toBe(201);
    const filed = await scrapeUntil((s) => s.value('breachline_overdue_breaches') === 0);
    expect(filed.value('breachline_nearest_deadline_seconds')).toBeGreaterThan(0);
    expect(filed.value('breachline_open_breaches', { phase: 'reporting' })).toBe(2);
    expect(filed.value('breachline_http_requests_total', { method: 'POST', route: '/breaches/:id/approvals', status: '2xx' })).toBe(2);

    // A URL full of things a caller typed is counted by its pattern, or as no route.
    await fetch(`${base}/breaches/${id}/nobody@example.test?email=eve@example.test`);
    const last = await scrape();
    expect(last.value('breachline_http_requests_total', { route: '(no such route)', status: '4xx' })).toBe(1);

    // The Temporal SDK's own runtime metrics, from its exporter, on the same scrape.
    expect(last.value('breachline_sdk_metrics_up')).toBe(1);
    expect(last.samples.some((s) => s.name.startsWith('temporal_'))).toBe(true);
    expect(last.samples.filter((s) => s.name.startsWith('breachline_')).length).toBeGreaterThan(20);

    const values = last.samples.flatMap((s) => Object.values(s.labels));
    for (const value of values) {
      for (const secret of [lateId, freshId, SOURCE, ...lateId.split(/[:/]/).filter((part) => part.length >= 8)]) expect(value).not.toContain(secret);
      expect(value).not.toMatch(/@/);
    }
  });

  it('asks for the metrics token when one is set, and for no API token', async () => {
    const without = await guarded.inject({ method: 'GET', url: '/metrics' });
    expect(without.statusCode).toBe(401);
    expect(without.json()).toMatchObject({ code: 'BL_UNAUTHORIZED' });
    const apiToken = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token.manager}` } });
    expect(apiToken.statusCode).toBe(401);
    const right = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(right.statusCode).toBe(200);
    expect(right.body).toMatch(/^breachline_open_breaches\{phase="reporting"\} \d+$/m);
  });

  it('finds the nearest deadline by halving the window when it holds more breaches than one page', async () => {
    // windowRows 1 against two running breaches: the counts bisect down to one breach before any row is read.
    const read = async (app: FastifyInstance) => {
      const response = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      return Number(/^breachline_nearest_deadline_seconds (\S+)$/m.exec(response.body)?.[1]);
    };
    const [bisected, paged] = await Promise.all([read(guarded), scrape().then((s) => s.value('breachline_nearest_deadline_seconds'))]);
    expect(bisected).toBeGreaterThan(0);
    expect(Math.abs(bisected - paged!)).toBeLessThan(2);
  });
});
