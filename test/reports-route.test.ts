// The PPC report and the documents through the API and the CLI, on the time-skipping server: the final report is
// refused while an item is empty, filled from what operators record (in Japanese and English), then approved; the
// report comes as the form's JSON, printable HTML and a PDF whose text is Japanese; the documents name their gaps.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { EXIT } from '../client/cli';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { ResponsePolicy } from '../workflows/definitions';
import { ORGANISATION, PROVIDED } from './fixtures/ja-breach';
import { breachline } from './support/cli';
import { TEST_CODEC_KEY, timeSkippingEnvironment } from './support/temporal';
import { type RunningWorker, startWorker } from './support/worker';

let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let api: FastifyInstance;
const token = { operator: '', manager: '', other: '' };
const policy = ResponsePolicy.parse({ organisation: ORGANISATION });

beforeAll(async () => {
  [env, sink] = await Promise.all([timeSkippingEnvironment(), startMailSink()]);
  worker = await startWorker(env, sink, await bundleWorkflows(), `reports-${randomUUID()}`);
  const tokens = new Tokens(worker.store);
  token.operator = await tokens.issue('olga@example.test', ['operator']);
  token.other = await tokens.issue('oscar@example.test', ['operator']);
  token.manager = await tokens.issue('max@example.test', ['manager']);
  api = buildApi({ breaches: new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs(), policy }), tokens, store: worker.store });
});

afterAll(async () => {
  await api?.close();
  await worker?.stop();
  await sink?.close();
  await env?.teardown();
});

const call = async (method: 'GET' | 'POST', url: string, body?: unknown, as = token.operator) =>
  api.inject({
    method,
    url,
    headers: { authorization: `Bearer ${as}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });

describe('the PPC report and the documents through the API (time-skipping server)', () => {
  it('refuses the final report while an item is empty, fills it from what is recorded, and serves it as JSON, HTML and PDF', async () => {
    const detection = {
      source: 'reports-test',
      eventId: randomUUID(),
      detectedAt: new Date(await env.currentTimeMs()).toISOString(),
      summary: 'Synthetic: bulk read of the orders table',
      facts: {
        jurisdictions: ['JP'],
        dataCategories: ['name', 'email', 'payment_card'],
        affectedCount: 1500,
        occurredAt: new Date((await env.currentTimeMs()) - 4 * 86_400_000).toISOString(),
      },
    };
    const started = await call('POST', '/breaches', detection);
    expect(started.statusCode, started.body).toBeLessThan(300);
    const id: string = started.json().breachId;
    const report = (query: string) => call('GET', `/breaches/${id}/reports/JP-APPI/ppc-final?${query}`);

    const early = (await report('lang=ja&format=json')).json();
    expect(early).toMatchObject({ reportKind: '確報', reporter: { name: '株式会社見本商事' }, complete: false });
    expect(early.items.find((i: { no: number }) => i.no === 4)).toMatchObject({ value: '未確定', known: false });
    const refused = await call('POST', `/breaches/${id}/approvals`, { obligationId: 'JP-APPI/ppc-final' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'BL_REFUSED', error: expect.stringContaining('still empty: (4) Cause; (5) Secondary damage') });

    // The notice cannot start going out, nor the press release be published, while a required field is empty.
    const desk = { name: { ja: '窓口' }, phone: '0120-000-000', hours: { ja: '平日9時〜18時' } };
    const campaign = await call('POST', `/breaches/${id}/campaigns`, { notice: { contactDesk: desk } });
    expect(campaign.statusCode).toBe(422);
    expect(campaign.json().error).toBe(
      'invalid campaign: the notice cannot go out with empty fields: notice.cause (or the note recorded on the task that provides the cause); notice.secondaryDamage (or the secondaryDamage recorded on the scope or cause task)',
    );
    const published = await call('POST', `/breaches/${id}/tasks/press-release`, { outcome: { stage: 'published' } });
    expect(published.statusCode).toBe(422);
    expect(published.json().error).toContain('the press-release still has empty fields: cause');
    expect((await call('POST', `/breaches/${id}/tasks/press-release`, { outcome: { stage: 'drafted' } })).statusCode).toBe(200);

    // The apology to partners cannot be recorded as sent while its cause and measures are empty.
    const partners = await call('POST', `/breaches/${id}/tasks/partners-notified`, { outcome: { note: 'sent' } });
    expect(partners.statusCode).toBe(422);
    expect(partners.json().error).toContain('the partner-apology still has empty fields: cause');

    for (const [task, outcome] of [
      ['scope-confirmed', PROVIDED.scope],
      ['cause-established', PROVIDED.cause],
      ['contact-desk', PROVIDED['contact-desk']],
      ['recurrence-plan', PROVIDED['recurrence-measures']],
      ['press-release', { stage: 'published', url: 'https://mihon.example.test/news/1' }],
      ['partners-notified', { note: { ja: '主要取引先12社に書面で通知', en: 'twelve partners told in writing' } }],
    ] as const) {
      const recorded = await call('POST', `/breaches/${id}/tasks/${task}`, { outcome });
      expect(recorded.statusCode, `${task}: ${recorded.body}`).toBe(200);
    }

    const filing = (await report('lang=ja&format=json')).json();
    expect(filing).toMatchObject({ complete: true, missing: [], discoveredOn: expect.stringMatching(/^\d{4}年\d{1,2}月\d{1,2}日$/) });
    expect(filing.items.map((i: { value: string }) => i.value)).toEqual([
      expect.stringContaining('注文データベース'),
      '氏名、メールアドレス、クレジットカード情報',
      '1,500人',
      expect.stringContaining('SQLインジェクション'),
      expect.stringContaining('フィッシング'),
      expect.stringMatching(/^本人への通知は未実施です（\d{4}年\d{1,2}月\d{1,2}日までに通知する予定です）。$/),
      '公表済み（https://mihon.example.test/news/1）',
      expect.stringContaining('ウェブアプリケーションファイアウォールの導入'),
      expect.stringContaining('個人情報お問い合わせ窓口'),
    ]);
    // Without lang, the JSON is the report as before: the English items, with the Japanese alongside.
    const plain = (await report('')).json();
    expect(plain).toMatchObject({ obligationId: 'JP-APPI/ppc-final', kind: 'final', missing: [] });
    expect(plain.items[2]).toMatchObject({ title: 'Number of individuals', value: '1,500 individuals', ja: { value: '1,500人' } });

    const html = await report('lang=ja&format=html');
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.body).toContain('個人データの漏えい等の事態等に関する報告書');
    const pdf = await report('lang=ja&format=pdf');
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toMatch(/attachment; filename=".*-JP-APPI-ppc-final-ja\.pdf"/);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const file = join(mkdtempSync(join(tmpdir(), 'route-')), 'final.pdf');
    writeFileSync(file, pdf.rawPayload);
    expect(spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, '')).toContain('再発防止のための措置');
    expect((await report('lang=de')).json()).toMatchObject({ code: 'BL_INVALID', issues: [{ field: 'query.lang' }] });
    expect((await call('GET', `/breaches/${id}/reports/JP-APPI/individuals`)).statusCode).toBe(404);

    const notice = (await call('GET', `/breaches/${id}/documents/notice?lang=ja&format=json`)).json();
    expect(notice).toMatchObject({ document: 'notice', lang: 'ja', gaps: [] });
    expect(notice.text).toContain('株式会社見本商事');
    expect(notice.text).toContain('受付時間: 平日9時〜18時');
    const press = await call('GET', `/breaches/${id}/documents/press-release?lang=en&format=html`);
    expect(press.body).toContain('Mihon Shoji Co., Ltd. apologises for a leak of personal information');

    // Complete, the final report takes its two approvals.
    expect((await call('POST', `/breaches/${id}/approvals`, { obligationId: 'JP-APPI/ppc-final' })).statusCode).toBe(201);
    const second = await call('POST', `/breaches/${id}/approvals`, { obligationId: 'JP-APPI/ppc-final', filingReference: 'PPC-1' }, token.other);
    expect(second.json()).toMatchObject({ action: 'submitted' });

    // The CLI prints the same report, as JSON and as PDF.
    const dir = mkdtempSync(join(tmpdir(), 'report-cli-'));
    const cliEnv = {
      TEMPORAL_ADDRESS: env.address,
      BREACHLINE_TASK_QUEUE: worker.taskQueue,
      BREACHLINE_CODEC_KEY: TEST_CODEC_KEY.toString('base64'),
      BREACHLINE_DATA_DIR: dir,
    };
    const json = await breachline(['report', id, 'JP-APPI/ppc-final', '--lang', 'ja'], cliEnv);
    expect(json.code, json.stderr).toBe(EXIT.ok);
    expect(JSON.parse(json.stdout)).toMatchObject({ reportKind: '確報', complete: true });
    const out = join(dir, 'final.pdf');
    const printed = await breachline(['report', id, 'JP-APPI/ppc-final', '--lang', 'ja', '--format', 'pdf', '--out', out], cliEnv);
    expect(printed.code, printed.stderr).toBe(EXIT.ok);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    const bad = await breachline(['report', id, 'JP-APPI/ppc-final', '--format', 'docx'], cliEnv);
    expect(bad.code).toBe(EXIT.invalid);
    expect(bad.stderr).toContain('format');
  });
});
