// Escalations through channels besides mail, on the time-skipping server: a generic webhook (HMAC-SHA256 signed,
// retried with backoff), Slack and Teams incoming webhooks, and PagerDuty's Events API v2 with a webhook back that
// acknowledges here. Every receiver is a real HTTP server in this test that checks what it gets; a refusing channel
// falls back to the next, visibly.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSignature } from '../activities/channels';
import { registry } from '../activities/metrics';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { ResponsePolicy } from '../workflows/definitions';
import { InvalidInput, parseOrExplain } from '../workflows/domain/facts';
import { completeFinalReport } from './support/final-report';
import { timeSkippingEnvironment } from './support/temporal';
import { AUDIENCES, type RunningWorker, startWorker } from './support/worker';

const HOUR_MS = 3_600_000;
const FINAL = 'JP-APPI/ppc-final';
const WEBHOOK_SECRET = randomUUID();
const ROUTING_KEY = `R${randomUUID().replace(/-/g, '')}`;
const PD_WEBHOOK_SECRET = randomUUID();

interface Request {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let receiver: Server;
let base: string;
let api: FastifyInstance;
const received: Request[] = [];
/** Webhook deliveries of the final report still to answer 503: the receiver is down for a while. */
let webhookOutage = 2;

function policy(routes: Record<string, string[]>) {
  return ResponsePolicy.parse({
    channels: {
      define: {
        hook: { type: 'webhook', url: `${base}/webhook`, secretEnv: 'TEST_CHANNEL_WEBHOOK_SECRET' },
        slack: { type: 'slack', url: `${base}/slack` },
        teams: { type: 'teams', url: `${base}/teams` },
        cards: { type: 'teams', url: `${base}/cards`, format: 'adaptive-card' },
        pd: { type: 'pagerduty', routingKeyEnv: 'TEST_CHANNEL_PD_KEY', url: `${base}/pd` },
        broken: { type: 'slack', url: `${base}/refuse` },
      },
      routes,
    },
  });
}

beforeAll(async () => {
  process.env.TEST_CHANNEL_WEBHOOK_SECRET = WEBHOOK_SECRET;
  process.env.TEST_CHANNEL_PD_KEY = ROUTING_KEY;
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const entry = { path: request.url ?? '', headers: request.headers, raw, body: JSON.parse(raw) as Record<string, unknown> };
      received.push(entry);
      if (entry.path === '/refuse') return response.writeHead(400).end('invalid_payload');
      if (entry.path === '/webhook' && raw.includes(FINAL) && webhookOutage > 0) {
        webhookOutage--;
        return response.writeHead(503).end();
      }
      response.writeHead(entry.path === '/pd' ? 202 : 200, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  [env, sink] = await Promise.all([timeSkippingEnvironment(), startMailSink()]);
  worker = await startWorker(env, sink, await bundleWorkflows(), `channels-${randomUUID()}`);
  api = buildApi({
    breaches: new Breaches(env.client, worker.taskQueue),
    tokens: new Tokens(worker.store),
    store: worker.store,
    pagerDutySecret: PD_WEBHOOK_SECRET,
  });
  await api.ready();
});

afterAll(async () => {
  await api?.close();
  await worker?.stop();
  await sink?.close();
  await env?.teardown();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function detect(routes: Record<string, string[]>) {
  const breaches = new Breaches(env.client, worker.taskQueue, { policy: policy(routes), now: () => env.currentTimeMs() });
  const { breachId } = await breaches.start({
    source: 'test-siem',
    eventId: `evt-${randomUUID()}`,
    detectedAt: new Date(await env.currentTimeMs()).toISOString(),
    summary: 'Synthetic: customer table export seen leaving the web shop database',
    facts: { jurisdictions: ['JP'], dataCategories: ['name', 'email'], affectedCount: 1500 },
  });
  const final = (await breaches.status(breachId)).obligations.find((o) => o.id === FINAL)!;
  return { breaches, breachId, startAt: Date.parse(final.startAt), dueAt: Date.parse(final.dueAt) };
}

const sleepUntil = async (at: number) => env.sleep(at - (await env.currentTimeMs()));
const about = (path: string, breachId: string, what = FINAL) => received.filter((r) => r.path === path && r.raw.includes(breachId) && r.raw.includes(what));
const pdSigned = (body: string) => `v1=${createHmac('sha256', PD_WEBHOOK_SECRET).update(body).digest('hex')}`;

describe('escalation channels', () => {
  it('signs webhooks and retries them with backoff, falls back from a refusing channel, and pages PagerDuty with one dedup key', async () => {
    const { breaches, breachId, startAt, dueAt } = await detect({ owner: ['hook', 'mail'], dpo: ['broken', 'teams', 'mail'], executive: ['pd', 'mail'] });
    await sleepUntil(startAt + Math.round((dueAt - startAt) * 0.95) + HOUR_MS);
    const status = await breaches.status(breachId);
    const final = status.obligations.find((o) => o.id === FINAL)!;
    expect(final.escalations.map((e) => [e.step, e.audience, e.channel])).toEqual([
      ['at-50%', 'owner', 'hook'],
      ['at-80%', 'dpo', 'teams'],
      ['at-95%', 'executive', 'pd'],
    ]);
    expect(status.timeline.filter((t) => t.kind === 'escalation-sent' && t.obligationId === FINAL).map((t) => t.detail.split(':')[0])).toEqual([
      'at-50% to the owner by hook',
      'at-80% to the dpo by teams',
      'at-95% to the executive by pd',
    ]);

    // Webhook: down twice, then taken; every attempt signed over its timestamp and body, with one idempotency key.
    const hooks = about('/webhook', breachId);
    expect(hooks).toHaveLength(3);
    for (const hook of hooks) {
      const t = Number(/t=(\d+)/.exec(String(hook.headers['x-breachline-signature']))![1]);
      expect(hook.headers['x-breachline-signature']).toBe(webhookSignature(WEBHOOK_SECRET, t, hook.raw));
    }
    expect(new Set(hooks.map((h) => h.headers['idempotency-key'])).size).toBe(1);
    expect(hooks[2]!.body).toMatchObject({ type: 'escalation', audience: 'owner', notice: { obligationId: FINAL, step: 'at-50%', overdue: false } });
    expect(webhookSignature('another secret', 1, hooks[2]!.raw)).not.toBe(hooks[2]!.headers['x-breachline-signature']);

    // The DPO's first channel refuses (400): not retried, on the timeline, and Teams takes it as a MessageCard.
    expect(about('/refuse', breachId)).toHaveLength(1);
    const [card] = about('/teams', breachId);
    expect(card!.body).toMatchObject({ '@type': 'MessageCard', '@context': 'https://schema.org/extensions', themeColor: 'FFA500' });
    expect((card!.body.sections as { facts: { name: string; value: string }[] }[])[0]!.facts).toContainEqual({ name: 'Escalation', value: FINAL });
    const failure = status.timeline.find((t) => t.kind === 'escalation-failed' && t.obligationId === FINAL)!;
    expect(failure.detail).toMatch(/^at-80% to the dpo by broken could not be sent: slack channel "broken" refused the message: HTTP 400; trying teams$/);
    expect(failure.detail).not.toContain(base); // a channel's URL can be a secret
    // Nobody in those audiences was mailed about the final report: the channels took it.
    expect(sink.messages.filter((m) => m.text.includes(breachId) && m.subject.includes('Final report') && m.envelopeTo.includes(AUDIENCES.dpo))).toEqual([]);

    // PagerDuty: a trigger with the routing key and the escalation's dedup key.
    const dedup = `breachline:${breachId}:${FINAL}`;
    const [trigger] = about('/pd', breachId);
    expect(trigger!.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: dedup,
      payload: { source: 'breachline', severity: 'warning', component: breachId },
    });

    // Acknowledged in PagerDuty: its signed webhook acknowledges here, as the PagerDuty user; a forged one is refused.
    const webhook = JSON.stringify({
      event: {
        id: 'E1',
        event_type: 'incident.acknowledged',
        agent: { id: 'P1', summary: 'Pat Oncall', type: 'user_reference' },
        data: { id: 'Q1', type: 'incident', incident_key: dedup },
      },
    });
    const forged = await api.inject({
      method: 'POST',
      url: '/integrations/pagerduty',
      headers: { 'content-type': 'application/json', 'x-pagerduty-signature': 'v1=00' },
      payload: webhook,
    });
    expect(forged.statusCode).toBe(401);
    const acked = await api.inject({
      method: 'POST',
      url: '/integrations/pagerduty',
      headers: { 'content-type': 'application/json', 'x-pagerduty-signature': pdSigned(webhook) },
      payload: webhook,
    });
    expect(acked.json()).toMatchObject({ acknowledged: true, escalationId: FINAL, by: 'pagerduty:Pat Oncall' });
    const answered = (await breaches.status(breachId)).obligations.find((o) => o.id === FINAL)!;
    expect(answered).toMatchObject({ state: 'open', answer: { action: 'acknowledge', via: 'pagerduty', by: 'pagerduty:Pat Oncall' } });
    expect(about('/pd', breachId).map((r) => r.body.event_action)).toEqual(['trigger', 'acknowledge']);

    // Met: the incident is resolved in PagerDuty (the final report approvable once every item is stated).
    await completeFinalReport(breaches, breachId);
    await breaches.approve(breachId, { obligationId: FINAL, approver: { id: 'alice@example.test' } });
    await breaches.approve(breachId, { obligationId: FINAL, approver: { id: 'bob@example.test' } });
    const events = about('/pd', breachId);
    expect(events.map((r) => [r.body.event_action, r.body.dedup_key])).toEqual([
      ['trigger', dedup],
      ['acknowledge', dedup],
      ['resolve', dedup],
    ]);

    // Counted by channel and outcome, never by breach.
    const metric = await registry.getSingleMetricAsString('breachline_channel_deliveries_total');
    expect(metric).toMatch(/channel="webhook",outcome="failed"} [1-9]/);
    expect(metric).toMatch(/channel="slack",outcome="refused"} [1-9]/);
    expect(metric).toMatch(/channel="pagerduty",outcome="delivered"} [1-9]/);
    expect(metric).not.toContain('breach-');
  }, 180_000);

  it('posts to Slack in blocks and to Teams as an Adaptive Card', async () => {
    const { breachId, startAt, dueAt } = await detect({ owner: ['slack'], dpo: ['cards'] });
    await sleepUntil(startAt + Math.round((dueAt - startAt) * 0.8) + HOUR_MS);
    const [slack] = about('/slack', breachId);
    expect(slack!.body.text).toMatch(/^Due soon \(at-50%\): Final report to the PPC/);
    const blocks = slack!.body.blocks as { type: string; fields?: { type: string; text: string }[] }[];
    expect(blocks[0]).toMatchObject({ type: 'header' });
    expect(blocks[1]!.fields).toContainEqual({ type: 'mrkdwn', text: `*Escalation*\n${FINAL}` });
    const [teams] = about('/cards', breachId);
    expect(teams!.body).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } }],
    });
  }, 120_000);

  it('refuses a route naming a channel it does not define, naming the field', () => {
    expect(() => parseOrExplain(ResponsePolicy, { channels: { define: {}, routes: { owner: ['slack'] } } }, 'policy')).toThrow(InvalidInput);
    expect(() => parseOrExplain(ResponsePolicy, { channels: { define: {}, routes: { owner: ['slack'] } } }, 'policy')).toThrow(
      /channels\.routes\.owner\.0: no channel "slack" is defined/,
    );
  });
});
