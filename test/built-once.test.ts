// The schemas, playbooks and rule packs every breach workflow uses are built by the first workflow on a workflow
// thread and taken by the others (workflows/built-once.ts): a breach's first task no longer spends a third of its
// CPU building them. What must hold: a second workflow builds nothing and takes every value the first built (this
// fails if built-once.ts is not preloaded, each workflow then having its own map), and the shared data is frozen, so
// no breach can change another's playbook.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce } from '../workflows/built-once';
import { z } from 'zod';
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
