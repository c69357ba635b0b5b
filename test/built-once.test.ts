// The schemas, playbooks and rule packs every breach workflow uses are built by the first workflow on a workflow
// thread and taken by the others (workflows/built-once.ts): a breach's first task no longer spends a third of its
// CPU building them. What must hold: a second workflow builds nothing and takes every value the first built (this
// fails if built-once.ts is not preloaded, each workflow then having its own map), and the shared data is frozen, so
// no breach can change another's playbook.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOnce } from '../workflows/built-once';
import { bundleWorkflows } from '../worker/worker';
import { devServerEnvironment } from './support/temporal';

describe('values built once per module', () => {
  it('are built at the first evaluation of a module and taken at the next, in the same order', () => {
    const name = `test-module-${randomUUID()}`;
    const builds: string[] = [];
    const evaluate = () => {
      const once = buildOnce(name);
      const Schema = once(() => (builds.push('schema'), z.strictObject({ a: z.string() })));
      const data = once.data(() => (builds.push('data'), { list: [1, 2], nested: { b: 'c' }, check: (n: number) => n > 1 }));
      return { Schema, data };
    };
    const first = evaluate();
    const second = evaluate();
    expect(builds).toEqual(['schema', 'data']);
    expect(second.Schema).toBe(first.Schema);
    expect(second.data).toBe(first.data);
    // Data is frozen throughout; its functions and the schemas are not (zod fills a schema's internals on first use).
    expect(Object.isFrozen(first.data) && Object.isFrozen(first.data.list) && Object.isFrozen(first.data.nested)).toBe(true);
    expect(() => first.data.list.push(3)).toThrow(TypeError);
    expect(Object.isFrozen(first.data.check)).toBe(false);
    expect(second.Schema.parse({ a: 'x' })).toEqual({ a: 'x' });
    expect(second.Schema.safeParse({ a: 1 }).success).toBe(false);
  });
});

/**
 * Where a workflow module builds a zod schema or parses at its top level outside once(): work every breach would
 * repeat. Function bodies are not looked into (they build when called, inside a builder or at run time).
 */
function builtAtTopLevel(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node, name: string): void => {
    if (ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) return;
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isIdentifier(callee) && callee.text === 'once') return;
      if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'once') return;
      let root: ts.Expression = callee;
      while (ts.isPropertyAccessExpression(root) || ts.isCallExpression(root)) root = ts.isCallExpression(root) ? root.expression : root.expression;
      const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
      const rootName = ts.isIdentifier(root) ? root.text : '';
      if (rootName === 'z' || (['parse', 'safeParse'].includes(method) && !['Date', 'JSON'].includes(rootName))) {
        found.push(`${file.replace(/^.*?workflows\//, 'workflows/')}: ${name} (line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1})`);
        return;
      }
    }
    ts.forEachChild(node, (child) => visit(child, name));
  };
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (declaration.initializer) visit(declaration.initializer, declaration.name.getText(source));
      }
    } else if (ts.isExpressionStatement(statement)) visit(statement, 'a statement');
  }
  return found;
}

describe('the workflow modules', () => {
  const root = fileURLToPath(new URL('../workflows/', import.meta.url));
  const modules = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('built-once.ts'))
    .map((f) => join(root, f));

  it('build no schema and parse nothing at their top level but through once()', () => {
    expect(modules.length).toBeGreaterThan(30);
    expect(modules.flatMap(builtAtTopLevel)).toEqual([]);
  });

  it('each give their builder a name no other module uses (values are keyed by it)', () => {
    const names = modules.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/buildOnce\('([^']+)'\)/g)].map((m) => m[1]!));
    expect(names.length).toBeGreaterThan(15);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });
});

describe('on a worker', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `built-once-${randomUUID()}`;

  beforeAll(async () => {
    env = await devServerEnvironment();
    const workflowBundle = await bundleWorkflows({ workflowsPath: fileURLToPath(new URL('./fixtures/built-once-probe.ts', import.meta.url)) });
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, reuseV8Context: true });
    running = worker.run();
  }, 240_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  it('a second workflow builds nothing and takes every value the first built; the shared playbook cannot be changed', async () => {
    const probe = () =>
      env.client.workflow.execute('builtOnceProbe', { taskQueue, workflowId: `probe-${randomUUID()}` }) as Promise<{
        built: number;
        reused: number;
        playbookFrozen: boolean;
        changed: string;
      }>;
    const first = await probe();
    const second = await probe();
    // Every schema module, both playbooks and every rule pack: well over a hundred values.
    expect(first.built).toBeGreaterThan(100);
    expect(second.built).toBe(first.built);
    expect(second.reused - first.reused).toBe(first.built);
    expect(second).toMatchObject({ playbookFrozen: true, changed: 'TypeError' });
  });
});
