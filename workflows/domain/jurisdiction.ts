// Jurisdictions are ISO 3166 codes checked against the maintained list (the iso-3166 package), not a pattern: a code
// no rule pack knows is reported as unevaluated, so a typo must be refused here or it silently yields no obligations.
// Pure data and string work: this module is bundled into the workflow sandbox.
import { ALPHA3, BY_NAME, COUNTRIES, nameKey, NAMES, RESERVED, SUBDIVISIONS } from './iso-codes';
import { z } from 'zod';
import { buildOnce } from '../built-once';

const once = buildOnce('domain/jurisdiction');

/** The shape every code has: the alpha-2 country, then for a subdivision a dash and up to three letters or digits (ISO 3166-2). */
const CODE_SHAPE = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

/** ISO 3166-1 exceptional and transitional reservations for places that have an assigned code of their own. */
const RESERVED_SUCCESSORS: Readonly<Record<string, readonly string[]>> = {
  UK: ['GB'],
  FX: ['FR'],
  AC: ['SH-AC'],
  TA: ['SH-TA'],
  IC: ['ES-CN'],
  EA: ['ES-CE', 'ES-ML'],
  CP: ['FR-CP'],
  DG: ['IO'],
  BU: ['MM'],
  TP: ['TL'],
  ZR: ['CD'],
};

/** ISO 639-1 language codes typed for the country where the language is mostly spoken (CLDR likely subtags; "uk" is left to UK→GB). */
export const LANGUAGE_COUNTRIES: Readonly<Record<string, readonly string[]>> = {
  ja: ['JP'],
  ko: ['KR'],
  zh: ['CN'],
  en: ['GB', 'US'],
  da: ['DK'],
  sv: ['SE'],
  el: ['GR'],
  cs: ['CZ'],
  et: ['EE'],
  he: ['IL'],
  hi: ['IN'],
  vi: ['VN'],
  fa: ['IR'],
  ur: ['PK'],
  sq: ['AL'],
  hy: ['AM'],
  ka: ['GE'],
  be: ['BY'],
  bn: ['BD'],
  ms: ['MY'],
  sl: ['SI'],
  sr: ['RS'],
  nb: ['NO'],
  nn: ['NO'],
  km: ['KH'],
  lo: ['LA'],
  my: ['MM'],
  ne: ['NP'],
  si: ['LK'],
  ga: ['IE'],
  kk: ['KZ'],
  ky: ['KG'],
};

export const isJurisdiction = (code: string): boolean => NAMES.has(code);

/** True when a and b differ by one substitution, insertion, deletion or swap of adjacent characters. */
function oneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** The input as a code would be written: upper case, a dash between country and subdivision ("us_ny", "usny" → "US-NY"). */
function asCode(input: string): string {
  const code = input
    .trim()
    .toUpperCase()
    .replace(/[\s_./]+/g, '-');
  const dashed = `${code.slice(0, 2)}-${code.slice(2)}`;
  return /^[A-Z]{2}[A-Z0-9]{1,3}$/.test(code) && !isJurisdiction(code) && isJurisdiction(dashed) ? dashed : code;
}

/**
 * The valid codes the input most likely meant, best first; empty when there is no near miss or it is the code itself.
 * Each kind of slip is tried in turn and the first that finds any code answers, so a guess never crowds out a sure fix.
 */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export function jurisdictionNearMisses(input: string): string[] {
  if (isJurisdiction(input)) return [];
  const code = asCode(input);
  const slips: (() => readonly string[])[] = [
    // Own keys only: "__proto__" or "constructor" typed as a jurisdiction must find nothing, not Object.prototype.
    () => [...(isJurisdiction(code) ? [code] : []), ...(own(LANGUAGE_COUNTRIES, input.trim().toLowerCase()) ?? [])],
    () => (own(RESERVED_SUCCESSORS, code) ?? []).filter(isJurisdiction),
    () => {
      const [country, subdivision] = [ALPHA3.get(code.slice(0, 3)), code.slice(3)];
      const candidate = country && (subdivision === '' || subdivision.startsWith('-')) ? country + subdivision : undefined;
      return candidate && isJurisdiction(candidate) ? [candidate] : [];
    },
    () => BY_NAME.get(nameKey(input)) ?? [],
    () => {
      if (!CODE_SHAPE.test(code)) return [];
      const country = code.slice(0, 2);
      const peers = code.length === 2 || !isJurisdiction(country) ? COUNTRIES : SUBDIVISIONS.filter((code) => code.startsWith(`${country}-`));
      const close = peers.filter((peer) => oneEditApart(code, peer));
      return close.length === 1 ? close : [];
    },
  ];
  for (const slip of slips) {
    const found = [...new Set(slip())];
    if (found.length) return found;
  }
  return [];
}

/** The one code the input most likely meant ("JA" → "JP", "Japan" → "JP"), or undefined when none or several fit. */
export function suggestJurisdiction(input: string): string | undefined {
  const found = jurisdictionNearMisses(input);
  return found.length === 1 ? found[0] : undefined;
}

/** Why the input is not a jurisdiction, naming the near misses; the input is echoed only when shaped like a code. */
export function jurisdictionProblem(input: string): string {
  const code = asCode(input);
  const country = code.slice(0, 2);
  const reserved = RESERVED.get(code);
  const problem = isJurisdiction(code)
    ? 'ISO 3166 codes are upper case, with a dash before the subdivision'
    : CODE_SHAPE.test(code) && code.length > 2 && isJurisdiction(country)
      ? `"${code}" is not an ISO 3166-2 subdivision of ${country} (${NAMES.get(country)})`
      : reserved
        ? `"${code}" is reserved in ISO 3166-1 (${reserved}) and is no country's code`
        : 'not an ISO 3166-1 alpha-2 or ISO 3166-2 code';
  const found = jurisdictionNearMisses(input);
  if (found.length === 0) return reserved ? `${problem}: name each country or subdivision` : `${problem}, e.g. "JP" or "US-NY"`;
  const named = found.slice(0, 3).map((c) => `"${c}" (${NAMES.get(c)})`);
  return `${problem}; did you mean ${named.join(' or ')}${found.length > 3 ? ' or another' : ''}?`;
}

/**
 * The shape of a jurisdiction code only, for what a breach already holds: a later ISO 3166 list (a subdivision
 * renamed, a code withdrawn) must not fail a running breach on replay; new reports use Jurisdiction.
 */
export const JurisdictionShape = once(() => z.string().regex(CODE_SHAPE, 'expected ISO 3166-1 alpha-2 or ISO 3166-2, e.g. "JP" or "US-NY"'));

/** ISO 3166-1 alpha-2 ("JP", "DE") or ISO 3166-2 for a subdivision ("US-NY"), as assigned today. */
export const Jurisdiction = once(() =>
  z.string().superRefine((value, ctx) => {
    if (!isJurisdiction(value)) ctx.addIssue({ code: 'custom', message: jurisdictionProblem(value) });
  }),
);
