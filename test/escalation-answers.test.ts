// Acknowledging and snoozing escalations, on the time-skipping server with a real SMTP sink and store, through the
// HTTP API (an operator's token) and through the signed single-use links in the escalation mails themselves.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EscalationLinks } from '../activities/links';
import { Mailer } from '../activities/mail';
import { openStore, type Store } from '../activities/store';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows, createBreachWorker } from '../worker/worker';
import { ResponsePolicy } from '../workflows/definitions';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { EXIT } from '../client/cli';
import { ensureChromium } from './support/chromium';
import { breachline } from './support/cli';
import { TEST_CODEC_KEY, testCodec, timeSkippingEnvironment } from './support/temporal';
import { AUDIENCES, RESPONDER } from './support/worker';

const HOUR_MS = 3_600_000;
const FINAL = 'JP-APPI/ppc-final';
const PUBLIC_URL = 'https://breachline.example.test';
const policy = ResponsePolicy.parse({ maxSnoozeMinutes: 240 });

let env: TestWorkflowEnvironment;
let sink: MailSink;
let store: Store;
let mailer: Mailer;
let breaches: Breaches;
let api: FastifyInstance;
let operator: string;
let stopWorker: () => Promise<void>;
let taskQueue: string;
const links = EscalationLinks.ephemeral();

beforeAll(async () => {
  let bundle: WorkflowBundle;
  [env, sink, store, bundle] = await Promise.all([timeSkippingEnvironment(), startMailSink(), openStore('pglite:memory'), bundleWorkflows()]);
  mailer = new Mailer(
    {
      smtpUrl: sink.url,
      from: 'Breachline <breachline@example.test>',
      responders: [RESPONDER],
      owner: [AUDIENCES.owner],
      dpo: [AUDIENCES.dpo],
      executive: [AUDIENCES.executive],
      statusBaseUrl: PUBLIC_URL,
      links,
    },
    store,
  );
  taskQueue = `escalation-answers-${randomUUID()}`;
  const worker = await createBreachWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    codec: testCodec,
    store,
    mailer,
    workflowBundle: bundle,
  });
  const running = worker.run();
  stopWorker = async () => {
    worker.shutdown();
    await running;
  };
  breaches = new Breaches(env.client, taskQueue, { policy, now: () => env.currentTimeMs() });
  const tokens = new Tokens(store);
  operator = await tokens.issue('olga@example.test', ['operator']);
  api = buildApi({ breaches, tokens, store, links });
  await api.ready();
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  mailer?.close();
  await sink?.close();
  await store?.close();
  await env?.teardown();
});

async function detect() {
  const { breachId } = await breaches.start({
    source: 'test-siem',
    eventId: `evt-${randomUUID()}`,
    detectedAt: new Date(await env.currentTimeMs()).toISOString(),
    summary: 'Synthetic: customer table export seen leaving the web shop database',
    facts: { jurisdictions: ['JP'], dataCategories: ['name', 'email'], affectedCount: 1500 },
  });
  const final = (await breaches.status(breachId)).obligations.find((o) => o.id === FINAL)!;
  return { breachId, startAt: Date.parse(final.startAt), dueAt: Date.parse(final.dueAt) };
}

const sleepUntil = async (at: number) => env.sleep(at - (await env.currentTimeMs()));
const finalMails = (breachId: string) =>
  sink.messages.filter((m) => m.text.includes(breachId) && m.subject.includes('Final report to the PPC')).map((m) => m.subject.match(/\((.+?)\)/)![1]);
const finalStatus = async (breachId: string) => (await breaches.status(breachId)).obligations.find((o) => o.id === FINAL)!;
const answer = (breachId: string, action: string, body: object) =>
  api.inject({ method: 'POST', url: `/breaches/${breachId}/escalations/${action}`, headers: { authorization: `Bearer ${operator}` }, payload: body });

describe('acknowledging an escalation', () => {
  it("stops its ladder climbing but not the deadline's own escalation, and leaves the obligation open", async () => {
    const { breachId, dueAt } = await detect();
    const acked = await answer(breachId, 'acknowledge', { escalationId: FINAL });
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toMatchObject({ escalationId: FINAL, action: 'acknowledge', by: 'olga@example.test', via: 'api', nextEscalation: { step: 'missed' } });
    expect(Date.parse(acked.json().nextEscalation.at)).toBe(dueAt);

    await sleepUntil(dueAt + HOUR_MS);
    await sink.waitFor((m) => m.text.includes(breachId) && m.subject.includes('OVERDUE (missed)') && m.subject.includes('Final report'));
    // owner → DPO → executive (50 %, 80 %, 95 %) never sent; the missed deadline still is.
    expect(finalMails(breachId)).toEqual(['missed']);
    const final = await finalStatus(breachId);
    expect(final).toMatchObject({ state: 'open', overdue: true, answer: { action: 'acknowledge', by: 'olga@example.test' } });
    // Another obligation's ladder, not acknowledged, climbed as usual.
    const preliminary = (await breaches.status(breachId)).obligations.find((o) => o.id === 'JP-APPI/ppc-preliminary')!;
    expect(preliminary.escalations.map((e) => e.step).slice(0, 3)).toEqual(['at-50%', 'at-80%', 'at-95%']);
    const timeline = (await breaches.status(breachId)).timeline.filter((t) => t.kind === 'escalation-acknowledged');
    expect(timeline).toMatchObject([{ obligationId: FINAL, actor: 'olga@example.test' }]);
    expect((await store.outcomes.forBreach(breachId)).filter((o) => o.kind === 'escalation-acknowledged')).toHaveLength(1);

    const again = await answer(breachId, 'snooze', { escalationId: FINAL, snoozeMinutes: 60 });
    expect(again.statusCode).toBe(422);
    expect(again.json()).toMatchObject({ code: 'BL_REFUSED' });
    expect(again.json().error).toContain('already acknowledged by olga@example.test');
  });
});

describe('snoozing an escalation', () => {
  it('delays the next step to the end of the snooze, bounded by the policy, and never past the deadline', async () => {
    const { breachId, startAt, dueAt } = await detect();
    const at50 = startAt + Math.round((dueAt - startAt) / 2);
    await sleepUntil(at50 - HOUR_MS);
    const snoozed = await answer(breachId, 'snooze', { escalationId: FINAL, snoozeMinutes: 600 });
    expect(snoozed.statusCode).toBe(200);
    const until = Date.parse(snoozed.json().until);
    expect(until - (await env.currentTimeMs())).toBeLessThanOrEqual(240 * 60_000); // the policy's bound, not the 600 asked
    expect(until).toBeGreaterThan(at50);
    expect(snoozed.json().nextEscalation).toMatchObject({ step: 'at-50%', at: new Date(until).toISOString() });

    await sleepUntil(at50 + HOUR_MS);
    expect(finalMails(breachId)).toEqual([]);
    await sleepUntil(until + HOUR_MS);
    await sink.waitFor((m) => m.text.includes(breachId) && m.subject.includes('(at-50%)') && m.subject.includes('Final report'));
    const [sent] = (await finalStatus(breachId)).escalations;
    expect(sent!.step).toBe('at-50%');
    expect(Date.parse(sent!.at) - until).toBeGreaterThanOrEqual(0); // recorded once the mail has left: at the snooze's end
    expect(Date.parse(sent!.at) - until).toBeLessThan(60_000);

    // An hour before the deadline a four-hour snooze ends at the deadline, where the missed step is sent anyway.
    await sleepUntil(dueAt - HOUR_MS);
    const capped = await answer(breachId, 'snooze', { escalationId: FINAL, snoozeMinutes: 240 });
    expect(capped.statusCode).toBe(200);
    expect(Date.parse(capped.json().until)).toBe(dueAt);
    await sleepUntil(dueAt + HOUR_MS);
    await sink.waitFor((m) => m.text.includes(breachId) && m.subject.includes('OVERDUE (missed)') && m.subject.includes('Final report'));
    const late = await answer(breachId, 'snooze', { escalationId: FINAL, snoozeMinutes: 60 });
    expect(late.statusCode).toBe(422);
    expect(late.json().error).toContain('cannot hold an escalation past its legal deadline');
    expect((await finalStatus(breachId)).state).toBe('open');
  });

  it('refuses an answer to an escalation the breach does not have, or a snooze without its length, naming the field', async () => {
    const { breachId } = await detect();
    const unknown = await answer(breachId, 'acknowledge', { escalationId: 'EU-GDPR/nope' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error).toContain('escalationId: no obligation "EU-GDPR/nope"');
    const lengthless = await answer(breachId, 'snooze', { escalationId: FINAL });
    expect(lengthless.statusCode).toBe(422);
    expect(lengthless.json().error).toContain('snoozeMinutes');
  });
});

describe('the links in an escalation mail', () => {
  it('acknowledge once without a token, as the recipient; refused when reused, expired or forged', async () => {
    const { breachId, startAt, dueAt } = await detect();
    await sleepUntil(startAt + Math.round((dueAt - startAt) / 2) + HOUR_MS);
    const mail = await sink.waitFor((m) => m.text.includes(breachId) && m.subject.includes('(at-50%)') && m.subject.includes('Final report'));
    const linkTo = (label: string) =>
      new URL(
        mail.text
          .split('\n')
          .find((l) => l.startsWith(label))!
          .match(/https:\/\/\S+/)![0],
      );
    const ack = linkTo('Acknowledge');
    const snooze = linkTo('Snooze');
    expect(ack.origin).toBe(PUBLIC_URL);
    const path = (url: URL) => `${url.pathname}${url.search}`;

    const confirm = await api.inject({ method: 'GET', url: path(ack) });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('<form method="post"');
    expect(finalMails(breachId)).toEqual(['at-50%']); // the GET acts on nothing: a mail scanner may follow it

    const used = await api.inject({ method: 'POST', url: path(ack), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect(used.statusCode).toBe(200);
    expect(used.body).toContain('Acknowledged');
    expect((await finalStatus(breachId)).answer).toMatchObject({ action: 'acknowledge', by: AUDIENCES.owner, via: 'link' });
    const reused = await api.inject({ method: 'POST', url: path(ack) });
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ code: 'BL_LINK_USED' });

    const forged = new URL(snooze);
    forged.searchParams.set('link', `${snooze.searchParams.get('link')!.split('.')[0]}.${'A'.repeat(43)}`);
    expect((await api.inject({ method: 'POST', url: path(forged) })).json()).toMatchObject({ code: 'BL_LINK_INVALID' });

    await env.sleep(25 * HOUR_MS);
    const expired = await api.inject({ method: 'POST', url: path(snooze) });
    expect(expired.statusCode).toBe(410);
    expect(expired.json()).toMatchObject({ code: 'BL_LINK_EXPIRED' });
    const timeline = (await breaches.status(breachId)).timeline.filter((t) => t.kind.startsWith('escalation-') && t.kind !== 'escalation-sent');
    expect(timeline.map((t) => [t.kind, t.actor])).toEqual([['escalation-acknowledged', AUDIENCES.owner]]);
  });
});

describe('breachline escalation', () => {
  const cli = (args: string[]) =>
    breachline(['escalation', ...args], {
      TEMPORAL_ADDRESS: env.address,
      BREACHLINE_TASK_QUEUE: taskQueue,
      BREACHLINE_CODEC_KEY: TEST_CODEC_KEY.toString('base64'),
      BREACHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'breachline-escalation-')),
    });

  it("snoozes and acknowledges a playbook task's escalation, as the person named, and refuses a snooze without a length", async () => {
    const { breachId } = await detect();
    const snoozed = await cli(['snooze', breachId, 'task/task-force', '--minutes', '30', '--by', 'ivan@example.test']);
    expect(snoozed.stderr).toBe('');
    expect(snoozed.code).toBe(EXIT.ok);
    expect(snoozed.stdout).toMatch(/^task\/task-force: snoozed until \S+ by ivan@example.test; next escalation missed at /);
    const acked = await cli(['ack', breachId, 'task/task-force', '--by', 'ivan@example.test']);
    expect(acked.stdout).toContain('task/task-force: acknowledged by ivan@example.test; no further escalation');
    const task = (await breaches.status(breachId)).tasks.find((t) => t.id === 'task-force')!;
    expect(task).toMatchObject({ state: 'open', answer: { action: 'acknowledge', by: 'ivan@example.test', via: 'cli' } });

    const bad = await cli(['snooze', breachId, FINAL, '--minutes', '0', '--by', 'ivan@example.test']);
    expect(bad.code).toBe(EXIT.invalid);
    expect(bad.stderr).toContain('snoozeMinutes');
  }, 120_000);
});

describe('the dashboard', () => {
  it('acknowledges an open escalation with its button, as the signed-in operator', async () => {
    const { breachId } = await detect();
    const base = await api.listen({ host: '127.0.0.1', port: 0 });
    const browser = await chromium.launch({ executablePath: ensureChromium(), headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/`);
      await page.fill('#token', operator);
      await page.click('#login button');
      await expect.poll(() => page.textContent('[data-testid=who]')).toBe('olga@example.test (operator)');
      await page.goto(`${base}/#/breach/${breachId}`);
      const final = page.locator(`[data-testid=obligation][data-obligation-id="${FINAL}"]`); // the row, not the document of the same obligation
      await final.locator('[data-testid=acknowledge]').click();
      await expect.poll(() => final.locator('[data-testid=escalation-answer]').textContent(), { timeout: 15_000 }).toBe('acknowledged by olga@example.test');
      expect(await final.locator('[data-testid=acknowledge]').count()).toBe(0);
      expect(await final.getAttribute('data-state')).toBe('open');
      expect((await finalStatus(breachId)).answer).toMatchObject({ action: 'acknowledge', via: 'dashboard' });
    } finally {
      await browser.close();
    }
  }, 120_000);
});
