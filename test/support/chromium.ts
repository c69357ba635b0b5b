// Debian's Chromium with a CJK font for the browser tests: sandbox/browser.mjs finds or installs both.
export { ensureChromium } from '../../sandbox/browser.mjs';
