// The PPC report and the notices, filing-ready in Japanese and English: every item labelled in the form's words, no
// code left untranslated, unknown items marked, the final report and each document refused while a required field
// is empty; printed to A4 PDF by Debian's Chromium with a CJK font that really draws the glyphs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ppcFiling, ppcHtml, renderDocument } from '../activities/documents';
import { htmlToPdf, launchChromium } from '../activities/pdf';
import { DataCategory, Facts } from '../workflows/domain/facts';
import { APPI_TRIGGERS } from '../workflows/domain/i18n';
import { DOCUMENTS, documentGaps, narratives } from '../workflows/domain/narrative';
import { approvalGaps, PPC_ITEMS } from '../workflows/domain/report';
import { FACTS, sources, status } from './fixtures/ja-breach';

const final = { id: 'JP-APPI/ppc-final', title: 'Final report to the PPC (確報)', citation: 'APPI Art. 26(1)' };
const report = (s = status(), id = 'JP-APPI/ppc-final') => s.reports.find((r) => r.obligationId === id)!;

/** The visible text of a page: no markup, no stylesheet. */
const visible = (html: string) =>
  html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z]+;|&#\d+;/g, ' ');

/** Words in Latin letters left in Japanese text once addresses, URLs and the breach's id are taken out: untranslated codes. */
const latinWords = (text: string) =>
  text
    .replace(/https?:\/\/\S+/g, '')
    .replace(/[\w.+-]+@[\w.-]+/g, '')
    .replace(/breach-ja-fixture/g, '')
    .match(/[A-Za-z_]*[a-z_][A-Za-z_]*/g)
    ?.filter((word) => word.length > 1) ?? [];

/** Every string in a value, keys left out: what a form shows. */
const strings = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(strings) : [];

const CODES = [...DataCategory.options, ...APPI_TRIGGERS, 'unfairPurpose', 'preliminary', 'final', 'drafted', 'approved', 'published', 'undefined', 'null'];

describe('PPC report (漏えい等報告, APPI Rules Art. 8(1))', () => {
  it('fills the nine items in Japanese from the facts, tasks and waves, with every label in Japanese and no code left', () => {
    const filing = ppcFiling(status(), report(), 'ja', Date.parse('2026-11-30T01:00:00Z'));
    expect(filing.items.map((i) => i.title)).toEqual(PPC_ITEMS.ja);
    expect(filing).toMatchObject({
      reportKind: '確報',
      reporter: { name: '株式会社見本商事', representative: '代表取締役社長　見本 一郎', contact: { name: '見本 花子', department: '個人情報保護管理室' } },
      occurredOn: '2026年11月21日',
      discoveredOn: '2026年11月24日',
      preparedOn: '2026年11月30日',
      complete: true,
      missing: [],
    });
    const value = Object.fromEntries(filing.items.map((i) => [i.no, i.value]));
    expect(value[2]).toBe('氏名、メールアドレス、クレジットカード情報');
    expect(value[3]).toBe('1,500人');
    expect(value[4]).toContain('SQLインジェクション');
    expect(value[6]).toBe('本人への通知を完了しました（電子メールで1,480人に通知済み、郵送で20人に通知予定）。');
    expect(value[7]).toBe('公表済み（https://mihon.example.test/news/2026-11-30）');
    expect(value[8]).toContain('ウェブアプリケーションファイアウォールの導入（担当: 情報システム部、期限: 2026年12月20日）');
    expect(value[9]).toContain('個人情報お問い合わせ窓口');
    expect(filing.situations).toHaveLength(3); // card data (Art. 7(2)), unfair purpose (7(3)), over 1,000 (7(4))
    expect(filing.situations.join('')).toContain('規則第7条第3号');
    const { breachId, obligationId, lang, ...shown } = filing;
    expect([breachId, obligationId, lang]).toEqual(['breach-ja-fixture', 'JP-APPI/ppc-final', 'ja']);
    expect(latinWords(strings(shown).join('\n'))).toEqual([]);
    const html = ppcHtml(filing);
    expect(latinWords(visible(html))).toEqual([]);
    for (const code of CODES) expect(visible(html)).not.toMatch(new RegExp(`\\b${code}\\b`));
    for (const title of PPC_ITEMS.ja) expect(html).toContain(title);
    expect(html).toContain('@page { size: A4;');
  });

  it('says the same in English when asked, with names for the codes there too', () => {
    const filing = ppcFiling(status(), report(), 'en');
    expect(filing.reportKind).toBe('Final report');
    expect(filing.items.map((i) => i.title)).toEqual(PPC_ITEMS.en);
    expect(filing.items[1]!.value).toBe('Name, E-mail address, Payment card details');
    expect(filing.reporter.name).toBe('Mihon Shoji Co., Ltd.');
    expect(visible(ppcHtml(filing))).not.toMatch(/\bpayment_card\b|\bunfairPurpose\b/);
  });

  it('files a preliminary report with what is known and marks the rest 未確定; the final cannot be approved with gaps', () => {
    const early = sources({
      facts: Facts.parse({ awareAt: '2026-11-24T03:00:00Z', jurisdictions: ['JP'], dataCategories: ['email'] }),
      provided: {},
      obligations: [],
      campaigns: [],
      organisation: undefined,
    });
    const s = status(early);
    const filing = ppcFiling(s, report(s, 'JP-APPI/ppc-preliminary'), 'ja');
    expect(filing.reportKind).toBe('速報');
    expect(filing.occurredOn).toBe('未確定');
    expect(filing.reporter.name).toBe('未確定');
    expect(filing.items.filter((i) => !i.known).map((i) => i.no)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(filing.missing[0]).toBe('(3) 漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数');
    expect(ppcHtml(filing)).toContain('<span class="unknown">未確定</span>');
    expect(approvalGaps('JP-APPI/ppc-preliminary', { ...final, id: 'JP-APPI/ppc-preliminary' }, early)).toEqual([]);
    expect(approvalGaps('JP-APPI/ppc-final', final, early)).toEqual([
      '(3) Number of individuals',
      '(4) Cause',
      '(5) Secondary damage, or the risk of it',
      '(6) Response to the individuals',
      '(7) Public announcement',
      '(8) Measures to prevent recurrence',
      '(9) Other useful matters',
    ]);
    expect(approvalGaps('JP-APPI/ppc-final', final, sources())).toEqual([]);
  });
});

describe('notices, announcement, apology and press release', () => {
  it('writes the notice to individuals as a Japanese business letter: date, sender, apology, 記, facts, advice, desk, measures, closing', () => {
    const notice = renderDocument(status(), 'notice', 'ja', Date.parse('2026-11-30T01:00:00Z'));
    expect(notice.gaps).toEqual([]);
    const text = notice.text!;
    for (const part of [
      '見本 太郎 様',
      '2026年11月30日',
      '株式会社見本商事',
      '代表取締役社長　見本 一郎',
      '心より深くお詫び申し上げます',
      '記',
      '■ 概要',
      '注文データベース',
      '・クレジットカード情報',
      '■ 原因',
      'SQLインジェクション',
      '■ 二次被害又はそのおそれ',
      'フィッシング',
      'カード会社',
      '■ 再発防止策',
      'ウェブアプリケーションファイアウォール',
      '個人情報お問い合わせ窓口',
      '電話: 0120-000-000',
      'メール: desk@mihon.example.test',
      '受付時間: 平日9時〜18時',
      '以上',
    ])
      expect(text).toContain(part);
    expect(latinWords(text)).toEqual([]);
  });

  it.each(DOCUMENTS.filter((d) => d !== 'notice'))('renders the %s in Japanese with no code left, and in English', (kind) => {
    const ja = renderDocument(status(), kind, 'ja');
    expect(ja.gaps).toEqual([]);
    expect(ja.html).toContain('株式会社見本商事');
    expect(latinWords(visible(ja.html))).toEqual([]);
    expect(renderDocument(status(), kind, 'en').html).toContain('Mihon Shoji Co., Ltd.');
  });

  it('names the empty required fields of each document, and where to fill them', () => {
    const bare = narratives(sources({ provided: {}, organisation: undefined, facts: { ...FACTS, unfairPurpose: undefined } }));
    expect(documentGaps('notice', bare)).toEqual([
      "company (the policy's organisation.name)",
      'cause (the note recorded on the task that provides the cause, or unfairPurpose: true)',
      'secondaryDamage (the secondaryDamage recorded on the scope or cause task)',
      "contactDesk (the contact desk's task: its name, hours, and a phone or an e-mail address)",
    ]);
    expect(documentGaps('press-release', bare)).toContain("representative (the policy's organisation.representative)");
    expect(renderDocument(status(sources({ provided: {} })), 'announcement', 'ja').html).toContain('下書き: 次の項目が未確定のため、承認できません');
  });
});

describe('printing with Chromium (Debian chromium, fonts-noto-cjk)', () => {
  it('prints the Japanese PPC report to an A4 PDF whose text is the Japanese text', async () => {
    const pdf = await htmlToPdf(ppcHtml(ppcFiling(status(), report(), 'ja')));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const dir = mkdtempSync(join(tmpdir(), 'ppc-'));
    writeFileSync(join(dir, 'ppc.pdf'), pdf);
    const text = spawnSync('pdftotext', ['-layout', join(dir, 'ppc.pdf'), '-'], { encoding: 'utf8' });
    expect(text.status, 'pdftotext (Debian poppler-utils, installed by dev/setup.mjs test)').toBe(0);
    const flat = text.stdout.replace(/\s+/g, '');
    for (const phrase of ['個人データの漏えい等の事態等に関する報告書', '確報', '株式会社見本商事', '再発防止のための措置', '1,500人'])
      expect(flat).toContain(phrase);
    const size = spawnSync('pdfinfo', [join(dir, 'ppc.pdf')], { encoding: 'utf8' }).stdout;
    expect(size).toMatch(/Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)/);
  });

  it('draws Japanese with a CJK font, not empty boxes: the font Chromium used for the text is Noto CJK', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.setContent(ppcHtml(ppcFiling(status(), report(), 'ja')));
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('DOM.enable');
      await cdp.send('CSS.enable');
      const { root } = await cdp.send('DOM.getDocument');
      const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'h1' });
      const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      expect(fonts.map((f) => f.familyName).join(', ')).toMatch(/Noto (Sans|Serif) CJK/);
      expect(fonts.reduce((n, f) => n + f.glyphCount, 0)).toBeGreaterThan(10);
    } finally {
      await browser.close();
    }
  });
});
