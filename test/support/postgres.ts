// A throwaway PostgreSQL server for the store's production path: BREACHLINE_TEST_POSTGRES_URL when set,
// else a fresh cluster from the machine's PostgreSQL binaries (Debian's postgresql package), on loopback.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports';

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, 'bin'))
    .find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

export const postgresAvailable = Boolean(process.env.BREACHLINE_TEST_POSTGRES_URL || binDir());

export interface Postgres {
  url: string;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<Postgres> {
  if (process.env.BREACHLINE_TEST_POSTGRES_URL) return { url: process.env.BREACHLINE_TEST_POSTGRES_URL, stop: () => Promise.resolve() };
  const bin = binDir();
  if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql; install postgresql or set BREACHLINE_TEST_POSTGRES_URL');
  const dir = mkdtempSync(join(tmpdir(), 'breachline-pg-'));
  // PostgreSQL refuses to run as root: run it as the postgres user when we are root.
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asUser.length) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const run = (command: string, args: string[]) =>
    (asUser.length ? [asUser[0]!, [...asUser.slice(1), command, ...args]] : [command, args]) as [string, string[]];
  execFileSync(...run(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'breachline', '--no-sync']), { stdio: 'ignore' });
  const port = await freePort();
  const server: ChildProcess = spawn(...run(join(bin, 'postgres'), ['-D', join(dir, 'data'), '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-F']), {
    stdio: 'ignore',
  });
  const url = `postgres://breachline@127.0.0.1:${port}/postgres`;
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    async stop() {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      execFileSync(...run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']), { stdio: 'ignore' });
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The store's two engines for a `describe.each`: the embedded default, and a throwaway PostgreSQL server started for
 * the file (skipped where the machine has none). Call at a test file's top level: it registers the server's hooks.
 */
export function storeEngines() {
  let postgres: Postgres | undefined;
  beforeAll(async () => {
    if (postgresAvailable) postgres = await startPostgres();
  });
  afterAll(async () => postgres?.stop());
  return [
    ['PGlite (embedded default)', () => 'pglite:memory'],
    ['PostgreSQL (production)', () => postgres!.url],
  ] as const;
}
