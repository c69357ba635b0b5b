// Debian's Chromium and a CJK font for the browser tests and for printing documents to PDF: found, or installed with
// apt-get when missing (as root, or through passwordless sudo). Without fonts-noto-cjk, Chromium draws Japanese as
// empty boxes, so the font is part of the browser here. Plain Node, no dependencies: dev/setup.mjs runs it on a fresh clone.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Chromium or its font is missing and could not be installed: the message says what to install by hand. */
export class BrowserMissing extends Error {}

/** Debian packages and how to tell each is there. */
const PACKAGES = [
  { name: 'chromium', present: (path) => existsSync(path) },
  { name: 'fonts-noto-cjk', present: () => hasJapaneseFont() },
];

/** A font that covers Japanese, as fontconfig (which Chromium asks) sees it. */
export function hasJapaneseFont() {
  const run = spawnSync('fc-list', [':lang=ja', 'family'], { encoding: 'utf8' });
  return run.status === 0 && run.stdout.trim().length > 0;
}

/**
 * The Chromium executable (BREACHLINE_CHROMIUM_PATH or /usr/bin/chromium), with a Japanese font installed; each
 * missing package is installed once with apt-get. Throws with what to install by hand when that is not possible.
 * @returns {string}
 */
export function ensureChromium() {
  const path = process.env.BREACHLINE_CHROMIUM_PATH ?? '/usr/bin/chromium';
  const missing = PACKAGES.filter((p) => !p.present(path)).map((p) => p.name);
  if (missing.length === 0) return path;
  const root = process.getuid?.() === 0;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...args) =>
    root ? spawnSync('apt-get', args, { stdio: 'inherit', env }) : spawnSync('sudo', ['-n', 'apt-get', ...args], { stdio: 'inherit', env });
  console.error(`breachline: installing ${missing.join(' and ')} with apt-get (browser tests and PDF printing need them) ...`);
  const installed = apt('update', '-qq').status === 0 && apt('install', '-y', '-qq', '--no-install-recommends', ...missing).status === 0;
  const still = PACKAGES.filter((p) => !p.present(path)).map((p) => p.name);
  if (!installed || still.length) {
    throw new BrowserMissing(
      `${still.join(' and ') || missing.join(' and ')} missing and apt-get could not install ${still.length > 1 ? 'them' : 'it'}: install the Debian package(s) ${missing.join(', ')}${existsSync(path) ? '' : ', or set BREACHLINE_CHROMIUM_PATH'}.`,
    );
  }
  return path;
}
