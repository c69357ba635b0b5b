// The notice each affected person receives, per locale, in plain text and HTML, rendered with Handlebars in
// strict mode: a template that names a variable the notice does not have is refused, naming the variable, before
// any mail leaves. The notice carries what the guidance asks for: what happened, which of the person's data, what
// the company has done, what the person should do, the contact desk, and an apology.
import Handlebars from 'handlebars';
import type { DataCategory } from '../workflows/domain/facts';
import type { CampaignNotice, NoticeTemplate } from '../workflows/definitions';
import type { Locale } from './recipients';

const CATEGORY_LABELS: Record<Locale, Record<DataCategory, string>> = {
  ja: {
    name: '氏名',
    email: 'メールアドレス',
    address: '住所',
    phone: '電話番号',
    sensitive: '要配慮個人情報',
    health: '健康・医療に関する情報',
    payment_card: 'クレジットカード情報',
    bank_credentials: 'インターネットバンキングの認証情報',
    government_id: '公的な識別番号',
    credentials: 'ログインIDとパスワード',
    other: 'その他の情報',
    biometric: '生体情報（指紋・顔画像など）',
    genetic: '遺伝情報',
    health_insurance: '健康保険の被保険者番号',
    date_of_birth: '生年月日',
    passport: '旅券番号',
    tax_id: '納税者番号',
  },
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

export const DEFAULT_TEMPLATES: Record<Locale, NoticeTemplate> = {
  ja: {
    subject: '【重要】{{company.name}}からの個人情報漏えいに関するお詫びとお知らせ',
    text: `{{person.name}} 様

このたび、{{company.name}}において、お客様の個人情報が漏えいしたおそれがあることが判明いたしました。
多大なるご迷惑とご心配をおかけしますことを、心より深くお詫び申し上げます。

1. 発生した事態
{{incident}}

2. 漏えいしたおそれのあるお客様の情報
{{#each lostData}}・{{this}}
{{/each}}
3. 当社の対応
{{measures}}

4. お客様へのお願い
{{advice}}

5. お問い合わせ窓口
{{contactDesk.name}}
{{#if contactDesk.phone}}電話: {{contactDesk.phone}}
{{/if}}{{#if contactDesk.email}}メール: {{contactDesk.email}}
{{/if}}{{#if contactDesk.url}}ウェブ: {{contactDesk.url}}
{{/if}}受付時間: {{contactDesk.hours}}

{{company.name}}
`,
    html: `<p>{{person.name}} 様</p>
<p>このたび、{{company.name}}において、お客様の個人情報が漏えいしたおそれがあることが判明いたしました。多大なるご迷惑とご心配をおかけしますことを、心より深くお詫び申し上げます。</p>
<h3>1. 発生した事態</h3><p>{{incident}}</p>
<h3>2. 漏えいしたおそれのあるお客様の情報</h3><ul>{{#each lostData}}<li>{{this}}</li>{{/each}}</ul>
<h3>3. 当社の対応</h3><p>{{measures}}</p>
<h3>4. お客様へのお願い</h3><p>{{advice}}</p>
<h3>5. お問い合わせ窓口</h3><p>{{contactDesk.name}}<br>{{#if contactDesk.phone}}電話: {{contactDesk.phone}}<br>{{/if}}{{#if contactDesk.email}}メール: {{contactDesk.email}}<br>{{/if}}{{#if contactDesk.url}}ウェブ: {{contactDesk.url}}<br>{{/if}}受付時間: {{contactDesk.hours}}</p>
<p>{{company.name}}</p>`,
  },
  en: {
    subject: 'Important: {{company.name}} apologises for a leak of your personal information',
    text: `Dear {{person.name}},

We are writing to tell you that personal information about you held by {{company.name}} has been, or may have
been, leaked. We sincerely apologise for the worry and inconvenience this causes.

What happened
{{incident}}

Which of your information
{{#each lostData}}- {{this}}
{{/each}}
What we have done
{{measures}}

What you should do
{{advice}}

Where to ask
{{contactDesk.name}}
{{#if contactDesk.phone}}Phone: {{contactDesk.phone}}
{{/if}}{{#if contactDesk.email}}E-mail: {{contactDesk.email}}
{{/if}}{{#if contactDesk.url}}Web: {{contactDesk.url}}
{{/if}}Hours: {{contactDesk.hours}}

{{company.name}}
`,
    html: `<p>Dear {{person.name}},</p>
<p>We are writing to tell you that personal information about you held by {{company.name}} has been, or may have been, leaked. We sincerely apologise for the worry and inconvenience this causes.</p>
<h3>What happened</h3><p>{{incident}}</p>
<h3>Which of your information</h3><ul>{{#each lostData}}<li>{{this}}</li>{{/each}}</ul>
<h3>What we have done</h3><p>{{measures}}</p>
<h3>What you should do</h3><p>{{advice}}</p>
<h3>Where to ask</h3><p>{{contactDesk.name}}<br>{{#if contactDesk.phone}}Phone: {{contactDesk.phone}}<br>{{/if}}{{#if contactDesk.email}}E-mail: {{contactDesk.email}}<br>{{/if}}{{#if contactDesk.url}}Web: {{contactDesk.url}}<br>{{/if}}Hours: {{contactDesk.hours}}</p>
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

export function renderNotice(notice: CampaignNotice, person: NoticePerson, templates: Partial<Record<Locale, NoticeTemplate>> = {}): RenderedNotice {
  const raw = renderParts(notice, person, templates);
  return { ...raw, subject: headerSafe(raw.subject) };
}

/** The three parts as the templates render them, the subject not yet made header-safe. */
function renderParts(notice: CampaignNotice, person: NoticePerson, templates: Partial<Record<Locale, NoticeTemplate>>): RenderedNotice {
  const template = templates[person.locale] ?? DEFAULT_TEMPLATES[person.locale];
  const context = {
    person: { name: person.name },
    lostData: person.dataCategories.length ? person.dataCategories.map((c) => CATEGORY_LABELS[person.locale][c]) : [CATEGORY_LABELS[person.locale].other],
    company: { name: notice.companyName },
    incident: notice.incident,
    measures: notice.measures,
    advice: notice.advice,
    contactDesk: { phone: undefined, email: undefined, url: undefined, name: '', hours: '', ...notice.contactDesk },
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
  ) {}

  render(person: NoticePerson): RenderedNotice {
    const key = `${person.locale}|${[...person.dataCategories].sort().join(',')}`;
    let rendering = this.renderings.get(key);
    if (!rendering) {
      rendering = renderParts(this.notice, { ...person, name: NAME_SLOT }, this.templates);
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
