// What a breach's documents say, in each language, read from the breach's own record: the facts, the detection, the
// outcomes recorded on the playbook's tasks, the obligations and the campaigns' waves. Every document (the PPC
// report, the notice to individuals, the public announcement, the apology to business partners, the press release)
// takes its figures and text from here, so nothing is typed twice; and each document names the fields it cannot go
// out without, which the workflow checks before it is approved. Pure.
import type { BreachStatus, CampaignNotice, Organisation } from '../definitions';
import type { Facts } from './facts';
import { DATA_CATEGORY_LABELS, dateIn, grouped, type Lang, LANGS, type LocalizedText, PUBLICATION_STAGE_LABELS, textIn } from './i18n';
import type { TaskProvides } from './playbook';

export interface NarrativeSources {
  facts: Facts;
  detectionSummary: string;
  /** The last outcome recorded on the playbook task that provides each thing (the cause, the contact desk, ...). */
  provided: Partial<Record<TaskProvides, unknown>>;
  /** The breach's obligations, with who satisfied each. */
  obligations: { id: string; state: 'open' | 'satisfied' | 'withdrawn'; satisfiedBy?: string; dueAt?: number | string }[];
  campaigns: { total: number; sent: number; postal: number; bounced: number }[];
  organisation?: Organisation;
}

export interface ContactDeskText {
  name?: string;
  phone?: string;
  email?: string;
  url?: string;
  hours?: string;
}

/** Everything a document may say, in one language; undefined where the breach does not know it yet. */
export interface Narrative {
  company?: string;
  representative?: string;
  address?: string;
  /** 概要: what happened. */
  overview?: string;
  /** The items of personal data, by their names. */
  items: string[];
  count?: string;
  cause?: string;
  secondaryDamage?: string;
  /** What the person should do, for the data categories that leaked. */
  advice?: string;
  /** The status of the response to the individuals. */
  response?: string;
  /** The status of the public announcement. */
  publication?: string;
  /** The measures to prevent recurrence, one line each. */
  recurrence: string[];
  contactDesk?: ContactDeskText;
}

type Outcome = Record<string, unknown> | undefined;
const field = (outcome: unknown, key: string) => (outcome as Outcome)?.[key] as LocalizedText | undefined;

/** Advice for each leaked category, most harmful first; a warning about phishing always. */
const ADVICE: Record<Lang, { credentials: string; payment_card: string; bank_credentials: string; phishing: string }> = {
  ja: {
    credentials:
      '当社サービスのパスワードを変更してください。同じパスワードを他のサービスでもお使いの場合は、そちらも変更をお願いいたします。可能であれば二要素認証を設定してください。',
    payment_card:
      'クレジットカードの利用明細をご確認いただき、身に覚えのない請求がございましたら、カード裏面に記載のカード会社へご連絡ください。カードの再発行についてもカード会社にご相談いただけます。',
    bank_credentials: '口座の入出金明細をご確認いただき、不審なお取引がございましたら、お取引の金融機関へご連絡ください。',
    phishing: '当社を装った不審なメール、SMS、電話にご注意ください。当社からお客様にパスワードやカード番号をお尋ねすることはございません。',
  },
  en: {
    credentials: 'Please change your password for our service, and anywhere else you use the same password. Where you can, turn on two-factor authentication.',
    payment_card:
      'Please check your card statements; if you see a charge you do not recognise, call the card company on the number on the back of your card. The card company can also reissue your card.',
    bank_credentials: 'Please check your account statements and tell your bank about any transaction you do not recognise.',
    phishing: 'Beware of e-mails, text messages and calls that pretend to come from us: we will never ask you for a password or a card number.',
  },
};

function adviceFor(facts: Facts, lang: Lang): string | undefined {
  if (!facts.dataCategories.length) return undefined;
  const has = (c: Facts['dataCategories'][number]) => facts.dataCategories.includes(c);
  const advice = ADVICE[lang];
  return [
    ...(has('credentials') ? [advice.credentials] : []),
    ...(has('payment_card') ? [advice.payment_card] : []),
    ...(has('bank_credentials') ? [advice.bank_credentials] : []),
    advice.phishing,
  ].join(lang === 'ja' ? '' : ' ');
}

/** The investigation's text: the cause's task wins over the scope's where both recorded it. */
const finding = (provided: NarrativeSources['provided'], key: string, lang: Lang) =>
  textIn(field(provided.cause, key), lang) ?? textIn(field(provided.scope, key), lang);

export function narrative(sources: NarrativeSources, lang: Lang): Narrative {
  const { facts, provided, organisation } = sources;
  const ja = lang === 'ja';
  const desk = provided['contact-desk'] as { name?: LocalizedText; phone?: string; email?: string; hours?: LocalizedText } | undefined;
  const measures = (provided['recurrence-measures'] as { measures?: { measure: LocalizedText; owner: string; dueAt: string }[] } | undefined)?.measures;
  const press = provided.publication as { stage?: 'drafted' | 'approved' | 'published'; url?: string } | undefined;
  return {
    company: textIn(organisation?.name, lang),
    representative: textIn(organisation?.representative, lang),
    address: textIn(organisation?.address, lang),
    overview: finding(provided, 'overview', lang) ?? (sources.detectionSummary.trim() || undefined),
    items: facts.dataCategories.map((c) => DATA_CATEGORY_LABELS[lang][c]),
    count: facts.affectedCount === undefined ? undefined : ja ? `${grouped(facts.affectedCount)}人` : `${grouped(facts.affectedCount)} individuals`,
    cause:
      textIn(field(provided.cause, 'note'), lang) ??
      (facts.unfairPurpose
        ? ja
          ? '不正アクセス等、不正の目的をもって行われたおそれがあります（調査中）。'
          : 'suspected unauthorised access or other unfair purpose; investigation ongoing'
        : undefined),
    // Before the outcome named it, the scope's note was the report's item 5.
    secondaryDamage: finding(provided, 'secondaryDamage', lang) ?? textIn(field(provided.scope, 'note'), lang),
    advice: adviceFor(facts, lang),
    response: responseStatus(sources, lang),
    publication: press?.stage
      ? ja
        ? `${PUBLICATION_STAGE_LABELS.ja[press.stage]}${press.url ? `（${press.url}）` : ''}`
        : `press release ${press.stage}${press.url ? `: ${press.url}` : ''}`
      : sources.obligations.some((o) => o.id === 'JP-APPI/substitute-notice' && o.state === 'satisfied')
        ? ja
          ? '代替措置として公表済み'
          : 'published as the substitute measure'
        : undefined,
    recurrence: (measures ?? []).flatMap((m) => {
      const text = textIn(m.measure, lang);
      if (!text) return [];
      return [ja ? `${text}（担当: ${m.owner}、期限: ${dateIn(m.dueAt, 'ja')}）` : `${text} (owner: ${m.owner}, due ${dateIn(m.dueAt, 'en')})`];
    }),
    contactDesk: desk && {
      name: textIn(desk.name, lang),
      phone: desk.phone?.trim() || undefined,
      email: desk.email,
      hours: textIn(desk.hours, lang),
    },
  };
}

function responseStatus(sources: NarrativeSources, lang: Lang): string | undefined {
  const ja = lang === 'ja';
  const individuals = sources.obligations.find((o) => o.id === 'JP-APPI/individuals');
  const sent = sources.campaigns.reduce((n, c) => n + c.sent, 0);
  const byPost = sources.campaigns.reduce((n, c) => n + c.postal + c.bounced, 0);
  const waves =
    sent || byPost
      ? ja
        ? `電子メールで${grouped(sent)}人に通知済み、郵送で${grouped(byPost)}人に通知予定`
        : `${grouped(sent)} notified by e-mail, ${grouped(byPost)} to be notified by post`
      : '';
  if (individuals?.state === 'satisfied')
    return ja ? `本人への通知を完了しました${waves ? `（${waves}）` : ''}。` : `Individuals notified${waves ? ` (${waves})` : ''}.`;
  if (waves) return waves;
  // Not notified yet is a status the breach knows, with the day it is due by (APPI Art. 26(2): promptly).
  if (individuals?.state === 'open' && individuals.dueAt !== undefined)
    return ja
      ? `本人への通知は未実施です（${dateIn(individuals.dueAt, 'ja')}までに通知する予定です）。`
      : `not yet notified (due ${dateIn(individuals.dueAt, 'en')})`;
  return undefined;
}

/** The documents Breachline drafts besides the regulator's report. */
export const DOCUMENTS = ['notice', 'announcement', 'partner-apology', 'press-release'] as const;
export type DocumentKind = (typeof DOCUMENTS)[number];

type Required = 'company' | 'representative' | 'overview' | 'items' | 'count' | 'cause' | 'secondaryDamage' | 'advice' | 'recurrence' | 'contactDesk';

/**
 * What each document cannot go out without. The notice carries what APPI Rules Art. 10 asks of it (overview, items,
 * cause, secondary damage, other useful matters: the advice and the contact desk); the public announcement stands
 * in for it (APPI Art. 26(2) proviso); the apology and the press release answer for the company.
 */
export const REQUIRED: Record<DocumentKind, readonly Required[]> = {
  notice: ['company', 'overview', 'items', 'cause', 'secondaryDamage', 'advice', 'contactDesk'],
  announcement: ['company', 'overview', 'items', 'cause', 'secondaryDamage', 'advice', 'contactDesk'],
  'partner-apology': ['company', 'representative', 'overview', 'items', 'cause', 'recurrence'],
  'press-release': ['company', 'representative', 'overview', 'items', 'count', 'cause', 'recurrence', 'contactDesk'],
};

/** Where each required field comes from, for the operator who must fill it. */
export const REQUIRED_SOURCE: Record<Required, string> = {
  company: "the policy's organisation.name",
  representative: "the policy's organisation.representative",
  overview: "the overview recorded on the scope or cause task (or the detection's summary)",
  items: 'the dataCategories fact',
  count: 'the affectedCount fact',
  cause: 'the note recorded on the task that provides the cause, or unfairPurpose: true',
  secondaryDamage: 'the secondaryDamage recorded on the scope or cause task',
  advice: 'the dataCategories fact',
  recurrence: 'the measures recorded on the task that provides the recurrence measures',
  contactDesk: "the contact desk's task: its name, hours, and a phone or an e-mail address",
};

const filled = (n: Narrative, what: Required): boolean => {
  if (what === 'items' || what === 'recurrence') return n[what].length > 0;
  if (what === 'contactDesk') return Boolean(n.contactDesk?.name && n.contactDesk.hours && (n.contactDesk.phone || n.contactDesk.email || n.contactDesk.url));
  return Boolean(n[what]);
};

/** The required fields of a document still empty (in either language), each with where to fill it. */
export function documentGaps(kind: DocumentKind, narratives: Record<Lang, Narrative>): string[] {
  return REQUIRED[kind].filter((what) => LANGS.some((lang) => !filled(narratives[lang], what))).map((what) => `${what} (${REQUIRED_SOURCE[what]})`);
}

export const narratives = (sources: NarrativeSources): Record<Lang, Narrative> => ({ ja: narrative(sources, 'ja'), en: narrative(sources, 'en') });

/** A campaign's notice (after its defaults): the fields of APPI Rules Art. 10 it cannot go out without, in either language. */
export function noticeGaps(notice: CampaignNotice): string[] {
  const empty = (text: LocalizedText | undefined) => LANGS.some((lang) => !textIn(text, lang));
  const desk = notice.contactDesk;
  return [
    ...(empty(notice.companyName) ? ["notice.companyName (or the policy's organisation.name)"] : []),
    ...(empty(notice.incident) ? ['notice.incident (or the overview recorded on the scope or cause task)'] : []),
    ...(empty(notice.cause) ? ['notice.cause (or the note recorded on the task that provides the cause)'] : []),
    ...(empty(notice.secondaryDamage) ? ['notice.secondaryDamage (or the secondaryDamage recorded on the scope or cause task)'] : []),
    ...(empty(notice.advice) ? ['notice.advice (or the dataCategories fact)'] : []),
    ...(!desk || empty(desk.name) || empty(desk.hours) || !(desk.phone?.trim() || desk.email || desk.url)
      ? ['notice.contactDesk: its name, hours, and a phone, an e-mail address or a URL']
      : []),
  ];
}

/** A notice with each field the operator left out filled from the breach's own record, in both languages. */
export function noticeWithDefaults(
  given: Partial<CampaignNotice>,
  narratives: Record<Lang, Narrative>,
  contactDesk: CampaignNotice['contactDesk'],
): CampaignNotice {
  const from = (pick: (n: Narrative) => string | undefined) => {
    const text = Object.fromEntries(LANGS.flatMap((lang) => (pick(narratives[lang]) ? [[lang, pick(narratives[lang])!]] : [])));
    return Object.keys(text).length ? (text as { ja?: string; en?: string }) : undefined;
  };
  const defaults: Partial<CampaignNotice> = {
    companyName: from((n) => n.company),
    representative: from((n) => n.representative),
    incident: from((n) => n.overview),
    cause: from((n) => n.cause),
    secondaryDamage: from((n) => n.secondaryDamage),
    advice: from((n) => n.advice),
    recurrence: from((n) => (n.recurrence.length ? n.recurrence.map((r) => `・${r}`).join('\n') : undefined)),
    contactDesk,
  };
  const notice: Record<string, unknown> = { ...given };
  for (const [key, value] of Object.entries(defaults)) if (notice[key] === undefined && value !== undefined) notice[key] = value;
  return notice;
}

/** The contact desk as its task recorded it, named by default. */
export function contactDeskOf(provided: NarrativeSources['provided']): CampaignNotice['contactDesk'] {
  const desk = provided['contact-desk'] as { name?: LocalizedText; phone?: string; email?: string; hours: LocalizedText } | undefined;
  return desk && { ...desk, name: desk.name ?? { ja: 'お問い合わせ窓口', en: 'Contact desk' } };
}

/** The same sources, read from a breach's status outside the workflow: for the documents the API and the CLI render. */
export function sourcesFromStatus(status: BreachStatus): NarrativeSources {
  const provided: NarrativeSources['provided'] = {};
  for (const task of status.tasks) {
    const outcome = task.records.findLast((r) => r.outcome !== undefined)?.outcome;
    if (task.provides && outcome && !(task.provides in provided)) provided[task.provides] = outcome;
  }
  return {
    facts: status.facts,
    detectionSummary: status.detection.summary,
    provided,
    obligations: status.obligations.map((o) => ({ id: o.id, state: o.state, dueAt: o.dueAt, ...(o.satisfiedBy ? { satisfiedBy: o.satisfiedBy } : {}) })),
    campaigns: status.campaigns.map((c) => ({
      total: c.total,
      sent: c.waves.reduce((n, w) => n + w.sent, 0),
      postal: c.waves.reduce((n, w) => n + w.postal, 0),
      bounced: c.waves.reduce((n, w) => n + w.bounced, 0),
    })),
    ...(status.organisation ? { organisation: status.organisation } : {}),
  };
}
