// The ISO 3166 lists as lookups, built once: pure data with no schema, so the worker preloads this module and every
// breach workflow shares it (see PRELOAD_MODULES in worker/worker.ts) instead of building its own copy.
import { iso31661 } from 'iso-3166/1.js';
import { iso31661Reserved } from 'iso-3166/1-reserved.js';
import { iso31662 } from 'iso-3166/2.js';

/** Every assigned code with its English short name: ISO 3166-1 alpha-2 countries and ISO 3166-2 subdivisions. */
export const NAMES = new Map<string, string>([
  ...iso31661.map((c) => [c.alpha2, c.name] as const),
  ...iso31662.map((s) => [s.code, `${s.name}, ${s.code.slice(0, 2)}`] as const),
]);
export const COUNTRIES = iso31661.map((c) => c.alpha2);
export const ALPHA3 = new Map(iso31661.map((c) => [c.alpha3, c.alpha2]));
export const RESERVED = new Map(iso31661Reserved.filter((r) => r.state !== 'indeterminately-reserved').map((r) => [r.alpha2, r.name]));

/** English names in common use where the ISO 3166-1 short name differs. */
const COMMON_NAMES: Readonly<Record<string, string>> = {
  'united kingdom': 'GB',
  'great britain': 'GB',
  britain: 'GB',
  'united states': 'US',
  america: 'US',
  russia: 'RU',
  'south korea': 'KR',
  'north korea': 'KP',
  'czech republic': 'CZ',
  turkey: 'TR',
  laos: 'LA',
  syria: 'SY',
};

/** Lower case, no diacritics, letters and digits only: "Viet Nam", "vietnam" and "São Paulo"/"sao paulo" compare equal. */
export const nameKey = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');

/** Codes by name: full ISO names, the short form before ", " or " (" ("Korea, Republic of" → "Korea"), and common names. */
export const BY_NAME = new Map<string, string[]>();
const addName = (name: string, code: string) => {
  const key = nameKey(name);
  const codes = BY_NAME.get(key) ?? [];
  if (key && !codes.includes(code)) BY_NAME.set(key, [...codes, code]);
};
for (const c of iso31661) {
  addName(c.name, c.alpha2);
  addName(c.name.split(/, | \(/)[0]!, c.alpha2);
}
for (const [name, code] of Object.entries(COMMON_NAMES)) addName(name, code);
for (const s of iso31662) addName(s.name, s.code);

export const SUBDIVISIONS: readonly string[] = iso31662.map((s) => s.code);
