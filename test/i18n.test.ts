// The operator interface's two catalogues: the same keys, every message valid ICU, the same arguments on both
// sides (a placeholder only one language knows would print raw or be lost), and the language chosen per reader.
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { CATALOGUES, formatInstant, LANGS, langFrom, negotiate, titleIn, translator } from '../activities/i18n';
import { DEFAULT_PLAYBOOK } from '../workflows/domain/playbook';
import { RULE_PACKS } from '../workflows/domain/regimes';

function argumentsOf(elements: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const element of elements) {
    if (element.type === TYPE.literal || element.type === TYPE.pound || element.type === TYPE.tag) continue;
    into.add(element.value);
    if (element.type === TYPE.select || element.type === TYPE.plural) for (const option of Object.values(element.options)) argumentsOf(option.value, into);
  }
  return into;
}

describe('message catalogues', () => {
  it('have the same keys in Japanese and English', () => {
    expect(Object.keys(CATALOGUES.ja).sort()).toEqual(Object.keys(CATALOGUES.en).sort());
  });

  it.each(LANGS)('parses every %s message as ICU MessageFormat, with the same arguments as the other language', (lang) => {
    const other = lang === 'ja' ? 'en' : 'ja';
    for (const [key, message] of Object.entries(CATALOGUES[lang])) {
      let parsed: MessageFormatElement[];
      try {
        parsed = parse(message, { requiresOtherClause: true });
      } catch (error) {
        throw new Error(`${lang} ${key}: ${(error as Error).message}`, { cause: error });
      }
      const mine = [...argumentsOf(parsed)].sort();
      const theirs = [...argumentsOf(parse(CATALOGUES[other][key as keyof (typeof CATALOGUES)['en']]))].sort();
      expect({ key, arguments: mine }).toEqual({ key, arguments: theirs });
    }
  });

  it('formats plurals, selects and yen amounts in each language', () => {
    const [ja, en] = [translator('ja'), translator('en')];
    expect(en('list.failures', { count: 1 })).toBe('1 failure: see the breach');
    expect(en('list.failures', { count: 3 })).toBe('3 failures: see the breach');
    expect(ja('list.failures', { count: 3 })).toBe('3件の失敗：事案を確認してください');
    expect(en('damage.perPerson', { yen: 18_000 })).toBe('JP¥18,000 per person');
    expect(ja('damage.perPerson', { yen: 18_000 })).toBe('1人あたり ￥18,000');
    expect(ja('phase', { phase: 'reporting' })).toBe('報告・通知');
    expect(ja('phase', { phase: 'a-new-phase' })).toBe('a_new_phase');
    expect(ja('waveState', { state: 'awaiting-approval' })).toBe('承認待ち'); // a select key cannot hold "-"
    expect(en('waveState', { state: 'awaiting-approval' })).toBe('awaiting approval');
    expect(en('mail.obligation.lead', { overdue: true, title: 'Final report' })).toBe(
      'The deadline for "Final report" has passed and no approval has been recorded.',
    );
  });

  it('chooses the language from Accept-Language by q-value, and from --lang or LANG on the command line', () => {
    expect(negotiate('ja-JP,ja;q=0.9,en-US;q=0.8')).toBe('ja');
    expect(negotiate('fr-FR, en;q=0.5, ja;q=0.7')).toBe('ja');
    expect(negotiate('de-DE')).toBe('en');
    expect(negotiate(undefined)).toBe('en');
    expect(langFrom('ja', {})).toBe('ja');
    expect(langFrom(undefined, { LANG: 'ja_JP.UTF-8' })).toBe('ja');
    expect(langFrom(undefined, { LANG: 'C.UTF-8' })).toBe('en');
    expect(langFrom(undefined, { LC_ALL: 'en_US.UTF-8', LANG: 'ja_JP.UTF-8' })).toBe('en');
  });

  it("renders an instant in the reader's zone, and in the regime's when asked", () => {
    const at = Date.parse('2026-11-28T14:59:00Z');
    expect(formatInstant(at, 'en', 'Asia/Tokyo')).toBe('28 Nov 2026, 23:59 GMT+9');
    expect(formatInstant(at, 'ja', 'Asia/Tokyo')).toBe('2026年11月28日 23:59 JST');
    expect(formatInstant(at, 'en', 'Europe/Brussels')).toBe('28 Nov 2026, 15:59 CET');
  });

  it("translates every title of the default playbook and Japan's rule packs by its English text, and leaves a deployment's own as written", () => {
    const en = translator('en');
    for (const task of DEFAULT_PLAYBOOK.tasks) {
      expect(en(`title.task.${task.id}` as keyof (typeof CATALOGUES)['en'])).toBe(task.title);
      expect(titleIn('ja', task.title)).not.toBe(task.title);
    }
    for (const pack of RULE_PACKS.filter((p) => p.regime.startsWith('JP-'))) {
      for (const rule of pack.rules) expect(en(`title.obligation.${pack.regime}/${rule.id}` as keyof (typeof CATALOGUES)['en'])).toBe(rule.title);
    }
    expect(titleIn('ja', "Counsel's review of the measures")).toBe('再発防止策の弁護士によるレビュー');
    expect(titleIn('ja', 'Final report to the PPC (確報)')).toBe('個人情報保護委員会への確報');
    expect(titleIn('ja', 'Call the insurer')).toBe('Call the insurer');
    expect(titleIn('en', 'Final report to the PPC (確報)')).toBe('Final report to the PPC (確報)');
  });
});
