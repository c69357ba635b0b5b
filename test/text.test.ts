// The shared text check: what every boundary refuses, named by field.
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, unsafeTextIssues, unsafeTextReason } from '../workflows/domain/text';

describe('unsafeTextIssues', () => {
  it.each([
    ['NUL', 'a\u0000b', 'U+0000'],
    ['escape', '\u001b[31mred', 'U+001B'],
    ['a lone CR', 'a\rb', 'U+000D'],
    ['C1 control', 'a\u0085b', 'U+0085'],
    ['right-to-left override', 'abc\u202Etxt', 'U+202E'],
    ['first-strong isolate', 'a\u2068b', 'U+2068'],
    ['lone surrogate', 'a\uD83Db', 'lone surrogate'],
  ])('refuses %s', (_what, text, reason) => {
    expect(unsafeTextReason(text)).toContain(reason);
  });

  it.each([
    ['tab and line feed', 'a\tb\nc'],
    ['CRLF', 'line 1\r\nline 2'],
    ['Japanese and emoji', '漏えい等報告 😀'],
    ['a zero-width joiner in an emoji', '👩\u200D💻'],
  ])('accepts %s', (_what, text) => {
    expect(unsafeTextReason(text)).toBeUndefined();
  });

  it('names every bad string by its path, keys included', () => {
    const issues = unsafeTextIssues({ a: ['ok', 'b\u0000'], ['k\u202E']: 1, n: { deep: 'x\u0007' } });
    expect(issues).toHaveLength(3);
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: 'a.1', message: 'control character U+0000 at offset 1 is not allowed' },
        { field: '"k\u202E"', message: 'field name: bidirectional override U+202E at offset 1 is not allowed' },
        { field: 'n.deep', message: 'control character U+0007 at offset 1 is not allowed' },
      ]),
    );
  });

  it('refuses a body nested 100,000 deep, without overflowing the stack, and one nested 64 deep is fine', () => {
    const nest = (levels: number) => {
      let deep: unknown = 'bottom';
      for (let i = 0; i < levels; i++) deep = [deep];
      return deep;
    };
    expect(unsafeTextIssues(nest(100_000), '', 200_000)).toEqual([
      { field: expect.stringMatching(/^0(\.0)+$/), message: `nested more than ${MAX_DEPTH} levels deep` },
    ]);
    expect(unsafeTextIssues(nest(MAX_DEPTH))).toEqual([]);
  });
});
