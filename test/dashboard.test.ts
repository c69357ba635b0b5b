// The dashboard in a real browser: Debian's Chromium driven by playwright-core against the API on a real dev
// server. A detection POSTed by a SIEM shows up, its deadline counts down live, two operators approve the
// regulator notice (four eyes), and the page shows the status change. A screenshot is kept in test-artifacts/.
// Failures show on the page too: an escalation the owner's mailbox refuses, a refused token, a throttled one, a
// summary sealed with a codec key the API process does not have.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { sessionRoutes, TOKEN_COOKIE } from '../dev/session';
import { EncryptionCodec } from '../worker/codec';
import { bundleWorkflows } from '../worker/worker';
import { ResponsePolicy } from '../workflows/definitions';
import { ensureChromium } from './support/chromium';
import { devServerEnvironment } from './support/temporal';
import { AUDIENCES, type RunningWorker, startWorker } from './support/worker';
import { syntheticNotice } from './fixtures/notice';

const ARTIFACTS = join(import.meta.dirname, '..', 'test-artifacts');

let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let api: FastifyInstance;
let base: string;
let browser: Browser;
let bundle: WorkflowBundle;
const token = { detector: '', alice: '', bob: '' };

beforeAll(async () => {
  const executablePath = ensureChromium();
  [env, sink] = await Promise.all([devServerEnvironment(), startMailSink()]);
  const taskQueue = `dashboard-${randomUUID()}`;
  bundle = await bundleWorkflows();
  worker = await startWorker(env, sink, bundle, taskQueue);
  const tokens = new Tokens(worker.store);
  token.detector = await tokens.issue('browser-siem', ['detector']);
  token.alice = await tokens.issue('alice@example.test', ['operator']);
  token.bob = await tokens.issue('bob@example.test', ['operator']);
  api = buildApi({ breaches: await Breaches.connect(env.client, taskQueue), tokens, store: worker.store });
  base = await api.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await worker?.stop();
  await sink?.close();
  await env?.teardown();
});

async function signIn(page: Page, as: string) {
  await page.fill('#token', as);
  await page.click('#login button');
}

describe('dashboard in Chromium', () => {
  it('shows a new breach with a live countdown, and its status change when two operators approve', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${base}/`);
    await signIn(page, token.alice);
    await expect.poll(() => page.textContent('[data-testid=who]')).toBe('alice@example.test (operator)');

    // A SIEM reports a breach affecting people in Germany, noticed ten hours ago: the 72-hour notice has 62 left.
    const response = await fetch(`${base}/breaches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.detector}` },
      body: JSON.stringify({
        source: 'browser-siem',
        eventId: randomUUID(),
        detectedAt: new Date(Date.now() - 10 * 3_600_000).toISOString(),
        summary: 'Synthetic: newsletter list exported <b>by</b> a compromised account',
        severity: 'high',
        facts: { jurisdictions: ['DE'], affectedCount: 800, dataCategories: ['name', 'email'] },
      }),
    });
    const { breachId } = (await response.json()) as { breachId: string };
    const row = page.locator(`[data-breach-id="${breachId}"]`);
    await row.waitFor({ timeout: 20_000 }).catch(async (error) => {
      throw new Error(`${error.message}\npage: ${await page.textContent('main')}\nerrors: ${problems.join('; ')}`);
    }); // the list refreshes every 5 s from visibility

    const countdown = row.locator('[data-testid=countdown]');
    const first = await countdown.textContent();
    expect(first).toMatch(/^2d 1[34]h \d{2}m \d{2}s$/);
    await expect.poll(() => countdown.textContent(), { timeout: 5_000 }).not.toBe(first); // it ticks
    expect(await countdown.getAttribute('class')).toContain('urgency-warning'); // under 72 hours left
    expect(await row.textContent()).toContain('Europe/Brussels');
    // The summary is text, never markup.
    expect(await row.locator('a').textContent()).toBe('Synthetic: newsletter list exported <b>by</b> a compromised account');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-list.png'), fullPage: true });
    await row.locator('a').click();
    const notice = page.locator('[data-obligation-id="EU-GDPR/supervisory-authority"]');
    await notice.waitFor();
    expect(await notice.getAttribute('data-state')).toBe('open');
    page.once('dialog', (dialog) => void dialog.accept('DPA-2026-0042'));
    await notice.locator('[data-testid=approve]').click();
    await expect.poll(() => notice.textContent()).toContain('1 of 2 approvals');
    expect(await notice.locator('[data-testid=approve]').count()).toBe(0); // alice cannot confirm her own approval

    await signIn(page, token.bob);
    await expect.poll(() => page.textContent('[data-testid=who]')).toBe('bob@example.test (operator)');
    page.once('dialog', (dialog) => void dialog.accept(''));
    await notice.locator('[data-testid=approve]').click();
    await expect.poll(() => notice.getAttribute('data-state')).toBe('satisfied');
    expect(await notice.locator('[data-testid=countdown]').textContent()).toBe('done');
    await expect.poll(() => page.textContent('[data-testid=timeline]')).toContain('[bob@example.test] submitted');

    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-breach.png'), fullPage: true });
    const status: any = await (await fetch(`${base}/breaches/${encodeURIComponent(breachId)}`, { headers: { authorization: `Bearer ${token.alice}` } })).json();
    expect(status.obligations.find((o: { id: string }) => o.id === 'EU-GDPR/supervisory-authority')).toMatchObject({
      state: 'satisfied',
      approvedBy: ['alice@example.test', 'bob@example.test'],
    });
    expect(status.approvals[0].filingReference).toBe('DPA-2026-0042');

    // A notification campaign: its wave waits with a preview of the notice; an operator approves it on the page.
    const people =
      'id,name,email,postal_address,locale,data_categories\nd1,Dana,d1@dash.example.test,,en,name;email\nd2,Eli,d2@dash.example.test,,en,name\nd3,Fumi,,"1-1 Chiyoda",ja,name\n';
    await fetch(`${base}/breaches/${encodeURIComponent(breachId)}/recipients`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${token.alice}` },
      body: people,
    });
    await fetch(`${base}/breaches/${encodeURIComponent(breachId)}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.alice}` },
      body: JSON.stringify({
        notice: syntheticNotice('Dash Shop'),
        ratePerSecond: 100,
      }),
    });
    const approveWave = page.locator('[data-testid=approve-wave]');
    await approveWave.waitFor({ timeout: 15_000 });
    expect(await page.textContent('[data-testid=waves]')).toContain('Sample Person');
    await approveWave.click();
    const wave = page.locator('[data-testid=wave][data-wave="1"]');
    await expect.poll(() => wave.getAttribute('data-state'), { timeout: 15_000 }).toBe('done');
    expect((await wave.locator('td').allTextContents()).slice(3, 8)).toEqual(['2', '0', '0', '1', '0']); // sent, deferred, bounced, by post, pending
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-waves.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});

describe('dashboard in Chromium, when things fail', () => {
  const PER_TOKEN_PER_MINUTE = 100;
  let refusingSink: MailSink;
  let refusing: RunningWorker;
  let failingApi: FastifyInstance;
  let failingBase: string;
  const tokens = { detector: '', operator: '', throttled: '' };
  let issuer: Tokens;

  beforeAll(async () => {
    // The owner's mailbox does not exist on this server: every mail to it is refused for good (550).
    refusingSink = await startMailSink({ refuse: (address) => address === AUDIENCES.owner });
    refusing = await startWorker(env, refusingSink, bundle, `dashboard-refusing-${randomUUID()}`);
    issuer = new Tokens(refusing.store);
    tokens.detector = await issuer.issue('refusing-siem', ['detector']);
    tokens.operator = await issuer.issue('carol@example.test', ['operator']);
    tokens.throttled = await issuer.issue('dave@example.test', ['operator']);
    const policy = ResponsePolicy.parse({ intake: { perTokenPerMinute: PER_TOKEN_PER_MINUTE } });
    // With the dev stack's /session, as `npm start` serves it: the dashboard signs the browser in there too.
    failingApi = buildApi({
      breaches: await Breaches.connect(env.client, refusing.taskQueue, { policy }),
      tokens: issuer,
      store: refusing.store,
      plugins: [sessionRoutes(issuer)],
    });
    failingBase = await failingApi.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);

  afterAll(async () => {
    await failingApi?.close();
    await refusing?.stop();
    await refusingSink?.close();
  });

  it("shows the owner's refused escalation as failed with its reason, the store's refusal as a banner, and each refused request's error and code", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${failingBase}/`);

    // An unknown token: the API's own words and its stable code, not a bare status; no session cookie either.
    await signIn(page, 'bl_not-a-token');
    await expect.poll(() => page.textContent('[data-testid=error]')).toBe('unknown or revoked token (BL_UNAUTHORIZED)');
    expect(await page.textContent('[data-testid=session]')).toContain('no dev session: send a valid token');

    await signIn(page, tokens.operator);
    await expect.poll(() => page.textContent('[data-testid=who]')).toBe('carol@example.test (operator)');
    expect(await page.textContent('[data-testid=session]')).toBe('');
    expect((await context.cookies(failingBase)).find((c) => c.name === TOKEN_COOKIE)).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    // Noticed 40 hours into GDPR's 72: past half the window, so the owner's step is due at once, and refused.
    const response = await fetch(`${failingBase}/breaches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.detector}` },
      body: JSON.stringify({
        source: 'refusing-siem',
        eventId: randomUUID(),
        detectedAt: new Date(Date.now() - 40 * 3_600_000).toISOString(),
        summary: 'Synthetic: CRM backup left readable',
        severity: 'high',
        facts: { jurisdictions: ['DE'], affectedCount: 300, dataCategories: ['name', 'email'] },
      }),
    });
    expect(response.status).toBe(201);
    const { breachId } = (await response.json()) as { breachId: string };
    const fallback = await refusingSink.waitFor(
      (m) => m.text.includes(breachId) && m.text.includes('EU-GDPR/supervisory-authority') && m.text.includes('at-50%'),
    );
    expect(fallback.envelopeTo).toEqual([AUDIENCES.dpo]);

    const row = page.locator(`[data-breach-id="${breachId}"]`);
    await row.waitFor({ timeout: 20_000 });
    await expect.poll(() => row.locator('[data-testid=row-failing]').textContent(), { timeout: 10_000 }).toMatch(/^\d+ failures?: see the breach$/);
    await row.locator('a').click();
    const step = page.locator('[data-obligation-id="EU-GDPR/supervisory-authority"] [data-testid=escalation][data-step="at-50%"]');
    await step.waitFor({ timeout: 20_000 });
    expect(await step.getAttribute('data-failed')).toBe('1');
    expect(await step.textContent()).toMatch(/^at-50% → dpo failed\s*owner: .*550/);
    // The owner's refusal on the timeline, alone or in a summary of the steps due with it.
    const failedEntry = page.locator('[data-testid=timeline] li[data-kind=escalation-failed]', { hasText: 'to the owner could not be sent' }).first();
    expect(await failedEntry.textContent()).toMatch(/ to the owner could not be sent: .*550.*; trying the dpo/);
    expect(await failedEntry.getAttribute('class')).toBe('failed');

    // The store refuses what the breach learns next: the entry stays on the timeline, marked, under a red banner.
    await refusing.store.sql.query(`ALTER TABLE outcome ADD CONSTRAINT refuse_facts CHECK (NOT (kind = 'facts-updated' AND breach_id = '${breachId}'))`);
    try {
      const learned = await fetch(`${failingBase}/breaches/${encodeURIComponent(breachId)}/facts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.operator}` },
        body: JSON.stringify({ affectedCount: 450 }),
      });
      expect(learned.status).toBe(200);
    } finally {
      await refusing.store.sql.query('ALTER TABLE outcome DROP CONSTRAINT refuse_facts');
    }
    const banner = page.locator('[data-testid=store-failures]');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.textContent()).toMatch(/^The store could not keep 1 timeline entry: they are in the workflow only\..*facts-updated: .*23514/);
    expect(await page.textContent('[data-testid=timeline] li[data-kind=facts-updated] [data-testid=unrecorded]')).toMatch(/^not in the store: .*23514/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-failures.png'), fullPage: true });

    // A token over its budget: the page says so, with the code and when to try again.
    for (let i = 0; i < PER_TOKEN_PER_MINUTE; i++) await fetch(`${failingBase}/me`, { headers: { authorization: `Bearer ${tokens.throttled}` } });
    await signIn(page, tokens.throttled);
    await expect.poll(() => page.textContent('[data-testid=error]')).toMatch(/^too many requests with this token: .* \(BL_RATE_LIMITED; retry after \d+ s\)$/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('lists a breach whose summary this process cannot decrypt, with that error, instead of failing the page', async () => {
    const started = await fetch(`${failingBase}/breaches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.detector}` },
      body: JSON.stringify({
        source: 'refusing-siem',
        eventId: randomUUID(),
        detectedAt: new Date().toISOString(),
        summary: 'Synthetic: sealed summary',
        facts: { jurisdictions: ['DE'] },
      }),
    });
    const { breachId } = (await started.json()) as { breachId: string };
    // An API process started with another codec key than the one the breach's memo was sealed with.
    const lostKey = new Client({
      connection: env.connection,
      namespace: env.namespace ?? 'default',
      dataConverter: { payloadCodecs: [new EncryptionCodec(randomBytes(32))] },
    });
    const logged: string[] = [];
    const lostKeyApi = buildApi({
      breaches: await Breaches.connect(lostKey, refusing.taskQueue),
      tokens: issuer,
      store: refusing.store,
      log: (line) => logged.push(line),
    });
    try {
      const lostKeyBase = await lostKeyApi.listen({ host: '127.0.0.1', port: 0 });
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${lostKeyBase}/`);
      await signIn(page, tokens.operator);
      const row = page.locator(`[data-breach-id="${breachId}"]`);
      await row.waitFor({ timeout: 20_000 }).catch(async (error) => {
        throw new Error(`${error.message}\npage: ${await page.textContent('main')}\nlogged: ${logged.join('\n')}`);
      });
      expect(await row.locator('[data-testid=row-error]').textContent()).toMatch(
        /^cannot decode this breach's summary: payload was encrypted with key \S+, which this process does not have/,
      );
      expect(await row.locator('[data-testid=row-status-error]').textContent()).toMatch(/^status unavailable: .+ \(BL_[A-Z_]+\)$/);
      expect(await row.locator('a').textContent()).toBe(breachId);
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await lostKeyApi.close();
    }
  });

  it('shows a wave paused by a mail server that does not answer, with the reason', async () => {
    // A mail server that was there and is gone: every connection to its port is refused.
    const gone = await startMailSink();
    await gone.close();
    const offline = await startWorker(env, gone, bundle, `dashboard-offline-${randomUUID()}`);
    const issued = new Tokens(offline.store);
    const [detector, operator] = await Promise.all([issued.issue('offline-siem', ['detector']), issued.issue('erin@example.test', ['operator'])]);
    const offlineApi = buildApi({ breaches: await Breaches.connect(env.client, offline.taskQueue), tokens: issued, store: offline.store });
    try {
      const offlineBase = await offlineApi.listen({ host: '127.0.0.1', port: 0 });
      const call = (path: string, body: string, type = 'application/json', as = operator) =>
        fetch(`${offlineBase}${path}`, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${as}` }, body });
      const started = await call(
        '/breaches',
        JSON.stringify({
          source: 'offline-siem',
          eventId: randomUUID(),
          detectedAt: new Date().toISOString(),
          summary: 'Synthetic: mailing list exposed',
          facts: { jurisdictions: ['DE'] },
        }),
        'application/json',
        detector,
      );
      const { breachId } = (await started.json()) as { breachId: string };
      const at = `/breaches/${encodeURIComponent(breachId)}`;
      expect(
        (await call(`${at}/recipients`, 'id,name,email,postal_address,locale,data_categories\no1,Olga,o1@offline.example.test,,en,email\n', 'text/csv')).ok,
      ).toBe(true);
      const notice = syntheticNotice('Offline Shop');
      expect((await call(`${at}/campaigns`, JSON.stringify({ notice }))).status).toBe(201);

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${offlineBase}/#/breach/${encodeURIComponent(breachId)}`);
      await signIn(page, operator);
      const approveWave = page.locator('[data-testid=approve-wave]');
      await approveWave.waitFor({ timeout: 20_000 });
      await approveWave.click();
      const outage = page.locator('[data-testid=wave][data-wave="1"] [data-testid=wave-outage]');
      await outage.waitFor({ timeout: 30_000 });
      expect(await outage.textContent()).toMatch(
        /^mail server unreachable since \d{1,2} \w{3} \d{4}, \d{2}:\d{2} \S+ \(.*(ECONNREFUSED|connect|refused).*\); wave paused, (telling the owner|the owner could not be told: .+)$/i,
      );
      expect(await page.locator('[data-testid=wave][data-wave="1"]').getAttribute('data-state')).toBe('sending');
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-outage.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await offlineApi.close();
      await offline.stop();
    }
  });
});
