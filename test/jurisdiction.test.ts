// Jurisdictions against the ISO 3166 list, and the near miss each refusal names.
import fc from 'fast-check';
import { iso31661 } from 'iso-3166/1.js';
import { iso31662 } from 'iso-3166/2.js';
import { describe, expect, it } from 'vitest';
import { FactsUpdate } from '../workflows/domain/facts';
import {
  isJurisdiction,
  Jurisdiction,
  jurisdictionNearMisses,
  JurisdictionShape,
  LANGUAGE_COUNTRIES,
  suggestJurisdiction,
} from '../workflows/domain/jurisdiction';
import { RULE_PACKS } from '../workflows/domain/regimes';
import { EEA_STATES } from '../workflows/domain/regimes/facts-helpers';

const problem = (input: string) => Jurisdiction.safeParse(input).error?.issues[0]?.message;

describe('Jurisdiction', () => {
  it.each(['JP', 'US-NY', 'US-PR', 'PR', 'GU', 'VI', 'DE', 'BR-SP', 'CA-QC', 'GB', 'GB-ENG', 'JP-13', 'AZ-BAB'])('accepts %s', (code) => {
    expect(Jurisdiction.parse(code)).toBe(code);
  });

  it.each([
    // input       suggestion  the message says
    ['JA', 'JP', 'did you mean "JP" (Japan)?', 'a language code for the country'],
    ['jp', 'JP', 'upper case', 'lower case'],
    ['JPN', 'JP', '"JP" (Japan)', 'ISO 3166-1 alpha-3'],
    ['Japan', 'JP', '"JP" (Japan)', "the country's name"],
    ['japan', 'JP', '"JP" (Japan)', 'the name in lower case'],
    ['UK', 'GB', '"UK" is reserved in ISO 3166-1 (United Kingdom)', 'the reserved code, not Ukrainian'],
    ['uk', 'GB', '"GB" (United Kingdom', 'the reserved code in lower case'],
    ['US-XX', 'US-TX', '"US-XX" is not an ISO 3166-2 subdivision of US', 'one letter from exactly one state'],
    ['US-NYY', 'US-NY', '"US-NY" (New York, US)', 'a letter too many'],
    ['us_ny', 'US-NY', 'a dash before the subdivision', 'underscore and lower case'],
    ['USA-NY', 'US-NY', '"US-NY" (New York, US)', 'alpha-3 country with a subdivision'],
    ['ko', 'KR', '"KR" (Korea, Republic of)', 'Korean'],
    ['zh', 'CN', '"CN" (China)', 'Chinese'],
    ['da', 'DK', '"DK" (Denmark)', 'Danish'],
    ['el', 'GR', '"GR" (Greece)', 'Greek'],
    ['cs', 'CZ', '"CZ" (Czechia)', 'Czech, not the retired Serbia and Montenegro'],
    ['he', 'IL', '"IL" (Israel)', 'Hebrew'],
    ['hi', 'IN', '"IN" (India)', 'Hindi'],
    ['Vietnam', 'VN', '"VN" (Viet Nam)', 'the name written as one word'],
    ['Sao Paulo', 'BR-SP', '"BR-SP" (São Paulo, BR)', 'a subdivision name without its accent'],
    ['South Korea', 'KR', '"KR"', 'a common English name'],
    ['IC', 'ES-CN', '"ES-CN" (Canarias, ES)', 'reserved for the Canary Islands, a subdivision of Spain'],
  ])('refuses %s, suggesting %s', (input, suggestion, message) => {
    expect(Jurisdiction.safeParse(input).success).toBe(false);
    expect(suggestJurisdiction(input)).toBe(suggestion);
    expect(problem(input)).toContain(message);
  });

  it.each([
    ['en', ['GB', 'US']],
    ['sv', ['SV', 'SE']],
    ['et', ['ET', 'EE']],
    ['vi', ['VI', 'VN']],
    ['Georgia', ['GE', 'US-GA']],
    ['Korea', ['KP', 'KR']],
    ['EA', ['ES-CE', 'ES-ML']],
  ])('names every near miss of %s and suggests none of them alone', (input, nearMisses) => {
    expect(jurisdictionNearMisses(input)).toEqual(nearMisses);
    expect(suggestJurisdiction(input)).toBeUndefined();
    for (const code of nearMisses) expect(problem(input)).toContain(`"${code}"`);
  });

  it.each([
    ['EU', '"EU" is reserved in ISO 3166-1 (European Union) and is no country\'s code: name each country or subdivision'],
    ['YU', '"YU" is reserved in ISO 3166-1 (Yugoslavia)'],
    ['ZZ', 'not an ISO 3166-1 alpha-2 or ISO 3166-2 code, e.g. "JP" or "US-NY"'],
    ['QQ', 'not an ISO 3166-1 alpha-2 or ISO 3166-2 code'],
    ['', 'not an ISO 3166-1 alpha-2 or ISO 3166-2 code'],
  ])('refuses %s with no near miss to offer', (input, message) => {
    expect(suggestJurisdiction(input)).toBeUndefined();
    expect(problem(input)).toContain(message);
  });

  it.each(Object.entries(LANGUAGE_COUNTRIES))('maps the language %s to %j, the country CLDR gives it', (language, countries) => {
    expect(countries).toContain(new Intl.Locale(language).maximize().region);
    expect(jurisdictionNearMisses(language)).toEqual(expect.arrayContaining([...countries]));
  });

  it('never echoes input that is not shaped like a code', () => {
    expect(problem('Jane Doe, 3-3 Shibuya')).toBe('not an ISO 3166-1 alpha-2 or ISO 3166-2 code, e.g. "JP" or "US-NY"');
  });

  it('accepts every assigned ISO 3166-1 alpha-2 and ISO 3166-2 code, and refuses a letter off when it is not one', () => {
    for (const code of [...iso31661.map((c) => c.alpha2), ...iso31662.map((s) => s.code)]) expect(isJurisdiction(code)).toBe(true);
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/), (code) => {
        const assigned = iso31661.some((c) => c.alpha2 === code) || iso31662.some((s) => s.code === code);
        expect(Jurisdiction.safeParse(code).success).toBe(assigned);
      }),
    );
  });

  it('suggests only valid codes, and never the input itself', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (input) => {
        for (const code of jurisdictionNearMisses(input)) {
          expect(isJurisdiction(code)).toBe(true);
          expect(code).not.toBe(input);
        }
      }),
    );
  });

  it('keeps the shape-only check for held codes: a code no longer in the list still loads, a malformed one does not', () => {
    expect(JurisdictionShape.safeParse('ZZ').success).toBe(true);
    expect(JurisdictionShape.safeParse('jp').success).toBe(false);
  });

  it('refuses a bad jurisdiction in a facts update, naming its index and the near miss', () => {
    const result = FactsUpdate.safeParse({ jurisdictions: ['JP', 'JA'] });
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['jurisdictions', 1], message: expect.stringContaining('"JP" (Japan)') })]);
  });
});

describe('the codes rule packs evaluate', () => {
  const twoLetters = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].flatMap((a) => [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((b) => a + b));

  it.each([...EEA_STATES, 'GB', 'JP', 'US', 'US-CO', 'US-FL', 'US-WA', 'US-TX', 'US-CA', 'KR', 'SG', 'AU', 'BR', 'IN', 'CN', 'CA'])('accepts %s', (code) => {
    expect(Jurisdiction.parse(code)).toBe(code);
  });

  it.each(RULE_PACKS.map((pack) => [pack.regime, pack] as const))('%s covers no two-letter code the schema refuses ("EU", "UK")', (_, pack) => {
    expect(twoLetters.filter((code) => pack.covers(code) && !isJurisdiction(code))).toEqual([]);
  });
});

describe('names that are object keys', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('refuses %s with a reason, not a crash', (name) => {
    const result = FactsUpdate.safeParse({ jurisdictions: [name] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['jurisdictions', 0]);
  });
});
