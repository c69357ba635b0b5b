// Debian's Chromium and the fonts it needs to draw Japanese: for the PPC report's PDF (print to PDF), the
// dashboard's browser tests, and the screenshots in the README. Plain Node, no dependencies, idempotent: it installs
// with apt only what is missing (as root, or through passwordless sudo), so a fresh machine and CI get the same.
//   chromium         the browser (BREACHLINE_CHROMIUM_PATH overrides /usr/bin/chromium)
//   fonts-noto-cjk   Noto Sans/Serif CJK: without it Japanese prints as empty boxes
//   poppler-utils    pdftotext/pdfinfo: the tests read the PDF's text back
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.BREACHLINE_CHROMIUM_PATH ?? '/usr/bin/chromium';

export class BrowserSetupError extends Error {}

/** Each Debian package and how to tell it is there without dpkg (a container may have the files only). */
const PACKAGES = [
  { name: 'chromium', present: () => existsSync(CHROMIUM_PATH) },
  { name: 'fonts-noto-cjk', present: () => spawnSync('fc-list', [':lang=ja', 'family'], { encoding: 'utf8' }).stdout?.includes('Noto Sans CJK') ?? false },
  { name: 'poppler-utils', present: () => spawnSync('pdftotext', ['-v']).status === 0 },
];

/**
 * Makes sure Chromium and a CJK font are installed (and, with `forTests`, poppler-utils); installs what is missing
 * with apt-get. Returns Chromium's path; throws BrowserSetupError naming the packages it could not install.
 */
export function ensureChromium({ forTests = false, quiet = false } = {}) {
  const wanted = PACKAGES.filter((p) => forTests || p.name !== 'poppler-utils');
  const missing = wanted.filter((p) => !p.present()).map((p) => p.name);
  if (missing.length === 0) return CHROMIUM_PATH;
  const root = process.getuid?.() === 0;
  const apt = (...args) =>
    spawnSync(root ? 'apt-get' : 'sudo', root ? args : ['-n', 'apt-get', ...args], {
      stdio: quiet ? 'ignore' : 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  if (!quiet) console.error(`breachline: installing ${missing.join(', ')} with apt-get ...`);
  // Another process may hold the dpkg lock (a parallel setup): wait for it rather than fail.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  const ok = apt(...lock, 'update', '-qq').status === 0 && apt(...lock, 'install', '-y', '-qq', '--no-install-recommends', ...missing).status === 0;
  const still = wanted.filter((p) => !p.present()).map((p) => p.name);
  if (!ok || still.length) {
    throw new BrowserSetupError(
      `could not install ${still.join(', ') || missing.join(', ')} with apt-get (run as root or with passwordless sudo, or install the Debian packages yourself; BREACHLINE_CHROMIUM_PATH names another Chromium)`,
    );
  }
  return CHROMIUM_PATH;
}

/** Chromium or its font is missing and could not be installed (the name the dashboard tests use). */
export const BrowserMissing = BrowserSetupError;

/** A font that covers Japanese, as fontconfig (which Chromium asks) sees it. */
export function hasJapaneseFont() {
  const run = spawnSync('fc-list', [':lang=ja', 'family'], { encoding: 'utf8' });
  return run.status === 0 && run.stdout.trim().length > 0;
}
