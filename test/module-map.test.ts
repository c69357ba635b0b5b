// The top folders' import map, read from the source with TypeScript's own parser. Data flows one way (style guide:
// client -> workflow -> activities), so no folder imports one that imports it back, and workflows/ takes only the
// activity contract's types from activities/.
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const FOLDERS = ['workflows', 'activities', 'worker', 'client', 'dev', 'sandbox'];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

interface Import {
  file: string;
  target: string;
  from: string;
  to: string;
  typeOnly: boolean;
}

const topFolder = (path: string) => relative(ROOT, path).split(/[\\/]/)[0] ?? '';

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    return (
      node.isTypeOnly ||
      (node.exportClause !== undefined &&
        ts.isNamedExports(node.exportClause) &&
        node.exportClause.elements.length > 0 &&
        node.exportClause.elements.every((e) => e.isTypeOnly))
    );
  }
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

/** Every module a file names: static and dynamic imports, re-exports, require(), import types, and new URL(…, import.meta.url). */
function specifiersOf(file: string): { specifier: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: isTypeOnly(node) });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    } else if (ts.isCallExpression(node) && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require'))
        found.push({ specifier: node.arguments[0].text, typeOnly: false });
    } else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'URL' &&
      node.arguments?.[0] &&
      ts.isStringLiteralLike(node.arguments[0]) &&
      node.arguments[1]?.getText(source) === 'import.meta.url'
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The source files under a top folder (none when it does not exist). */
function filesIn(folder: string): string[] {
  try {
    return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((e) => SOURCE.test(e) && !e.includes('node_modules'))
      .map((e) => join(ROOT, folder, e));
  } catch {
    return [];
  }
}

function scan(): Import[] {
  const imports: Import[] = [];
  for (const folder of FOLDERS) {
    for (const file of filesIn(folder)) {
      for (const { specifier, typeOnly } of specifiersOf(file).filter((s) => s.specifier.startsWith('.'))) {
        const target = resolve(file, '..', specifier);
        imports.push({ file: relative(ROOT, file), target: relative(ROOT, target), from: folder, to: topFolder(target), typeOnly });
      }
    }
  }
  return imports;
}

/** Each loop between folders once, as the folders in order with the first file that makes each step. */
function findCycles(edges: { from: string; to: string; file: string }[]): string[] {
  const next = new Map<string, Map<string, string>>();
  for (const edge of edges) {
    if (edge.from === edge.to) continue;
    const out = next.get(edge.from) ?? new Map<string, string>();
    if (!out.has(edge.to)) out.set(edge.to, edge.file);
    next.set(edge.from, out);
  }
  const cycles = new Map<string, string>();
  const walk = (path: string[]): void => {
    const here = path[path.length - 1]!;
    for (const [to] of next.get(here) ?? []) {
      if (to === path[0]) {
        const loop = [...path, to];
        const steps = loop.slice(1).map((folder, i) => `${loop[i]} -> ${folder} (${next.get(loop[i]!)!.get(folder)})`);
        const key = [...path].sort().join(' ');
        if (!cycles.has(key)) cycles.set(key, steps.join(', '));
      } else if (!path.includes(to)) walk([...path, to]);
    }
  };
  for (const start of [...next.keys()].sort()) walk([start]);
  return [...cycles.values()];
}

describe('the module map', () => {
  const imports = scan();

  it('reads the imports between folders that the code really has', () => {
    const edges = new Set(imports.map((i) => `${i.from} -> ${i.to}`));
    // Known edges: a scan that read nothing would pass every rule below.
    expect([...edges]).toEqual(
      expect.arrayContaining(['dev -> client', 'client -> worker', 'worker -> activities', 'activities -> workflows', 'client -> workflows']),
    );
    expect(imports.filter((i) => i.from === 'workflows' && i.to === 'activities').map((i) => i.typeOnly)).toContain(true);
  });

  it('finds a loop round three folders and a loop between two, once each', () => {
    expect(
      findCycles([
        { from: 'a', to: 'b', file: 'a/1.ts' },
        { from: 'b', to: 'c', file: 'b/1.ts' },
        { from: 'c', to: 'a', file: 'c/1.ts' },
        { from: 'c', to: 'd', file: 'c/2.ts' },
        { from: 'd', to: 'c', file: 'd/1.ts' },
        { from: 'a', to: 'a', file: 'a/2.ts' },
      ]),
    ).toEqual(['a -> b (a/1.ts), b -> c (b/1.ts), c -> a (c/1.ts)', 'c -> d (c/2.ts), d -> c (d/1.ts)']);
  });

  it('has no folder that imports one importing it back, directly or round a loop', () => {
    // The activity contract is the one sanctioned way back: workflows/ names activities' types, which compile away.
    const contract = (i: Import) => i.from === 'workflows' && i.to === 'activities' && i.typeOnly;
    const between = imports.filter((i) => FOLDERS.includes(i.to) && !contract(i));
    expect(findCycles(between)).toEqual([]);
  });

  it('keeps workflows/ to itself, taking only types from activities/', () => {
    const outside = imports.filter((i) => i.from === 'workflows' && i.to !== 'workflows' && !(i.to === 'activities' && i.typeOnly));
    expect(outside.map((i) => `${i.file} -> ${i.target}${i.typeOnly ? ' (types)' : ''}`)).toEqual([]);
  });

  it('finds in `dependencies` every package the production build imports, so an image with production modules only runs', () => {
    // What `npm run build` compiles (tsconfig.build.json) and the launchers; `npm prune --omit=dev` leaves the rest out.
    const built: string[] = (JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] }).include;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const missing = new Set<string>();
    for (const file of [...built, 'bin'].flatMap(filesIn)) {
      for (const { specifier, typeOnly } of specifiersOf(file)) {
        if (typeOnly || specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (!(name in pkg.dependencies)) missing.add(`${name} (${relative(ROOT, file)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});
