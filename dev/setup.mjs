#!/usr/bin/env node
// Idempotent install step in front of `npm start` and `npm test`: node modules from the lockfile, then the
// Temporal binaries that the chosen command needs. Plain Node, no dependencies: it runs on a fresh clone.
//   node dev/setup.mjs start   -> the dev server's CLI (unless TEMPORAL_ADDRESS points at a server)
//   node dev/setup.mjs test    -> the CLI (unless TEMPORAL_ADDRESS), the time-skipping test server, and the
//                                 production Temporal server built from Go (sandbox/temporal-server.mjs; about
//                                 4 minutes on 2 cores the first time, then cached in .tools/)
// and for both, Debian's chromium and fonts-noto-cjk (PDFs, browser tests; poppler-utils for the tests).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrowserSetupError, ensureChromium } from '../sandbox/browser.mjs';
import { ensureServer } from '../sandbox/temporal-server.mjs';
import { ensure, ROOT, TEMPORAL_CLI, TEST_SERVER, ToolchainError, version } from '../sandbox/toolchain.mjs';

const purpose = process.argv[2];
if (purpose !== 'start' && purpose !== 'test') {
  console.error('usage: node dev/setup.mjs start|test');
  process.exit(2);
}

function ensureNodeModules() {
  const lock = readFileSync(join(ROOT, 'package-lock.json'));
  const digest = createHash('sha256').update(lock).digest('hex');
  const stamp = join(ROOT, 'node_modules', '.breachline-lock.sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  console.error('breachline: installing node modules from package-lock.json (npm ci) ...');
  const run = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error('breachline: `npm ci` failed; see the lines above.');
    process.exit(run.status ?? 1);
  }
  writeFileSync(stamp, digest);
}

try {
  ensureNodeModules();
  const needed = [];
  if (!process.env.TEMPORAL_ADDRESS) needed.push(TEMPORAL_CLI);
  if (purpose === 'test') needed.push(TEST_SERVER);
  for (const tool of needed) {
    const { path, source } = ensure(tool);
    if (process.env.BREACHLINE_VERBOSE) console.error(`breachline: ${tool.binary} from ${source}: ${path} (${version(path)})`);
  }
  // The tests run Breachline on a production Temporal server too (PostgreSQL, mutual TLS): built once from Go.
  if (purpose === 'test') ensureServer();
  // Chromium and a CJK font: the PPC report's PDF, the dashboard's browser tests. The tests need them; a server
  // without them still runs, and answers a PDF request with 503 naming what to install.
  try {
    ensureChromium({ forTests: purpose === 'test' });
  } catch (error) {
    if (!(error instanceof BrowserSetupError) || purpose === 'test') throw error;
    console.error(`breachline: warning: ${error.message}; PDFs will not be available`);
  }
} catch (error) {
  if (error instanceof ToolchainError || error instanceof BrowserSetupError) {
    console.error(`breachline: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
