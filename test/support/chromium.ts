// Debian's Chromium for the browser test: found at BREACHLINE_CHROMIUM_PATH or /usr/bin/chromium, and installed
// with apt when missing (as root, or through passwordless sudo), so `npm test` stays one command.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function ensureChromium(): string {
  const path = process.env.BREACHLINE_CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return path;
  const root = process.getuid?.() === 0;
  const apt = (...args: string[]) =>
    root ? spawnSync('apt-get', args, { stdio: 'inherit' }) : spawnSync('sudo', ['-n', 'apt-get', ...args], { stdio: 'inherit' });
  console.error(`breachline: ${path} is missing; installing Debian's chromium with apt-get ...`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  Object.assign(process.env, env);
  if (apt('update', '-qq').status !== 0 || apt('install', '-y', '-qq', '--no-install-recommends', 'chromium').status !== 0 || !existsSync(path)) {
    throw new Error(`Chromium is not at ${path} and apt-get could not install it: install the Debian package "chromium" or set BREACHLINE_CHROMIUM_PATH.`);
  }
  return path;
}
