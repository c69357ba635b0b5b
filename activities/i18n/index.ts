// One message catalogue per language for the operator interface (dashboard, CLI tables, escalation and task mails),
// formatted with ICU MessageFormat (intl-messageformat); dates and times with Intl.DateTimeFormat in the reader's
// zone. The dashboard gets the same catalogue over HTTP and formats it with the same library in the browser.
import { IntlMessageFormat } from 'intl-messageformat';
import { en } from './en';
import { ja } from './ja';

export const LANGS = ['ja', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export type MessageKey = keyof typeof en;
export type Values = Record<string, string | number | boolean>;
export type Translate = (key: MessageKey, values?: Values) => string;

export const CATALOGUES: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { ja, en };

const LOCALES: Record<Lang, string> = { ja: 'ja-JP', en: 'en-GB' };

export const isLang = (value: unknown): value is Lang => typeof value === 'string' && (LANGS as readonly string[]).includes(value);

const compiled = new Map<string, { format: IntlMessageFormat; selectors: Set<string> }>();

/** The arguments a message selects on: ICU select keys cannot hold "-", so their values' dashes are written "_". */
export function selectorsOf(elements: readonly { type: number; value?: unknown; options?: Record<string, { value: unknown }> }[], into = new Set<string>()) {
  for (const element of elements) {
    if (element.type === SELECT && typeof element.value === 'string') into.add(element.value);
    for (const option of Object.values(element.options ?? {})) selectorsOf(option.value as Parameters<typeof selectorsOf>[0], into);
  }
  return into;
}
const SELECT = 5; // @formatjs/icu-messageformat-parser TYPE.select

/** A translator for one language: each message parsed once, formatted with the values given. */
export function translator(lang: Lang): Translate {
  return (key, values = {}) => {
    const id = `${lang}\u0000${key}`;
    let entry = compiled.get(id);
    if (!entry) {
      const format = new IntlMessageFormat(CATALOGUES[lang][key], LOCALES[lang]);
      entry = { format, selectors: selectorsOf(format.getAst()) };
      compiled.set(id, entry);
    }
    const { format, selectors } = entry;
    // Booleans choose `true` or `other`; a selected value "awaiting-approval" chooses the key awaiting_approval.
    const args = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : selectors.has(k) && typeof v === 'string' ? v.replaceAll('-', '_') : v]),
    );
    return String(format.format(args));
  };
}

const titleMaps = new Map<Lang, ReadonlyMap<string, string>>();

/**
 * The catalogue's titles of Breachline's own obligations and playbook tasks, from their English text to `lang`'s. A
 * title is looked up by its text, not its id: a deployment's playbook that reuses an id with its own title keeps it.
 */
export function localTitles(lang: Lang): ReadonlyMap<string, string> {
  let titles = titleMaps.get(lang);
  if (!titles) {
    const [english, local] = [translator('en'), translator(lang)];
    const keys = (Object.keys(CATALOGUES.en) as MessageKey[]).filter((key) => key.startsWith('title.'));
    titles = new Map(keys.map((key) => [english(key), local(key)]));
    titleMaps.set(lang, titles);
  }
  return titles;
}

/** A title in `lang` when it is one of Breachline's own, else as written. */
export const titleIn = (lang: Lang, title: string): string => localTitles(lang).get(title) ?? title;

/** The language an Accept-Language header prefers among ours (RFC 9110 §12.5.4: by q-value, then order), else `fallback`. */
export function negotiate(header: string | undefined, fallback: Lang = 'en'): Lang {
  const ranges = (header ?? '')
    .split(',')
    .map((part, order) => {
      const [range = '', ...params] = part.trim().split(';');
      const q = Number(/^\s*q=([\d.]+)/.exec(params.join(';'))?.[1] ?? '1');
      return { primary: range.trim().toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0, order };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return ranges.map((r) => r.primary).find(isLang) ?? fallback;
}

/** The CLI's language: --lang, else the POSIX locale (LC_ALL, LC_MESSAGES, LANG: "ja_JP.UTF-8" → ja), else English. */
export function langFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  if (option !== undefined) return isLang(option) ? option : 'en';
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  const primary = locale.toLowerCase().split(/[_.@-]/)[0];
  return isLang(primary) ? primary : 'en';
}

/** The instant as the reader reads it: date, time and zone abbreviation, in `zone` (the reader's own by default). */
export function formatInstant(at: number | string, lang: Lang, zone?: string): string {
  const date = typeof at === 'number' ? new Date(at) : new Date(at);
  return new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone: zone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(date);
}

/** The reader's own time zone (TZ, else the system's). */
export const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;
