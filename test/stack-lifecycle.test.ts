// The dev stack as processes: killing whatever started it (even with SIGKILL) leaves no dev server, guard or
// worker behind holding ports, and a port already in use is named with its holder before anything starts.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stackEnv } from './support/stack';

const ROOT = join(import.meta.dirname, '..');
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

async function lifecycleEnv() {
  const { env, ports } = await stackEnv('life');
  return { env, ports: Object.values(ports) };
}

function launch(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const run = { child, output: '' };
  child.stdout.on('data', (chunk) => (run.output += chunk));
  child.stderr.on('data', (chunk) => (run.output += chunk));
  return run;
}

async function until(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (Date.now() > deadline) throw new Error(what());
  }
}

/** Every live process below `pid`, with its command line, from /proc. */
function descendants(pid: number): { pid: number; command: string }[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const ppid = Number(
        readFileSync(`/proc/${entry}/stat`, 'utf8')
          .replace(/^.*\) /s, '')
          .split(' ')[1],
      );
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: { pid: number; command: string }[] = [];
  for (const queue = [...(children.get(pid) ?? [])]; queue.length;) {
    const next = queue.shift()!;
    found.push({ pid: next, command: readFileSync(`/proc/${next}/cmdline`, 'utf8').split('\0').join(' ') });
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function expectAllGone(processes: { pid: number; command: string }[], ports: number[]): Promise<void> {
  await until(
    () => processes.every((p) => !alive(p.pid)),
    10_000,
    () => `still running: ${JSON.stringify(processes.filter((p) => alive(p.pid)))}`,
  );
  for (const port of ports) expect(await portFree(port)).toBe(true);
}

describe.runIf(process.platform === 'linux')('dev stack lifecycle', () => {
  it('stops the dev server, its guard and the worker when the process that started the stack is SIGKILLed', async () => {
    const { env, ports } = await lifecycleEnv();
    const top = launch([join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'dev/stack.ts'], env); // as `npm start` runs it
    await until(
      () => top.output.includes('Breachline is running'),
      90_000,
      () => `the stack did not come up:\n${top.output}`,
    );
    const below = descendants(top.child.pid!);
    expect(below.some((p) => p.command.includes('guard.mjs'))).toBe(true);
    expect(below.some((p) => p.command.includes('start-dev'))).toBe(true);
    top.child.kill('SIGKILL');
    await expectAllGone(below, ports);
  }, 150_000);

  it('stops the dev server when the stack process itself is SIGKILLed, through the guard', async () => {
    const { env, ports } = await lifecycleEnv();
    const stack = launch(['--import', 'tsx', 'dev/stack.ts'], env);
    await until(
      () => stack.output.includes('Breachline is running'),
      90_000,
      () => `the stack did not come up:\n${stack.output}`,
    );
    const below = descendants(stack.child.pid!);
    expect(below.map((p) => p.command).join('\n')).toMatch(/guard\.mjs[^\n]*start-dev/);
    stack.child.kill('SIGKILL');
    await expectAllGone(below, ports);
  }, 150_000);

  it('names a busy port and the process holding it, and exits 2 before starting anything', async () => {
    const { env, ports } = await lifecycleEnv();
    const holder: Server = await new Promise((resolve) => {
      const server = createServer().listen(Number(env.BREACHLINE_SINK_PORT), '127.0.0.1', () => resolve(server));
    });
    try {
      const stack = launch(['--import', 'tsx', 'dev/stack.ts'], env);
      const code = await new Promise<number | null>((resolve) => stack.child.once('exit', resolve));
      expect(code).toBe(2);
      expect(stack.output).toContain(`port ${env.BREACHLINE_SINK_PORT} (the mail sink) is in use by pid ${process.pid}: ${process.execPath}`);
      expect(stack.output).toContain('set BREACHLINE_SINK_PORT to another port');
      expect(existsSync(join(env.BREACHLINE_DATA_DIR!, 'temporal.sqlite'))).toBe(false);
      expect(await portFree(ports[0]!)).toBe(true);
    } finally {
      holder.close();
    }
  }, 60_000);
});
