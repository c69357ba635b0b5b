// `breachline report` and `breachline document`: a breach's report to a regulator, or one of its documents, in
// Japanese or English, as JSON, HTML or PDF: to stdout, or to a file with --out.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidInput, parseOrExplain } from '../../workflows/domain/facts';
import { DocumentKind, DocumentOptions, type Rendered, renderBreachDocument, renderReport, ReportNotFound, ReportOptions } from '../documents';
import { breaches } from './common';

interface Options {
  lang?: string;
  format?: string;
  out?: string;
}

function emit(rendered: Rendered, out: string | undefined): void {
  const body = typeof rendered.body === 'string' || Buffer.isBuffer(rendered.body) ? rendered.body : `${JSON.stringify(rendered.body, null, 2)}\n`;
  if (out) {
    writeFileSync(out, body);
    console.error(`written to ${out}`);
  } else process.stdout.write(body);
}

export function addReport(program: Command): void {
  program
    .command('report <breachId> <obligationId>')
    .description("a report to a regulator (e.g. JP-APPI/ppc-final), filled from the breach's record: the online form's fields (json), or printable (html, pdf)")
    .option('--lang <lang>', 'ja or en (JSON without it: the report as the workflow holds it)', process.env.LANG?.startsWith('ja') ? 'ja' : undefined)
    .option('--format <format>', 'json, md, html or pdf', 'json')
    .option('--out <file>', 'write to this file instead of stdout (a PDF to a terminal is not useful)')
    .action(async (breachId: string, obligationId: string, own: Options, command: Command) => {
      // `--lang` is also the program's own option (the tables' language): commander gives it to the program.
      const options = command.optsWithGlobals<Options>();
      const chosen = parseOrExplain(ReportOptions, { format: options.format, lang: options.lang ?? own.lang }, 'report options');
      const status = await (await breaches()).status(breachId);
      const rendered = await renderReport(status, obligationId, chosen).catch((error: Error) => {
        throw error instanceof ReportNotFound ? new InvalidInput('report', [{ field: 'obligationId', message: error.message }]) : error;
      });
      emit(rendered, options.out);
    });
  program
    .command('document <breachId> <document>')
    .description('a document drafted from the breach: notice, announcement, partner-apology or press-release; json lists its empty required fields')
    .option('--lang <lang>', 'ja or en', process.env.LANG?.startsWith('en') ? 'en' : 'ja')
    .option('--format <format>', 'json, html or pdf', 'json')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (breachId: string, document: string, own: Options, command: Command) => {
      const options = command.optsWithGlobals<Options>();
      const chosen = parseOrExplain(DocumentOptions, { format: options.format, lang: options.lang ?? own.lang }, 'document options');
      parseOrExplain(DocumentKind, document, 'document');
      const status = await (await breaches()).status(breachId);
      emit(await renderBreachDocument(status, document, chosen), options.out);
    });
}
