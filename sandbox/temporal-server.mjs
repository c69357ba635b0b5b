#!/usr/bin/env node
// A production Temporal server (not the dev server) and its schema tool, built from the Go module proxy and cached in
// .tools/temporal-server-<version>/bin. Plain Node, no dependencies: it runs on a fresh clone, before `npm ci`.
// Rebuilt only when a binary is missing. The build takes minutes and about 2.6 GB at link time, so concurrent callers
// wait on one lock instead of building twice.
//   node sandbox/temporal-server.mjs          -> builds if missing, prints the two paths
// Overrides: TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH (both, pointing at existing binaries).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutable, TOOLS_DIR, ToolchainError } from './toolchain.mjs';

/** Pinned: the server release the production test and README are written against. */
export const TEMPORAL_SERVER = { module: 'go.temporal.io/server', version: '1.32.1' };

const dir = join(TOOLS_DIR, `temporal-server-${TEMPORAL_SERVER.version}`);
const binaries = { server: join(dir, 'bin', 'temporal-server'), sqlTool: join(dir, 'bin', 'temporal-sql-tool') };

/** The two binaries if present, without building. */
export function locateServer() {
  if (process.env.TEMPORAL_SERVER_PATH || process.env.TEMPORAL_SQL_TOOL_PATH) {
    const found = { server: process.env.TEMPORAL_SERVER_PATH, sqlTool: process.env.TEMPORAL_SQL_TOOL_PATH };
    for (const [name, path] of Object.entries(found)) {
      if (!path || !isExecutable(path))
        throw new ToolchainError(`TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH must both name executables (${name} is ${path ?? 'unset'}).`);
    }
    return found;
  }
  return isExecutable(binaries.server) && isExecutable(binaries.sqlTool) ? binaries : undefined;
}

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', ...options });
  if (result.status !== 0) {
    const tail = (result.stderr || result.error?.message || `exit ${result.status}`).trim().split('\n').slice(-5).join(' | ');
    throw new ToolchainError(`\`${command} ${args.join(' ')}\` failed: ${tail}`);
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** One builder at a time across processes: a lock directory, taken over when older than the slowest build. */
function withLock(body) {
  mkdirSync(TOOLS_DIR, { recursive: true });
  const lock = `${dir}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // the holder just released it
      }
      sleep(5_000);
    }
  }
  try {
    return body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Finds the binaries or builds them with the Go toolchain (`go` on PATH); throws one clear sentence when neither works.
 * @param {(line: string) => void} [log]
 */
export function ensureServer(log = (line) => void process.stderr.write(`${line}\n`)) {
  const found = locateServer();
  if (found) return found;
  return withLock(() => {
    const again = locateServer();
    if (again) return again;
    if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
      throw new ToolchainError(`Go is not installed: install Go 1.26 or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH.`);
    }
    const started = Date.now();
    log(`breachline: building temporal-server ${TEMPORAL_SERVER.version} and temporal-sql-tool from the Go module proxy (several minutes) ...`);
    const scratch = mkdtempSync(join(TOOLS_DIR, '.build-temporal-server-'));
    try {
      const env = { ...process.env, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' };
      run('go', ['mod', 'init', 'breachline.local/temporal-server'], { cwd: scratch, env });
      const server = `${TEMPORAL_SERVER.module}/cmd/server@v${TEMPORAL_SERVER.version}`;
      const sqlTool = `${TEMPORAL_SERVER.module}/cmd/tools/sql@v${TEMPORAL_SERVER.version}`;
      run('go', ['get', server, sqlTool], { cwd: scratch, env });
      const out = join(scratch, 'bin');
      run('go', ['build', '-o', join(out, 'temporal-server'), `${TEMPORAL_SERVER.module}/cmd/server`], { cwd: scratch, env });
      run('go', ['build', '-o', join(out, 'temporal-sql-tool'), `${TEMPORAL_SERVER.module}/cmd/tools/sql`], { cwd: scratch, env });
      writeFileSync(join(out, 'VERSION'), `${TEMPORAL_SERVER.module} v${TEMPORAL_SERVER.version}\n`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      renameSync(out, join(dir, 'bin'));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    log(`breachline: built temporal-server ${TEMPORAL_SERVER.version} in ${Math.round((Date.now() - started) / 1000)} s into ${dir}`);
    return binaries;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { server, sqlTool } = ensureServer();
    console.log(`${server}\n${sqlTool}`);
  } catch (error) {
    if (error instanceof ToolchainError) {
      console.error(`breachline: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
