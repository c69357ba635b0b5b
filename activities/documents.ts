// The breach's documents, ready to file or send, in Japanese or English: the PPC report (漏えい等報告, APPI Art. 26(1),
// Rules Art. 8) as the fields of the PPC's online form (JSON) and as a printable A4 page (HTML, and PDF through
// Chromium), and the notice to individuals, the public announcement (公表・代替措置), the apology to business
// partners and the press release. Everything they say is read from the breach's status (facts, tasks' outcomes,
// obligations, waves) and the policy's organisation; what is not known yet is shown as such, never invented.
import Handlebars from 'handlebars';
import type { BreachStatus } from '../workflows/definitions';
import { APPI_TRIGGER_LABELS, appiTriggers, dateIn, type Lang, REPORT_KIND_LABELS, textIn, UNKNOWN } from '../workflows/domain/i18n';
import {
  contactDeskOf,
  type DocumentKind,
  documentGaps,
  type Narrative,
  narratives,
  noticeWithDefaults,
  sourcesFromStatus,
} from '../workflows/domain/narrative';
import { PPC_ITEMS, type ReportContent } from '../workflows/domain/report';
import { renderNotice, SAMPLE_PERSON } from './notices';

/** The fields of the PPC's online form for one report, in one language: what an operator copies into it. */
export interface PpcFiling {
  form: string;
  breachId: string;
  obligationId: string;
  lang: Lang;
  reportKind: string;
  reporter: { name: string; representative: string; address: string; contact: { name: string; department?: string; phone?: string; email?: string } };
  /** Which of the situations of Rules Art. 7 the leak is. */
  situations: string[];
  occurredOn: string;
  discoveredOn: string;
  items: { no: number; title: string; value: string; known: boolean }[];
  /** The items still unknown: a preliminary report may file them so; a final report cannot be approved with any. */
  missing: string[];
  complete: boolean;
  preparedOn: string;
}

const LABELS = {
  ja: {
    form: '個人データの漏えい等の事態等に関する報告書',
    reporter: '報告者',
    name: '事業者の名称',
    representative: '代表者',
    address: '所在地',
    contact: '担当者',
    department: '部署',
    phone: '電話番号',
    email: 'メールアドレス',
    kind: '報告の種類',
    situations: '報告対象となる事態',
    occurred: '発生日',
    discovered: '発覚日',
    items: '報告事項（個人情報の保護に関する法律施行規則第8条第1項）',
    missing: '未確定の事項',
    prepared: '作成日',
    breach: '事案番号',
    law: '個人情報の保護に関する法律第26条第1項',
    open: '（',
    close: '）',
  },
  en: {
    form: 'Report of a leak or other incident involving personal data',
    reporter: 'Reporting business',
    name: 'Name of the business',
    representative: 'Representative',
    address: 'Address',
    contact: 'Contact person',
    department: 'Department',
    phone: 'Phone',
    email: 'E-mail',
    kind: 'Report kind',
    situations: 'Reportable situation',
    occurred: 'Date of occurrence',
    discovered: 'Date of discovery',
    items: 'Items reported (APPI Enforcement Rules Art. 8(1))',
    missing: 'Items not yet known',
    prepared: 'Prepared on',
    breach: 'Breach',
    law: 'Act on the Protection of Personal Information, Art. 26(1)',
    open: ' (',
    close: ')',
  },
} as const;

/** The PPC report as the online form's fields, in `lang`, from the report the workflow filled and the breach's status. */
export function ppcFiling(status: BreachStatus, report: ReportContent, lang: Lang, now = Date.now()): PpcFiling {
  const unknown = UNKNOWN[lang];
  const org = status.organisation;
  const or = (text: string | undefined) => text ?? unknown;
  const items = report.items.map((item) => {
    const value = lang === 'ja' ? item.ja.value : item.value;
    return { no: item.no, title: PPC_ITEMS[lang][item.no - 1]!, value: value ?? unknown, known: value !== undefined };
  });
  const triggers = appiTriggers(status.facts);
  return {
    form: LABELS[lang].form,
    breachId: status.breachId,
    obligationId: report.obligationId,
    lang,
    reportKind: REPORT_KIND_LABELS[lang][report.kind],
    reporter: {
      name: or(textIn(org?.name, lang)),
      representative: or(textIn(org?.representative, lang)),
      address: or(textIn(org?.address, lang)),
      contact: {
        name: or(textIn(org?.contact.name, lang)),
        ...(org?.contact.department ? { department: textIn(org.contact.department, lang) } : {}),
        ...(org?.contact.phone ? { phone: org.contact.phone } : {}),
        ...(org?.contact.email ? { email: org.contact.email } : {}),
      },
    },
    situations: triggers.length ? triggers.map((t) => APPI_TRIGGER_LABELS[lang][t]) : [unknown],
    occurredOn: status.facts.occurredAt ? dateIn(status.facts.occurredAt, lang) : unknown,
    discoveredOn: dateIn(status.facts.awareAt, lang),
    items,
    missing: items.filter((i) => !i.known).map((i) => `(${i.no}) ${i.title}`),
    complete: items.every((i) => i.known),
    preparedOn: dateIn(now, lang),
  };
}

/** Shared print stylesheet: A4, Noto CJK (Debian's fonts-noto-cjk) for Japanese, no page break inside an item. */
const PRINT_CSS = `
@page { size: A4; margin: 18mm 16mm 20mm; }
* { box-sizing: border-box; }
html { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Noto Serif CJK JP", "Hiragino Sans", "Yu Gothic", sans-serif; font-size: 10.5pt; line-height: 1.7; color: #111; }
body { margin: 0 auto; max-width: 178mm; padding: 8mm 0; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 4mm; letter-spacing: .05em; }
h2 { font-size: 12pt; border-bottom: 1.5pt solid #333; padding-bottom: 1mm; margin: 6mm 0 2mm; }
h3 { font-size: 11pt; margin: 5mm 0 1mm; }
p { margin: 0 0 2mm; white-space: pre-line; }
table { width: 100%; border-collapse: collapse; margin: 2mm 0; }
th, td { border: .6pt solid #555; padding: 1.6mm 2.4mm; vertical-align: top; text-align: left; }
th { background: #f0f0f0; width: 34%; font-weight: 600; }
tr, li, .item { break-inside: avoid; page-break-inside: avoid; }
.kind { display: inline-block; border: 1.2pt solid #111; padding: .5mm 3mm; font-weight: 700; }
.meta { text-align: right; font-size: 9.5pt; }
.unknown { color: #a40000; font-weight: 600; }
.missing { border: 1pt dashed #a40000; padding: 2mm 3mm; margin-top: 4mm; }
.right { text-align: right; } .center { text-align: center; }
@media screen { body { padding: 12mm; background: #fff; } html { background: #e8e8e8; } body { box-shadow: 0 0 4mm #999; } }
@media print { a { color: inherit; text-decoration: none; } }
`;

const hb = Handlebars.create();
hb.registerHelper('lines', (text: string) => new Handlebars.SafeString(Handlebars.escapeExpression(text).replace(/\n/g, '<br>')));

const PPC_TEMPLATE = hb.compile(
  `<!doctype html>
<html lang="{{lang}}"><head><meta charset="utf-8"><title>{{f.form}}（{{f.reportKind}}）</title><style>{{{css}}}</style></head>
<body>
<p class="meta">{{l.prepared}}: {{f.preparedOn}}<br>{{l.breach}}: {{f.breachId}}</p>
<h1>{{f.form}}</h1>
<p class="center"><span class="kind">{{f.reportKind}}</span></p>
<p class="center">{{l.law}}</p>
<h2>{{l.reporter}}</h2>
<table>
<tr><th>{{l.name}}</th><td>{{f.reporter.name}}</td></tr>
<tr><th>{{l.representative}}</th><td>{{f.reporter.representative}}</td></tr>
<tr><th>{{l.address}}</th><td>{{f.reporter.address}}</td></tr>
<tr><th>{{l.contact}}</th><td>{{f.reporter.contact.name}}{{#if f.reporter.contact.department}}{{l.open}}{{f.reporter.contact.department}}{{l.close}}{{/if}}{{#if f.reporter.contact.phone}}<br>{{l.phone}}: {{f.reporter.contact.phone}}{{/if}}{{#if f.reporter.contact.email}}<br>{{l.email}}: {{f.reporter.contact.email}}{{/if}}</td></tr>
</table>
<table>
<tr><th>{{l.kind}}</th><td>{{f.reportKind}}</td></tr>
<tr><th>{{l.situations}}</th><td>{{#each f.situations}}{{this}}<br>{{/each}}</td></tr>
<tr><th>{{l.occurred}}</th><td>{{f.occurredOn}}</td></tr>
<tr><th>{{l.discovered}}</th><td>{{f.discoveredOn}}</td></tr>
</table>
<h2>{{l.items}}</h2>
<table>
{{#each f.items}}<tr class="item"><th>({{no}}) {{title}}</th><td>{{#if known}}{{lines value}}{{else}}<span class="unknown">{{value}}</span>{{/if}}</td></tr>
{{/each}}</table>
{{#if f.missing.length}}<div class="missing"><strong>{{l.missing}}</strong><br>{{#each f.missing}}{{this}}<br>{{/each}}</div>{{/if}}
</body></html>
`,
  { strict: false },
);

/** The PPC report as a printable A4 page. */
export function ppcHtml(filing: PpcFiling): string {
  return PPC_TEMPLATE({ f: filing, l: LABELS[filing.lang], lang: filing.lang, css: PRINT_CSS });
}

// The public announcement, the apology to partners and the press release: one template per document and language.
const DOC_TEMPLATES: Record<Exclude<DocumentKind, 'notice'>, Record<Lang, string>> = {
  announcement: {
    ja: `<p class="right">{{date}}<br>{{n.company}}{{#if n.representative}}<br>{{n.representative}}{{/if}}</p>
<h1>個人情報の漏えいに関するお詫びとお知らせ</h1>
<p>このたび、当社が管理する個人情報が漏えいした、又は漏えいしたおそれがあることが判明いたしました。対象となるお客様をはじめ、関係者の皆様に多大なるご迷惑とご心配をおかけしますことを、心より深くお詫び申し上げます。個別のご連絡が困難なお客様もいらっしゃるため、本ページにて概要をお知らせいたします。</p>
<p class="center">記</p>
<h3>1. 概要</h3><p>{{n.overview}}</p>
<h3>2. 漏えいした、又はそのおそれのある個人情報の項目</h3><p>{{join n.items "、"}}</p>
{{#if n.count}}<h3>3. 対象となる人数</h3><p>{{n.count}}</p>{{/if}}
<h3>原因</h3><p>{{n.cause}}</p>
<h3>二次被害又はそのおそれ</h3><p>{{n.secondaryDamage}}</p>
<h3>お客様へのお願い</h3><p>{{n.advice}}</p>
{{#if n.recurrence.length}}<h3>再発防止策</h3><ul>{{#each n.recurrence}}<li>{{this}}</li>{{/each}}</ul>{{/if}}
<h3>お問い合わせ窓口</h3>{{> desk}}
<p>改めまして、皆様に多大なるご迷惑とご心配をおかけしておりますことを、深くお詫び申し上げます。</p>
<p class="right">以上</p>`,
    en: `<p class="right">{{date}}<br>{{n.company}}{{#if n.representative}}<br>{{n.representative}}{{/if}}</p>
<h1>Notice and apology: a leak of personal information</h1>
<p>We have found that personal information we hold has been, or may have been, leaked. We sincerely apologise to the people affected and to everyone concerned. Because we cannot reach every affected person individually, we publish the facts here.</p>
<h3>What happened</h3><p>{{n.overview}}</p>
<h3>Which information</h3><p>{{join n.items ", "}}</p>
{{#if n.count}}<h3>How many people</h3><p>{{n.count}}</p>{{/if}}
<h3>Cause</h3><p>{{n.cause}}</p>
<h3>Secondary damage, or the risk of it</h3><p>{{n.secondaryDamage}}</p>
<h3>What you should do</h3><p>{{n.advice}}</p>
{{#if n.recurrence.length}}<h3>Preventing a recurrence</h3><ul>{{#each n.recurrence}}<li>{{this}}</li>{{/each}}</ul>{{/if}}
<h3>Where to ask</h3>{{> desk}}
<p>Once again, we apologise for the worry and inconvenience this causes.</p>`,
  },
  'partner-apology': {
    ja: `<p>お取引先各位</p>
<p class="right">{{date}}<br>{{n.company}}<br>{{n.representative}}</p>
<h1>個人情報の漏えいに関するお詫びとご報告</h1>
<p>拝啓\u3000時下ますますご清栄のこととお慶び申し上げます。平素は格別のお引き立てを賜り、厚く御礼申し上げます。</p>
<p>このたび、当社が管理する個人情報が漏えいした、又は漏えいしたおそれがあることが判明いたしました。お取引先の皆様に多大なるご迷惑とご心配をおかけしますことを、深くお詫び申し上げます。現時点で判明している事実と当社の対応につきまして、下記のとおりご報告申し上げます。</p>
<p class="center">記</p>
<h3>1. 概要</h3><p>{{n.overview}}</p>
<h3>2. 漏えいした、又はそのおそれのある個人情報の項目</h3><p>{{join n.items "、"}}</p>
{{#if n.count}}<h3>3. 対象となる人数</h3><p>{{n.count}}</p>{{/if}}
<h3>原因</h3><p>{{n.cause}}</p>
{{#if n.response}}<h3>ご本人への対応</h3><p>{{n.response}}</p>{{/if}}
<h3>再発防止策</h3><ul>{{#each n.recurrence}}<li>{{this}}</li>{{/each}}</ul>
<p>今後、調査により新たな事実が判明した場合には、速やかにご報告申し上げます。何卒ご理解を賜りますようお願い申し上げます。</p>
<p class="right">敬具</p><p class="right">以上</p>`,
    en: `<p>To our business partners</p>
<p class="right">{{date}}<br>{{n.company}}<br>{{n.representative}}</p>
<h1>Apology and report: a leak of personal information</h1>
<p>We have found that personal information we hold has been, or may have been, leaked. We deeply apologise for the trouble and concern this causes you. Below are the facts known so far and what we are doing.</p>
<h3>What happened</h3><p>{{n.overview}}</p>
<h3>Which information</h3><p>{{join n.items ", "}}</p>
{{#if n.count}}<h3>How many people</h3><p>{{n.count}}</p>{{/if}}
<h3>Cause</h3><p>{{n.cause}}</p>
{{#if n.response}}<h3>Response to the individuals</h3><p>{{n.response}}</p>{{/if}}
<h3>Preventing a recurrence</h3><ul>{{#each n.recurrence}}<li>{{this}}</li>{{/each}}</ul>
<p>We will report promptly whatever the investigation finds further. Thank you for your understanding.</p>`,
  },
  'press-release': {
    ja: `<p class="right">{{date}}<br>{{n.company}}<br>{{n.representative}}</p>
<h1>個人情報の漏えいに関するお詫びとお知らせ</h1>
<p>{{n.company}}（以下「当社」）は、当社が管理する個人情報が漏えいした、又は漏えいしたおそれがあることを確認いたしました。お客様ならびに関係者の皆様に多大なるご迷惑とご心配をおかけしますことを、深くお詫び申し上げます。</p>
<p>当社は本件を個人情報保護委員会に報告するとともに、対象となるお客様へ順次ご連絡しております。</p>
<h3>1. 概要</h3><p>{{n.overview}}</p>
<h3>2. 漏えいした、又はそのおそれのある個人情報</h3><p>{{join n.items "、"}}（{{n.count}}）</p>
<h3>3. 原因</h3><p>{{n.cause}}</p>
{{#if n.secondaryDamage}}<h3>4. 二次被害又はそのおそれ</h3><p>{{n.secondaryDamage}}</p>{{/if}}
{{#if n.response}}<h3>お客様への対応</h3><p>{{n.response}}</p>{{/if}}
<h3>再発防止策</h3><ul>{{#each n.recurrence}}<li>{{this}}</li>{{/each}}</ul>
<h3>本件に関するお問い合わせ</h3>{{> desk}}
<p class="right">以上</p>`,
    en: `<p class="right">{{date}}<br>{{n.company}}<br>{{n.representative}}</p>
<h1>{{n.company}} apologises for a leak of personal information</h1>
<p>{{n.company}} has confirmed that personal information it holds has been, or may have been, leaked. We deeply apologise to our customers and everyone concerned.</p>
<p>We have reported the incident to the Personal Information Protection Commission and are contacting the people affected.</p>
<h3>What happened</h3><p>{{n.overview}}</p>
<h3>Which information</h3><p>{{join n.items ", "}} ({{n.count}})</p>
<h3>Cause</h3><p>{{n.cause}}</p>
{{#if n.secondaryDamage}}<h3>Secondary damage, or the risk of it</h3><p>{{n.secondaryDamage}}</p>{{/if}}
{{#if n.response}}<h3>Response to the people affected</h3><p>{{n.response}}</p>{{/if}}
<h3>Preventing a recurrence</h3><ul>{{#each n.recurrence}}<li>{{this}}</li>{{/each}}</ul>
<h3>Enquiries</h3>{{> desk}}`,
  },
};

const DESK: Record<Lang, string> = {
  ja: `<p>{{n.contactDesk.name}}{{#if n.contactDesk.phone}}<br>電話: {{n.contactDesk.phone}}{{/if}}{{#if n.contactDesk.email}}<br>メール: {{n.contactDesk.email}}{{/if}}{{#if n.contactDesk.url}}<br>ウェブ: {{n.contactDesk.url}}{{/if}}<br>受付時間: {{n.contactDesk.hours}}</p>`,
  en: `<p>{{n.contactDesk.name}}{{#if n.contactDesk.phone}}<br>Phone: {{n.contactDesk.phone}}{{/if}}{{#if n.contactDesk.email}}<br>E-mail: {{n.contactDesk.email}}{{/if}}{{#if n.contactDesk.url}}<br>Web: {{n.contactDesk.url}}{{/if}}<br>Hours: {{n.contactDesk.hours}}</p>`,
};

hb.registerHelper('join', (list: string[], separator: string) => list.join(separator));
const compiled = new Map<string, HandlebarsTemplateDelegate>();
function template(kind: Exclude<DocumentKind, 'notice'>, lang: Lang): HandlebarsTemplateDelegate {
  const key = `${kind}/${lang}`;
  if (!compiled.has(key)) compiled.set(key, hb.compile(DOC_TEMPLATES[kind][lang]));
  return compiled.get(key)!;
}

const TITLES: Record<DocumentKind, Record<Lang, string>> = {
  notice: { ja: '本人通知（見本）', en: 'Notice to individuals (sample)' },
  announcement: { ja: '公表文（代替措置）', en: 'Public announcement (substitute measure)' },
  'partner-apology': { ja: '取引先へのお詫びとご報告', en: 'Apology to business partners' },
  'press-release': { ja: 'プレスリリース（案）', en: 'Press release (draft)' },
};

export interface RenderedDocument {
  document: DocumentKind;
  lang: Lang;
  title: string;
  /** The required fields still empty: the document cannot be approved (or its task recorded) until they are filled. */
  gaps: string[];
  html: string;
  /** For the notice: the plain-text mail as it would be sent to a sample person. */
  text?: string;
}

const DRAFT: Record<Lang, string> = { ja: '下書き: 次の項目が未確定のため、承認できません', en: 'Draft: cannot be approved while these are empty' };

const page = (title: string, lang: Lang, body: string, gaps: string[]) => {
  const banner = gaps.length
    ? `<div class="missing"><strong>${DRAFT[lang]}</strong><br>${gaps.map((g) => Handlebars.escapeExpression(g)).join('<br>')}</div>\n`
    : '';
  return `<!doctype html>\n<html lang="${lang}"><head><meta charset="utf-8"><title>${Handlebars.escapeExpression(title)}</title><style>${PRINT_CSS}</style></head>\n<body>\n${banner}${body}\n</body></html>\n`;
};

/** One of the breach's documents in `lang`, from its status, with the required fields still empty. */
export function renderDocument(status: BreachStatus, kind: DocumentKind, lang: Lang, now = Date.now()): RenderedDocument {
  const sources = sourcesFromStatus(status);
  const all = narratives(sources);
  const title = TITLES[kind][lang];
  if (kind === 'notice') {
    const notice = noticeWithDefaults({}, all, contactDeskOf(sources.provided));
    const rendered = renderNotice(notice, SAMPLE_PERSON[lang], {}, now);
    const gaps = documentGaps(kind, all);
    return { document: kind, lang, title, gaps, html: page(rendered.subject, lang, rendered.html, gaps), text: rendered.text };
  }
  const n: Narrative = all[lang];
  const body = template(kind, lang)({ n, date: dateIn(now, lang) }, { partials: { desk: DESK[lang] } });
  const gaps = documentGaps(kind, all);
  return { document: kind, lang, title, gaps, html: page(title, lang, body, gaps) };
}
