// Text that may be stored, logged, mailed and shown: one check, applied to every string of every input at every
// boundary (HTTP, CLI, OCSF, imports, update validators). A NUL is refused by PostgreSQL, so a NUL that got in
// would wedge the step that stores it; control characters, lone surrogates and bidi overrides are how text
// hides what it says (CVE-2021-42574, "Trojan Source") or breaks the files and terminals it is written to.
import { z } from 'zod';

/** C0 controls but tab, line feed and a carriage return before a line feed; DEL and the C1 controls. */
// eslint-disable-next-line no-control-regex -- naming control characters is this expression's whole purpose
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\r(?!\n)/;
/** Bidi embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI). */
const BIDI = /[\u202A-\u202E\u2066-\u2069]/;
/** Line breaks and tabs: allowed in prose, not in ids, names and references. */
const BREAK = /[\t\n\r\u2028\u2029\u0085]/;
/** A surrogate not paired with its other half: with the u flag a paired one is one code point, not Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Why a string may not be accepted, or undefined when it may. */
export function unsafeTextReason(text: string): string | undefined {
  const control = CONTROL.exec(text);
  if (control) return `control character U+${codePoint(control[0])} at offset ${control.index} is not allowed`;
  if (LONE_SURROGATE.test(text)) return 'contains a lone surrogate (not valid Unicode)';
  const bidi = BIDI.exec(text);
  if (bidi) return `bidirectional override U+${codePoint(bidi[0])} at offset ${bidi.index} is not allowed`;
  return undefined;
}

const codePoint = (c: string) => c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');

/** How deep any input may nest: far beyond any real one, far below what a parser, a codec or a store chokes on. */
export const MAX_DEPTH = 64;

export interface TextIssue {
  field: string;
  message: string;
}

/**
 * Every string in a JSON-like value, keys included, that may not be accepted: named by its path ("facts.summary",
 * "items.2.description"). Walks at most `limit` nodes, so a hostile body cannot make it work without end.
 */
export function unsafeTextIssues(value: unknown, prefix = '', limit = 100_000): TextIssue[] {
  const issues: TextIssue[] = [];
  // Iterative, not recursive: a body nested ten thousand deep must not overflow the stack.
  const stack: [unknown, string, number][] = [[value, prefix, 0]];
  for (let budget = limit; stack.length && budget > 0; budget--) {
    const [node, path, depth] = stack.pop()!;
    if (depth > MAX_DEPTH && node !== null && typeof node === 'object') {
      // Nothing Breachline takes nests this deep; a body that does is an attack on whatever parses or stores it next.
      issues.push({ field: path || '(body)', message: `nested more than ${MAX_DEPTH} levels deep` });
      continue;
    }
    if (typeof node === 'string') {
      const reason = unsafeTextReason(node);
      if (reason) issues.push({ field: path || '(body)', message: reason });
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], join(path, String(i)), depth + 1]);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node).reverse()) {
        const reason = unsafeTextReason(key);
        if (reason) issues.push({ field: join(path, JSON.stringify(key)), message: `field name: ${reason}` });
        else stack.push([item, join(path, key), depth + 1]);
      }
    }
  }
  return issues;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** One line of text: an id, a name, a reference. No line breaks or tabs, no leading or trailing blanks. */
export const Line = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !BREAK.test(s), 'must be one line: no line breaks or tabs')
    .refine((s) => s.trim() === s, 'must not start or end with blanks');

/** Prose: line breaks and tabs allowed; the shared check refuses the rest. */
export const Prose = (max: number) => z.string().min(1).max(max);
