// The notice each affected person receives, per locale, in plain text and HTML, rendered with Handlebars in
// strict mode: a template that names a variable the notice does not have is refused, naming the variable, before
// any mail leaves. The notice carries what the guidance asks for: date and sender, what happened, which of the
// person's data, the cause, secondary damage or its risk, what the person should do, the contact desk, the measures
// against recurrence, and an apology. Every field is in the person's language where the operator gave it in both.
import Handlebars from 'handlebars';
import type { DataCategory } from '../workflows/domain/facts';
import { DATA_CATEGORY_LABELS, dateIn, type LocalizedText, textIn } from '../workflows/domain/i18n';
import type { CampaignNotice, NoticeTemplate } from '../workflows/definitions';
import type { Locale } from './recipients';

const CATEGORY_LABELS: Record<Locale, Record<DataCategory, string>> = {
  ja: DATA_CATEGORY_LABELS.ja,
  en: {
    name: 'your name',
    email: 'your e-mail address',
    address: 'your postal address',
    phone: 'your phone number',
    sensitive: 'sensitive personal information',
    health: 'health information',
    payment_card: 'your payment card details',
    bank_credentials: 'your online banking credentials',
    government_id: 'a government identification number',
    credentials: 'your login ID and password',
    other: 'other information',
    biometric: 'biometric data (such as a fingerprint or face image)',
    genetic: 'genetic data',
    health_insurance: 'your health insurance number',
    date_of_birth: 'your date of birth',
    passport: 'your passport number',
    tax_id: 'your taxpayer identification number',
  },
};

const DESK_TEXT = `{{contactDesk.name}}
{{#if contactDesk.phone}}電話: {{contactDesk.phone}}
{{/if}}{{#if contactDesk.email}}メール: {{contactDesk.email}}
{{/if}}{{#if contactDesk.url}}ウェブ: {{contactDesk.url}}
{{/if}}受付時間: {{contactDesk.hours}}`;
const DESK_HTML = `<p>{{contactDesk.name}}<br>{{#if contactDesk.phone}}電話: {{contactDesk.phone}}<br>{{/if}}{{#if contactDesk.email}}メール: {{contactDesk.email}}<br>{{/if}}{{#if contactDesk.url}}ウェブ: {{contactDesk.url}}<br>{{/if}}受付時間: {{contactDesk.hours}}</p>`;

/**
 * The notice to each person (本人通知, APPI Art. 26(2); its content per Rules Art. 10: the overview, the items, the
 * cause, secondary damage or its risk, and other useful matters), as a Japanese business letter: date and sender,
 * apology, 記, the facts, what to do, the contact desk, the measures against recurrence, a closing apology, 以上.
 */
export const DEFAULT_TEMPLATES: Record<Locale, NoticeTemplate> = {
  ja: {
    subject: '【重要】個人情報の漏えいに関するお詫びとお知らせ（{{company.name}}）',
    text: `{{person.name}} 様

{{date}}
{{company.name}}
{{#if company.representative}}{{company.representative}}
{{/if}}
個人情報の漏えいに関するお詫びとお知らせ

平素より格別のご高配を賜り、厚く御礼申し上げます。
このたび、当社が管理するお客様の個人情報が漏えいした、又は漏えいしたおそれがあることが判明いたしました。
お客様には多大なるご迷惑とご心配をおかけしますことを、心より深くお詫び申し上げます。
本件の概要と当社の対応につきまして、下記のとおりお知らせいたします。

記

■ 概要
{{incident}}

■ 漏えいした、又は漏えいしたおそれのあるお客様の情報
{{#each lostData}}・{{this}}
{{/each}}
■ 原因
{{cause}}

■ 二次被害又はそのおそれ
{{secondaryDamage}}

■ お客様へのお願い
{{advice}}

{{#if measures}}■ 当社の対応
{{measures}}

{{/if}}{{#if recurrence}}■ 再発防止策
{{recurrence}}

{{/if}}■ お問い合わせ窓口
${DESK_TEXT}

改めまして、お客様に多大なるご迷惑とご心配をおかけしておりますことを、深くお詫び申し上げます。
当社は再発防止に全社を挙げて取り組み、信頼の回復に努めてまいります。

以上
`,
    html: `<p>{{person.name}} 様</p>
<p style="text-align:right">{{date}}<br>{{company.name}}{{#if company.representative}}<br>{{company.representative}}{{/if}}</p>
<h2>個人情報の漏えいに関するお詫びとお知らせ</h2>
<p>平素より格別のご高配を賜り、厚く御礼申し上げます。</p>
<p>このたび、当社が管理するお客様の個人情報が漏えいした、又は漏えいしたおそれがあることが判明いたしました。お客様には多大なるご迷惑とご心配をおかけしますことを、心より深くお詫び申し上げます。本件の概要と当社の対応につきまして、下記のとおりお知らせいたします。</p>
<p style="text-align:center">記</p>
<h3>概要</h3><p>{{incident}}</p>
<h3>漏えいした、又は漏えいしたおそれのあるお客様の情報</h3><ul>{{#each lostData}}<li>{{this}}</li>{{/each}}</ul>
<h3>原因</h3><p>{{cause}}</p>
<h3>二次被害又はそのおそれ</h3><p>{{secondaryDamage}}</p>
<h3>お客様へのお願い</h3><p>{{advice}}</p>
{{#if measures}}<h3>当社の対応</h3><p>{{measures}}</p>{{/if}}
{{#if recurrence}}<h3>再発防止策</h3><p style="white-space:pre-line">{{recurrence}}</p>{{/if}}
<h3>お問い合わせ窓口</h3>${DESK_HTML}
<p>改めまして、お客様に多大なるご迷惑とご心配をおかけしておりますことを、深くお詫び申し上げます。当社は再発防止に全社を挙げて取り組み、信頼の回復に努めてまいります。</p>
<p style="text-align:right">以上</p>`,
  },
  en: {
    subject: 'Important: {{company.name}} apologises for a leak of your personal information',
    text: `Dear {{person.name}},

{{date}}
{{company.name}}
{{#if company.representative}}{{company.representative}}
{{/if}}
We are writing to tell you that personal information about you held by {{company.name}} has been, or may have
been, leaked. We sincerely apologise for the worry and inconvenience this causes.

What happened
{{incident}}

Which of your information
{{#each lostData}}- {{this}}
{{/each}}
Cause
{{cause}}

Secondary damage, or the risk of it
{{secondaryDamage}}

What you should do
{{advice}}

{{#if measures}}What we have done
{{measures}}

{{/if}}{{#if recurrence}}What we are doing to prevent it happening again
{{recurrence}}

{{/if}}Where to ask
{{contactDesk.name}}
{{#if contactDesk.phone}}Phone: {{contactDesk.phone}}
{{/if}}{{#if contactDesk.email}}E-mail: {{contactDesk.email}}
{{/if}}{{#if contactDesk.url}}Web: {{contactDesk.url}}
{{/if}}Hours: {{contactDesk.hours}}

Once again, we apologise. We are committed to preventing a recurrence and to earning back your trust.

{{company.name}}
`,
    html: `<p>Dear {{person.name}},</p>
<p>{{date}}<br>{{company.name}}{{#if company.representative}}<br>{{company.representative}}{{/if}}</p>
<p>We are writing to tell you that personal information about you held by {{company.name}} has been, or may have been, leaked. We sincerely apologise for the worry and inconvenience this causes.</p>
<h3>What happened</h3><p>{{incident}}</p>
<h3>Which of your information</h3><ul>{{#each lostData}}<li>{{this}}</li>{{/each}}</ul>
<h3>Cause</h3><p>{{cause}}</p>
<h3>Secondary damage, or the risk of it</h3><p>{{secondaryDamage}}</p>
<h3>What you should do</h3><p>{{advice}}</p>
{{#if measures}}<h3>What we have done</h3><p>{{measures}}</p>{{/if}}
{{#if recurrence}}<h3>What we are doing to prevent it happening again</h3><p style="white-space:pre-line">{{recurrence}}</p>{{/if}}
<h3>Where to ask</h3><p>{{contactDesk.name}}<br>{{#if contactDesk.phone}}Phone: {{contactDesk.phone}}<br>{{/if}}{{#if contactDesk.email}}E-mail: {{contactDesk.email}}<br>{{/if}}{{#if contactDesk.url}}Web: {{contactDesk.url}}<br>{{/if}}Hours: {{contactDesk.hours}}</p>
<p>Once again, we apologise. We are committed to preventing a recurrence and to earning back your trust.</p>
<p>{{company.name}}</p>`,
  },
};

export interface NoticePerson {
  name: string;
  locale: Locale;
  dataCategories: DataCategory[];
}

export interface RenderedNotice {
  subject: string;
  text: string;
  html: string;
}

/** A template that cannot be rendered: the message names the variable or the syntax error. */
export class TemplateInvalid extends Error {
  constructor(
    readonly locale: Locale,
    readonly part: string,
    reason: string,
  ) {
    super(`the ${locale} ${part} template is invalid: ${reason}`);
    this.name = 'TemplateInvalid';
  }
}

type Compiled = Record<keyof NoticeTemplate, HandlebarsTemplateDelegate>;
const cache = new Map<string, Compiled>();

function compile(template: NoticeTemplate): Compiled {
  const key = JSON.stringify(template);
  let compiled = cache.get(key);
  if (!compiled) {
    // Subject and text are not HTML: nothing to escape. The HTML part escapes every value (Handlebars' default).
    compiled = {
      subject: Handlebars.compile(template.subject, { strict: true, noEscape: true }),
      text: Handlebars.compile(template.text, { strict: true, noEscape: true }),
      html: Handlebars.compile(template.html, { strict: true }),
    };
    if (cache.size > 50) cache.clear();
    cache.set(key, compiled);
  }
  return compiled;
}

/**
 * '"nmae" not defined in [object Object] - 1:28' → "missing variable {{company.nmae}}": Handlebars names only the
 * last segment, so the whole expression is read from the template at the position it gives.
 */
function reasonOf(error: Error, source: string): string {
  const missing = /"([^"]+)" not defined in .* - (\d+):(\d+)/.exec(error.message);
  if (!missing) return error.message.split('\n')[0]!;
  const line = source.split('\n')[Number(missing[2]) - 1] ?? '';
  const column = Number(missing[3]);
  const open = line.lastIndexOf('{{', column + 2);
  const close = line.indexOf('}}', open);
  const expression = open >= 0 && close > open ? line.slice(open + 2, close).trim() : missing[1];
  return `missing variable {{${expression}}}`;
}

/** One line, no control characters: a subject can never smuggle in another header. */
const headerSafe = (text: string) =>
  text
    // eslint-disable-next-line no-control-regex -- finding control characters is this expression's whole purpose
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, 250);

export function renderNotice(
  notice: CampaignNotice,
  person: NoticePerson,
  templates: Partial<Record<Locale, NoticeTemplate>> = {},
  at = Date.now(),
): RenderedNotice {
  const raw = renderParts(notice, person, templates, at);
  return { ...raw, subject: headerSafe(raw.subject) };
}

/** The three parts as the templates render them, the subject not yet made header-safe. */
function renderParts(notice: CampaignNotice, person: NoticePerson, templates: Partial<Record<Locale, NoticeTemplate>>, at: number): RenderedNotice {
  const template = templates[person.locale] ?? DEFAULT_TEMPLATES[person.locale];
  // Each field in the person's language: an operator's plain string serves both; an empty one renders empty.
  const text = (value: LocalizedText | undefined) => textIn(value, person.locale) ?? '';
  const context = {
    person: { name: person.name },
    lostData: person.dataCategories.length ? person.dataCategories.map((c) => CATEGORY_LABELS[person.locale][c]) : [CATEGORY_LABELS[person.locale].other],
    company: { name: text(notice.companyName), representative: text(notice.representative) },
    date: dateIn(at, person.locale),
    incident: text(notice.incident),
    cause: text(notice.cause),
    secondaryDamage: text(notice.secondaryDamage),
    measures: text(notice.measures),
    advice: text(notice.advice),
    recurrence: text(notice.recurrence),
    contactDesk: {
      phone: undefined,
      email: undefined,
      url: undefined,
      ...notice.contactDesk,
      name: text(notice.contactDesk?.name),
      hours: text(notice.contactDesk?.hours),
    },
  };
  const compiled = (() => {
    try {
      return compile(template);
    } catch (error) {
      throw new TemplateInvalid(person.locale, 'notice', reasonOf(error as Error, ''));
    }
  })();
  const render = (part: keyof NoticeTemplate) => {
    try {
      return compiled[part](context);
    } catch (error) {
      throw new TemplateInvalid(person.locale, part, reasonOf(error as Error, template[part]));
    }
  };
  return { subject: render('subject'), text: render('text'), html: render('html') };
}

/** A private-use character marks where the name goes: not a control character, so headerSafe keeps it. */
const NAME_SLOT = '\uE000person.name\uE000';
const escapeHtml = (text: string) => Handlebars.Utils.escapeExpression(text);

/**
 * Renders many people's notices fast: the templates run once per locale and set of data categories, with a slot
 * where the name goes, and each person's notice is that rendering with the name put in (HTML-escaped in the HTML).
 * The same output as renderNotice, at a string replacement's cost per person.
 */
export class NoticeRenderer {
  private readonly renderings = new Map<string, RenderedNotice>();

  constructor(
    private readonly notice: CampaignNotice,
    private readonly templates: Partial<Record<Locale, NoticeTemplate>> = {},
    /** The notice's date: when its wave is sent. */
    private readonly at = Date.now(),
  ) {}

  render(person: NoticePerson): RenderedNotice {
    const key = `${person.locale}|${[...person.dataCategories].sort().join(',')}`;
    let rendering = this.renderings.get(key);
    if (!rendering) {
      rendering = renderParts(this.notice, { ...person, name: NAME_SLOT }, this.templates, this.at);
      this.renderings.set(key, rendering);
    }
    const name = person.name;
    return {
      subject: headerSafe(rendering.subject.split(NAME_SLOT).join(name)),
      text: rendering.text.split(NAME_SLOT).join(name),
      html: rendering.html.split(escapeHtml(NAME_SLOT)).join(escapeHtml(name)),
    };
  }
}

/** The synthetic person a preview and a test send are rendered for: no real recipient's data leaves the store. */
export const SAMPLE_PERSON: Record<Locale, NoticePerson> = {
  ja: { name: '見本 太郎', locale: 'ja', dataCategories: ['name', 'email', 'payment_card'] },
  en: { name: 'Sample Person', locale: 'en', dataCategories: ['name', 'email', 'payment_card'] },
};

/** Renders every locale for the sample person: throws TemplateInvalid, naming the variable, if any cannot render. */
export function checkTemplates(notice: CampaignNotice, templates: Partial<Record<Locale, NoticeTemplate>> = {}): Record<Locale, RenderedNotice> {
  return { ja: renderNotice(notice, SAMPLE_PERSON.ja, templates), en: renderNotice(notice, SAMPLE_PERSON.en, templates) };
}
