// Print to PDF with Debian's Chromium, headless, through playwright-core: the same engine that renders the HTML the
// operator previews, so the PDF is that page on A4. The page loads nothing from the network and runs no script.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where Chromium is: BREACHLINE_CHROMIUM_PATH, or Debian's package (installed by `node dev/setup.mjs`). */
export const chromiumPath = () => process.env.BREACHLINE_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a headless browser that talks to nothing but us. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium is missing: the PDF cannot be made (the HTML still can). */
export class BrowserUnavailable extends Error {
  constructor(path: string) {
    super(`Chromium is not at ${path}: run \`node dev/setup.mjs start\` (installs Debian's chromium and fonts-noto-cjk) or set BREACHLINE_CHROMIUM_PATH`);
    this.name = 'BrowserUnavailable';
  }
}

export async function launchChromium(): Promise<Browser> {
  const path = chromiumPath();
  if (!existsSync(path)) throw new BrowserUnavailable(path);
  return chromium.launch({ executablePath: path, args: CHROMIUM_FLAGS, headless: true });
}

/** A self-contained HTML page → an A4 PDF (the page's own @page rules win). */
export async function htmlToPdf(html: string): Promise<Buffer> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    const page = await context.newPage();
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    await browser.close();
  }
}

/** A screenshot of the page as it prints (A4 width at 96 dpi), for documentation. */
export async function htmlToPng(html: string, width = 794): Promise<Buffer> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true, viewport: { width, height: 1123 } });
    const page = await context.newPage();
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    return await page.screenshot({ fullPage: true });
  } finally {
    await browser.close();
  }
}
