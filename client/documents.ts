// A breach's report or document in the language and format asked for: what the API's report and document routes
// and `breachline report` / `breachline document` answer. Read from the breach's status; PDF through Chromium.
import { z } from 'zod';
import { ppcFiling, ppcHtml, renderDocument } from '../activities/documents';
import { BrowserUnavailable, htmlToPdf } from '../activities/pdf';
import type { BreachStatus } from '../workflows/definitions';
import { InvalidInput } from '../workflows/domain/facts';
import { Lang } from '../workflows/domain/i18n';
import { DOCUMENTS } from '../workflows/domain/narrative';
import { reportMarkdown } from '../workflows/domain/report';

export { BrowserUnavailable };

export const ReportFormat = z.enum(['json', 'md', 'html', 'pdf']);
export const DocumentKind = z.enum(DOCUMENTS);
export const DocumentFormat = z.enum(['json', 'html', 'pdf']);

/**
 * The report options. Without `lang`, JSON and Markdown are what they were before (the workflow's report, in
 * English with the Japanese alongside); with it, JSON is the PPC form's fields in that language. HTML (before: a
 * bare English page) and PDF are the printable A4 form, in English unless `lang` says otherwise.
 */
export const ReportOptions = z.strictObject({ format: ReportFormat.default('json'), lang: Lang.optional() });
export const DocumentOptions = z.strictObject({ format: DocumentFormat.default('json'), lang: Lang.default('ja') });

export interface Rendered {
  contentType: string;
  body: string | Buffer | object;
  /** For a download: the file name. */
  filename?: string;
}

/** No report of that obligation on the breach: the error names those it has. */
export class ReportNotFound extends Error {
  constructor(obligationId: string, status: BreachStatus) {
    super(`no report ${obligationId} on this breach: reports exist for ${status.reports.map((r) => r.obligationId).join(', ') || 'none'}`);
    this.name = 'ReportNotFound';
  }
}

const HTML = 'text/html; charset=utf-8';
const fileName = (breachId: string, what: string, lang: string, ext: string) => `${breachId}-${what.replace(/[^A-Za-z0-9-]+/g, '-')}-${lang}.${ext}`;

export async function renderReport(status: BreachStatus, obligationId: string, options: z.input<typeof ReportOptions>): Promise<Rendered> {
  const { format, lang } = parse(ReportOptions, options, 'report options');
  const report = status.reports.find((r) => r.obligationId === obligationId);
  if (!report) throw new ReportNotFound(obligationId, status);
  if (format === 'md') return { contentType: 'text/markdown; charset=utf-8', body: reportMarkdown(report, status.breachId) };
  if (format === 'json') return { contentType: 'application/json; charset=utf-8', body: lang ? ppcFiling(status, report, lang) : report };
  const html = ppcHtml(ppcFiling(status, report, lang ?? 'en'));
  if (format === 'html') return { contentType: HTML, body: html };
  return { contentType: 'application/pdf', body: await htmlToPdf(html), filename: fileName(status.breachId, obligationId, lang ?? 'en', 'pdf') };
}

export async function renderBreachDocument(status: BreachStatus, document: string, options: z.input<typeof DocumentOptions>): Promise<Rendered> {
  const kind = parse(DocumentKind, document, 'document');
  const { format, lang } = parse(DocumentOptions, options, 'document options');
  const rendered = renderDocument(status, kind, lang);
  if (format === 'json') {
    const { html: _html, ...rest } = rendered;
    return { contentType: 'application/json; charset=utf-8', body: rest };
  }
  if (format === 'html') return { contentType: HTML, body: rendered.html };
  return { contentType: 'application/pdf', body: await htmlToPdf(rendered.html), filename: fileName(status.breachId, kind, lang, 'pdf') };
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidInput(
      what,
      result.error.issues.map((i) => ({ field: i.path.join('.') || what, message: i.message })),
    );
  }
  return result.data;
}
