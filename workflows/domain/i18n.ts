// Text in the two languages Breachline files and notifies in, and the Japanese and English names of every code a
// document shows (data categories, the APPI triggers, report kinds, publication stages). Pure: used by the
// workflow (what a document still lacks) and by the renderers (what it says).
import { z } from 'zod';
import type { DataCategory, Facts } from './facts';
import { buildOnce } from '../built-once';

const once = buildOnce('domain/i18n');

export const Lang = once(() => z.enum(['ja', 'en']));
export type Lang = z.infer<typeof Lang>;
export const LANGS: readonly Lang[] = Lang.options;

/**
 * Text an operator writes once for both languages: `{ja, en}`, either optional, or one plain string, as before
 * (a plain string serves both languages, so every outcome and notice recorded earlier stays valid, and is parsed
 * as it was when replayed).
 */
export const LocalizedText = (max: number) =>
  z.union([
    z.string().max(max),
    z
      .strictObject({ ja: z.string().max(max).optional(), en: z.string().max(max).optional() })
      .refine((text) => Boolean(text.ja?.trim() || text.en?.trim()), { message: 'give the text in ja, en or both' }),
  ]);
export type LocalizedText = string | { ja?: string; en?: string };

/** The text in `lang`: its own, else the plain string, else the other language's; undefined when empty. */
export function textIn(text: LocalizedText | undefined, lang: Lang): string | undefined {
  if (text === undefined) return undefined;
  const chosen = typeof text === 'string' ? text : (text[lang] ?? text[lang === 'ja' ? 'en' : 'ja']);
  return chosen?.trim() ? chosen.trim() : undefined;
}

/** The text in both languages, from a text in either or both. */
export const bilingual = (text: LocalizedText | undefined): Partial<Record<Lang, string>> =>
  Object.fromEntries(LANGS.flatMap((lang) => (textIn(text, lang) ? [[lang, textIn(text, lang)!]] : [])));

/** The items of personal data, as a regulator's form and a notice name them. */
export const DATA_CATEGORY_LABELS: Record<Lang, Record<DataCategory, string>> = {
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
    name: 'Name',
    email: 'E-mail address',
    address: 'Postal address',
    phone: 'Phone number',
    sensitive: 'Sensitive personal information',
    health: 'Health and medical information',
    payment_card: 'Payment card details',
    bank_credentials: 'Online banking credentials',
    government_id: 'Government identification number',
    credentials: 'Login ID and password',
    other: 'Other information',
    biometric: 'Biometric data (fingerprint, face image)',
    genetic: 'Genetic data',
    health_insurance: 'Health insurance number',
    date_of_birth: 'Date of birth',
    passport: 'Passport number',
    tax_id: 'Taxpayer identification number',
  },
};

/** APPI Rules Art. 7 items 1-4: the situations that make a leak reportable, in the form's own words. */
export const APPI_TRIGGERS = ['sensitive', 'financial', 'unfairPurpose', 'overThousand'] as const;
export type AppiTrigger = (typeof APPI_TRIGGERS)[number];
export const APPI_TRIGGER_LABELS: Record<Lang, Record<AppiTrigger, string>> = {
  ja: {
    sensitive: '要配慮個人情報が含まれる個人データの漏えい等が発生し、又は発生したおそれがある事態（規則第7条第1号）',
    financial: '不正に利用されることにより財産的被害が生じるおそれがある個人データの漏えい等が発生し、又は発生したおそれがある事態（規則第7条第2号）',
    unfairPurpose: '不正の目的をもって行われたおそれがある個人データの漏えい等が発生し、又は発生したおそれがある事態（規則第7条第3号）',
    overThousand: '個人データに係る本人の数が千人を超える漏えい等が発生し、又は発生したおそれがある事態（規則第7条第4号）',
  },
  en: {
    sensitive: 'Sensitive personal information leaked or may have leaked (Rules Art. 7(1))',
    financial: 'Data whose misuse may cause property damage leaked or may have leaked (Rules Art. 7(2))',
    unfairPurpose: 'The leak was or may have been caused with an unfair purpose (Rules Art. 7(3))',
    overThousand: 'More than 1,000 individuals affected or possibly affected (Rules Art. 7(4))',
  },
};

/** Which of the four situations of APPI Rules Art. 7 the facts meet (the same reading as the JP-APPI rule pack). */
export function appiTriggers(facts: Facts): AppiTrigger[] {
  const has = (...categories: DataCategory[]) => facts.dataCategories.some((c) => categories.includes(c));
  return [
    ...(has('sensitive', 'health') ? (['sensitive'] as const) : []),
    ...(has('payment_card', 'bank_credentials') ? (['financial'] as const) : []),
    ...(facts.unfairPurpose ? (['unfairPurpose'] as const) : []),
    ...(facts.affectedCount !== undefined && facts.affectedCount > 1000 ? (['overThousand'] as const) : []),
  ];
}

export const REPORT_KIND_LABELS: Record<Lang, Record<'preliminary' | 'final', string>> = {
  ja: { preliminary: '速報', final: '確報' },
  en: { preliminary: 'Preliminary report', final: 'Final report' },
};

export const PUBLICATION_STAGE_LABELS: Record<Lang, Record<'drafted' | 'approved' | 'published', string>> = {
  ja: { drafted: '公表文を起案中', approved: '公表文を承認済み（公表予定）', published: '公表済み' },
  en: { drafted: 'press release drafted', approved: 'press release approved, to be published', published: 'published' },
};

/** What a form shows for an item not yet known. */
export const UNKNOWN: Record<Lang, string> = { ja: '未確定', en: 'Not yet known' };

const JST_MS = 9 * 3_600_000;
/** A date in Japan's time zone (UTC+9 all year, no daylight saving), as each language writes it. */
export function dateIn(instant: string | number, lang: Lang): string {
  const d = new Date((typeof instant === 'number' ? instant : Date.parse(instant)) + JST_MS);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  if (lang === 'ja') return `${y}年${m}月${day}日`;
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return `${day} ${months[m - 1]} ${y}`;
}

/** A date and time in Japan's time zone. */
export function dateTimeIn(instant: string | number, lang: Lang): string {
  const d = new Date((typeof instant === 'number' ? instant : Date.parse(instant)) + JST_MS);
  const time = `${d.getUTCHours()}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return lang === 'ja' ? `${dateIn(instant, lang)} ${time}（日本時間）` : `${dateIn(instant, lang)}, ${time} JST`;
}

/** 1500 → "1,500". */
export const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
