// The dashboard in Japanese and in English, in Debian's Chromium with fonts-noto-cjk: the language the browser asks
// for (Accept-Language) or the one picked on the page (kept in this browser), times in the viewer's zone with each
// deadline in its regime's, and a breach page with the playbook's tasks, the JNSA damage estimate, printable links to
// its reports and notices, and wave progress. Japanese must be drawn with a CJK font, never as empty boxes: the test
// asks Chromium (DevTools protocol, CSS.getPlatformFontsForNode) which font drew each Japanese heading.
// A screenshot per language goes to test-artifacts/; with BREACHLINE_DOCS_SCREENSHOTS=1 also to docs/screenshots/.
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { ensureChromium } from './support/chromium';
import { devServerEnvironment } from './support/temporal';
import { type RunningWorker, startWorker } from './support/worker';

const ROOT = join(import.meta.dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const DOCS = join(ROOT, 'docs', 'screenshots');
const HOUR_MS = 3_600_000;

let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let api: FastifyInstance;
let base: string;
let browser: Browser;
let operator: string;
let breachId: string;

async function call(path: string, body: unknown, type = 'application/json', as = operator): Promise<Response> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': type, authorization: `Bearer ${as}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response;
}

beforeAll(async () => {
  const executablePath = ensureChromium();
  [env, sink] = await Promise.all([devServerEnvironment(), startMailSink()]);
  const taskQueue = `dashboard-languages-${randomUUID()}`;
  worker = await startWorker(env, sink, await bundleWorkflows(), taskQueue);
  const tokens = new Tokens(worker.store);
  const detector = await tokens.issue('languages-siem', ['detector']);
  operator = await tokens.issue('sato@example.test', ['operator']);
  api = buildApi({ breaches: await Breaches.connect(env.client, taskQueue), tokens, store: worker.store });
  base = await api.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });

  // A leak of 1,200 customers' names, addresses and card numbers in Japan, noticed 30 hours ago.
  const started = await call(
    '/breaches',
    {
      source: 'languages-siem',
      eventId: randomUUID(),
      detectedAt: new Date(Date.now() - 30 * HOUR_MS).toISOString(),
      summary: '（テスト）通販サイトの会員データベースが外部から閲覧可能になっていた',
      severity: 'high',
      facts: { jurisdictions: ['JP'], affectedCount: 1200, dataCategories: ['name', 'address', 'payment_card'], unfairPurpose: true },
    },
    'application/json',
    detector,
  );
  breachId = ((await started.json()) as { breachId: string }).breachId;
  const at = `/breaches/${encodeURIComponent(breachId)}`;
  await call(`${at}/tasks/task-force`, { outcome: { note: '緊急対策本部を設置' } });
  await call(`${at}/tasks/contact-desk`, { outcome: { phone: '0120-000-000', hours: '平日 9:00〜18:00' } });
  await call(
    `${at}/recipients`,
    'id,name,email,postal_address,locale,data_categories\nr1,Aoi,r1@lang.example.test,,ja,name\nr2,Ben,r2@lang.example.test,,en,name\nr3,Chika,r3@lang.example.test,,ja,name\n',
    'text/csv',
  );
  const campaign = await call(`${at}/campaigns`, {
    notice: {
      companyName: 'テスト商事',
      incident: 'Synthetic.',
      measures: 'Synthetic.',
      advice: 'Synthetic.',
      cause: 'Synthetic cause.',
      secondaryDamage: 'None known so far.',
    },
    ratePerSecond: 100,
  });
  const { campaignId } = (await campaign.json()) as { campaignId: string };
  const campaignAt = `${at}/campaigns/${encodeURIComponent(campaignId.split('/').pop()!)}`;
  // The wave waits for its approval until the campaign has planned it.
  for (let tries = 0; ; tries++) {
    const approved = await fetch(`${base}${campaignAt}/waves/1/approval`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: '{}',
    });
    if (approved.ok) break;
    if (tries > 40) throw new Error(`wave 1 not approvable: ${approved.status} ${await approved.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await worker?.stop();
  await sink?.close();
  await env?.teardown();
});

/** A browser as a person in `locale` and `timezoneId` would have it, signed in on the breach's page. */
async function open(locale: string, timezoneId: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale, timezoneId, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${base}/#/breach/${encodeURIComponent(breachId)}`);
  await page.fill('#token', operator);
  await page.click('#login button');
  await page.locator('[data-testid=task]').first().waitFor({ timeout: 20_000 });
  return { context, page, problems };
}

/** The fonts Chromium really drew an element's text with (DevTools protocol), e.g. ["Noto Sans CJK JP"]. */
async function fontsOf(page: Page, selector: string): Promise<{ familyName: string; glyphCount: number }[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    return fonts.map((f) => ({ familyName: f.familyName, glyphCount: f.glyphCount }));
  } finally {
    await cdp.detach();
  }
}

const CJK_FONT = /CJK|Noto Sans JP|Noto Serif JP|Hiragino|Yu Gothic|Meiryo|IPA|TakaoGothic|VL Gothic|Droid Sans Japanese/i;

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  if (process.env.BREACHLINE_DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(path, join(DOCS, name));
  }
}

describe('dashboard in Japanese and English (Chromium)', () => {
  it('shows a Japanese browser the breach page in Japanese, drawn with a CJK font, times in its zone beside the regime’s', async () => {
    const { context, page, problems } = await open('ja-JP', 'Asia/Tokyo');
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    const headings = await page.locator('main h2').allTextContents();
    expect(headings).toEqual(['報告・通知の義務', '報告書・通知文', '対応計画のタスク', '損害賠償額の想定', '本人通知の送信', '経過']);

    // Every Japanese heading drawn by a font that has Japanese glyphs: without one, Chromium draws boxes (.notdef).
    for (const selector of ['main h1', 'main h2:nth-of-type(3)', '[data-testid=damage-per-person]']) {
      const fonts = await fontsOf(page, selector);
      expect({ selector, fonts }).toEqual({
        selector,
        fonts: expect.arrayContaining([expect.objectContaining({ familyName: expect.stringMatching(CJK_FONT) })]),
      });
      const cjkGlyphs = fonts.filter((f) => CJK_FONT.test(f.familyName)).reduce((n, f) => n + f.glyphCount, 0);
      const japanese = [...((await page.textContent(selector)) ?? '')].filter((c) => /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(c)).length;
      expect(cjkGlyphs).toBeGreaterThanOrEqual(japanese);
    }

    // The playbook's tasks with owners and due times (the viewer is in Tokyo: JST), one recorded.
    const taskForce = page.locator('[data-testid=task][data-task-id=task-force]');
    expect(await taskForce.getAttribute('data-state')).toBe('done');
    expect(await taskForce.locator('[data-testid=task-owner]').textContent()).toBe('経営');
    expect(await taskForce.textContent()).toContain('sato@example.test');
    expect(await taskForce.locator('td').first().textContent()).toBe('緊急対策本部を招集するtask-force'); // the default playbook's title, in Japanese
    expect(await page.locator('[data-testid=task][data-task-id=contact-desk] [data-testid=task-owner]').textContent()).toBe('広報');
    expect(await page.locator('[data-testid=task][data-task-id=evidence-preserved] [data-testid=task-due]').textContent()).toMatch(
      /^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} JST/,
    );

    // The PPC report's deadline in the viewer's time and in Asia/Tokyo.
    const preliminary = page.locator('[data-obligation-id="JP-APPI/ppc-preliminary"]');
    expect(await preliminary.locator('[data-testid=due-regime]').textContent()).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} JST（Asia\/Tokyo）$/);
    expect(await preliminary.locator('[data-testid=obligation-state]').textContent()).toContain('承認 0／2');

    // JNSA: name, address and card number: sensitivity 10^0 + 5^2 = 26, identifiability 6; 500 × 26 × 6 = 78,000 yen.
    expect(await page.textContent('[data-testid=damage-per-person]')).toBe('1人あたり ￥78,000');
    expect(await page.textContent('[data-testid=damage-total]')).toBe('合計 ￥93,600,000（1,200人）');
    expect(await page.textContent('[data-testid=damage-formula]')).toBe('500 × 26 × 6 × 1 × 1 = 78,000円');
    expect(await page.locator('[data-testid=damage-factor][data-factor=identifiability]').textContent()).toContain('氏名と住所がともに漏えい');

    // A printable link to each report and notice, in the page's language.
    const links = page.locator('[data-testid=document]');
    const documents = await links.evaluateAll((items) =>
      items.map((li) => ({ id: li.getAttribute('data-obligation-id'), kind: li.getAttribute('data-kind'), href: li.querySelector('a')!.getAttribute('href') })),
    );
    expect(await page.textContent('[data-testid=document][data-obligation-id="JP-APPI/ppc-preliminary"] a')).toBe('個人情報保護委員会への速報');
    const path = `/breaches/${encodeURIComponent(breachId)}/reports`;
    expect(documents).toEqual(
      expect.arrayContaining([
        { id: 'JP-APPI/ppc-preliminary', kind: 'report', href: `${path}/JP-APPI/ppc-preliminary?lang=ja&format=html` },
        { id: 'JP-APPI/ppc-final', kind: 'report', href: `${path}/JP-APPI/ppc-final?lang=ja&format=html` },
        { id: 'JP-APPI/individuals', kind: 'notice', href: `${path}/JP-APPI/individuals?lang=ja&format=html` },
      ]),
    );

    // Wave progress, and the timeline in the viewer's time.
    const wave = page.locator('[data-testid=wave][data-wave="1"]');
    await expect.poll(() => wave.getAttribute('data-state'), { timeout: 20_000 }).toBe('done');
    expect(await wave.locator('td').nth(1).textContent()).toBe('送信済み');
    expect(await page.locator('[data-testid=timeline] li[data-kind=detected]').textContent()).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} JST 検知 /);
    await screenshot(page, 'dashboard-breach-ja.png');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows an English browser the same page in English in its own zone, and keeps a switch to Japanese for this browser', async () => {
    const { context, page, problems } = await open('en-GB', 'Europe/London');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('main h2').allTextContents()).toEqual([
      'Obligations',
      'Reports and notices',
      'Playbook tasks',
      'Damage estimate',
      'Notification waves',
      'Timeline',
    ]);
    const preliminary = page.locator('[data-obligation-id="JP-APPI/ppc-preliminary"]');
    expect(await preliminary.locator('[data-testid=due-local]').textContent()).toMatch(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} GMT$/);
    expect(await preliminary.locator('[data-testid=due-regime]').textContent()).toMatch(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} GMT\+9 \(Asia\/Tokyo\)$/);
    expect(await page.textContent('[data-testid=damage-per-person]')).toBe('JP¥78,000 per person');
    expect(await page.textContent('[data-testid=damage-total]')).toBe('JP¥93,600,000 in total for 1,200 people');
    expect(await page.locator('[data-testid=task][data-task-id=contact-desk] [data-testid=task-owner]').textContent()).toBe('PR');
    expect(await page.locator('[data-testid=document][data-obligation-id="JP-APPI/ppc-final"] a').getAttribute('href')).toMatch(/\?lang=en&format=html$/);
    // The summary is Japanese whatever the page's language: drawn with a CJK font too.
    expect((await fontsOf(page, 'main h1')).map((f) => f.familyName)).toEqual(expect.arrayContaining([expect.stringMatching(CJK_FONT)]));
    const wave = page.locator('[data-testid=wave][data-wave="1"]');
    await expect.poll(() => wave.getAttribute('data-state'), { timeout: 20_000 }).toBe('done');
    await screenshot(page, 'dashboard-breach-en.png');

    // The switch: Japanese for this browser from now on, though it asks for English.
    await page.selectOption('[data-testid=lang]', 'ja');
    await expect.poll(() => page.locator('main h2').first().textContent()).toBe('報告・通知の義務');
    expect(await page.evaluate('localStorage.getItem("breachline.lang")')).toBe('ja');
    await page.reload();
    await page.locator('[data-testid=task]').first().waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    expect(await page.textContent('[data-testid=lang]')).toContain('日本語');
    expect(await page.locator('main h2').first().textContent()).toBe('報告・通知の義務');
    expect(await page.locator('[data-testid=document][data-obligation-id="JP-APPI/ppc-final"] a').getAttribute('href')).toMatch(/\?lang=ja&format=html$/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('would see boxes: in a Chromium whose fontconfig knows no CJK font, the same check finds no CJK font drawing the Japanese', async () => {
    // The control for the font check above: it must fail where Japanese is drawn as .notdef boxes.
    const dejavu = '/usr/share/fonts/truetype/dejavu';
    expect(existsSync(dejavu)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'no-cjk-'));
    const config = join(dir, 'fonts.conf');
    writeFileSync(config, `<?xml version="1.0"?><fontconfig><dir>${dejavu}</dir><cachedir>${join(dir, 'cache')}</cachedir></fontconfig>`);
    const bare = await chromium.launch({
      executablePath: ensureChromium(),
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking'],
      env: { ...process.env, FONTCONFIG_FILE: config },
    });
    try {
      const page = await bare.newPage({ locale: 'ja-JP' });
      await page.goto(`${base}/`);
      await page.locator('[data-i18n="app.start"]').filter({ hasText: 'APIトークン' }).waitFor();
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-no-cjk-font.png') }); // what a user would see: boxes
      const fonts = await fontsOf(page, '[data-i18n="app.start"]');
      expect(fonts.length).toBeGreaterThan(0);
      expect(fonts.map((f) => f.familyName).filter((name) => CJK_FONT.test(name))).toEqual([]);
    } finally {
      await bare.close();
    }
  });

  it('serves the catalogue the browser asks for, and refuses a language it does not have by name', async () => {
    const ja = await fetch(`${base}/dashboard/messages.json`, { headers: { 'accept-language': 'ja,en-US;q=0.8' } });
    expect(ja.headers.get('vary')).toBe('accept-language');
    expect(((await ja.json()) as { lang: string }).lang).toBe('ja');
    const picked = (await (await fetch(`${base}/dashboard/messages.json?lang=en`, { headers: { 'accept-language': 'ja' } })).json()) as {
      lang: string;
      messages: Record<string, string>;
    };
    expect(picked.lang).toBe('en');
    expect(picked.messages['breach.tasks']).toBe('Playbook tasks');
    const refused = await fetch(`${base}/dashboard/messages.json?lang=fr`);
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ code: 'BL_INVALID', error: expect.stringContaining('lang: ja or en') });
  });
});
