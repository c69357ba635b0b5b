// The README's pictures of the PPC report, rendered from the synthetic Japanese breach the tests use, by the same
// code and the same Chromium that make the PDF: `npx tsx dev/docs-screenshots.ts` writes docs/ppc-report-{ja,en}.png.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ppcFiling, ppcHtml } from '../activities/documents';
import { htmlToPng } from '../activities/pdf';
import { status } from '../test/fixtures/ja-breach';

const DOCS = join(import.meta.dirname, '..', 'docs');
const breach = status();
const report = breach.reports.find((r) => r.obligationId === 'JP-APPI/ppc-final')!;
for (const lang of ['ja', 'en'] as const) {
  const png = await htmlToPng(ppcHtml(ppcFiling(breach, report, lang, Date.parse('2026-11-30T01:00:00Z'))));
  writeFileSync(join(DOCS, `ppc-report-${lang}.png`), png);
  console.log(`docs/ppc-report-${lang}.png: ${png.length} bytes`);
}
