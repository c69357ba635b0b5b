// One process at a time on an embedded store: real processes, a real directory, the real CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, StoreInUse } from '../activities/store';
import { EXIT } from '../client/cli';
import { breachline } from './support/cli';

const ROOT = join(import.meta.dirname, '..');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Another process holding the store, as `npm start` does; resolves once it has it. */
async function holdInChild(storeUrl: string, lockStaleMs?: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/support/hold-store.ts'), storeUrl, ...(lockStaleMs ? [String(lockStaleMs)] : [])],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  await Promise.race([
    new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('held') && resolve())),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`the holding process exited with ${code}`))),
  ]);
  return child;
}

const storeDir = () => join(mkdtempSync(join(tmpdir(), 'breachline-lock-')), 'store');

describe('embedded store lock', () => {
  it('refuses the CLI a store another process holds, with a message saying what to do, and lets it in once closed', async () => {
    const dir = storeDir();
    const store = await openStore(`pglite:${dir}`);
    await store.tokens.insert('hash-before', 'before', ['manager']);

    const refused = await breachline(['token', 'issue', '--name', 'alice@example.test', '--role', 'operator'], { BREACHLINE_STORE_URL: `pglite:${dir}` });
    expect(refused.code).not.toBe(EXIT.ok);
    expect(refused.stderr).toContain(
      `the embedded store at ${dir} is in use by another Breachline process (npm start?): stop it, or use the HTTP API / a PostgreSQL store`,
    );
    expect(refused.stdout).toBe('');
    expect((await store.tokens.all()).map((t) => t.name)).toEqual(['before']); // nothing written, nothing lost
    await store.close();

    const issued = await breachline(['token', 'issue', '--name', 'alice@example.test', '--role', 'operator'], { BREACHLINE_STORE_URL: `pglite:${dir}` });
    expect(issued.code).toBe(EXIT.ok);
    const reopened = await openStore(`pglite:${dir}`);
    expect((await reopened.tokens.all()).map((t) => t.name).sort()).toEqual(['alice@example.test', 'before']);
    await reopened.close();
  }, 60_000);

  it('refuses this process a store another process holds, and takes over a lock its holder left when it died', async () => {
    const dir = storeDir();
    const staleMs = 5000;
    const child = await holdInChild(`pglite:${dir}`, staleMs);
    // A loaded machine may have delayed the holder's refreshes while it started: wait for one, as a live holder makes.
    const mtime = () => statSync(`${dir}.lock`).mtimeMs;
    const before = mtime();
    while (mtime() === before) await new Promise((resolve) => setTimeout(resolve, 100));
    const error = await openStore(`pglite:${dir}`, { lockStaleMs: staleMs }).catch((e) => e);
    expect(error).toBeInstanceOf(StoreInUse);
    expect((error as StoreInUse).message).toContain(dir);

    child.kill('SIGKILL'); // no chance to release: the lock is left behind, and goes stale
    await once(child, 'exit');
    expect(await openStore(`pglite:${dir}`, { lockStaleMs: staleMs }).catch((e) => e)).toBeInstanceOf(StoreInUse); // not stale yet
    await new Promise((resolve) => setTimeout(resolve, staleMs + 500));
    const store = await openStore(`pglite:${dir}`, { lockStaleMs: staleMs });
    expect((await store.tokens.all()).map((t) => t.name)).toEqual(['child']);
    await store.close();
  }, 60_000);

  it('needs no lock for a store in memory', async () => {
    const [a, b] = await Promise.all([openStore('pglite:memory'), openStore('pglite:memory')]);
    await Promise.all([a.close(), b.close()]);
  });
});
