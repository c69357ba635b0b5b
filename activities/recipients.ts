// Importing affected people into the store, streaming: CSV or JSON Lines, each row checked by zod, invalid rows
// reported with their line and reason without stopping the valid ones, duplicates (same person id or e-mail)
// merged and counted. Memory stays bounded: rows go to the store in batches as they are read. An import is one
// transaction: a file that cannot be read to its end, or a store that fails, leaves nothing of it behind.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { DataCategory, fieldErrors, InvalidInput } from '../workflows/domain/facts';
import { Line, unsafeTextIssues } from '../workflows/domain/text';
import type { Store } from './store';
import type { DeliveryProof, PostalRow } from './store/recipients';

export const Locale = z.enum(['ja', 'en']);
export type Locale = z.infer<typeof Locale>;

/** One affected person, as an import row. Person-level data: it lives in the store and nowhere else. */
export const RecipientRow = z
  .strictObject({
    id: z.string().trim().pipe(Line(128)).describe("the company's own id for the person"),
    name: z.string().trim().pipe(Line(200)),
    email: z.email().max(254).optional(),
    postalAddress: z.string().trim().min(1).max(500).optional(),
    locale: Locale.default('ja'),
    dataCategories: z.array(DataCategory).default([]).describe('the data this person lost'),
  })
  .refine((row) => row.email !== undefined || row.postalAddress !== undefined, { message: 'needs an email or a postalAddress', path: ['email'] });
export type RecipientRow = z.infer<typeof RecipientRow>;

/** Those who lost sensitive or financial data are told first (priority 0), the rest after (1). */
const FIRST = new Set(['sensitive', 'health', 'payment_card', 'bank_credentials', 'credentials', 'government_id']);
export const priorityOf = (row: Pick<RecipientRow, 'dataCategories'>) => (row.dataCategories.some((c) => FIRST.has(c)) ? 0 : 1);

export interface ImportReport {
  rows: number;
  imported: number;
  merged: number;
  invalid: number;
  /** The first 1,000 invalid rows, with their line number in the file and the reason. */
  errors: { line: number; reason: string }[];
}

export type ImportFormat = 'csv' | 'jsonl';
const BATCH = 1000;
const MAX_REPORTED_ERRORS = 1000;
/** Far above any real row: a quote left open stops the read here instead of swallowing the rest of the file. */
const MAX_CSV_RECORD_BYTES = 64 * 1024;

/** CSV headers as people write them: "postal_address" or "postalAddress", categories split on ";" or "|". */
function fromCsv(record: Record<string, string>): unknown {
  const get = (...names: string[]) => {
    for (const name of names) if (record[name] !== undefined && record[name] !== '') return record[name];
    return undefined;
  };
  const categories = get('data_categories', 'dataCategories');
  const extra = Object.keys(record).filter(
    (k) => !['id', 'person_id', 'name', 'email', 'postal_address', 'postalAddress', 'locale', 'data_categories', 'dataCategories'].includes(k),
  );
  return {
    id: get('id', 'person_id'),
    name: get('name'),
    email: get('email'),
    postalAddress: get('postal_address', 'postalAddress'),
    locale: get('locale'),
    dataCategories: categories
      ? categories
          .split(/[;|]/)
          .map((c) => c.trim())
          .filter(Boolean)
      : undefined,
    ...Object.fromEntries(extra.map((k) => [k, record[k]])),
  };
}

function clean(value: unknown): unknown {
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined));
}

/** The line a CSV record starts on: csv-parse counts the line it ends on, and a quoted cell may span lines. */
const startLine = (endLine: number, raw: string) => endLine - lineBreaks(raw.trimStart().replace(/(\r\n|\r|\n)$/, ''));
/** Line breaks as csv-parse counts lines: CRLF, CR and LF are one each. */
const lineBreaks = (text: string) => text.match(/\r\n|\r|\n/g)?.length ?? 0;

const cellCount = (message: string) => {
  const [, header, cells] = /columns length is (\d+), got (\d+)/.exec(message) ?? [];
  return header ? `has ${cells} cells where the header has ${header}` : message.replace(/ on line \d+$/, '');
};

const ID_COLUMNS = ['id', 'person_id'];
/** The header row names the columns; a first row that names neither an id nor a name column is a person, not a header. */
function headerOf(header: string[]): string[] {
  if (!header.some((h) => ID_COLUMNS.includes(h)) || !header.includes('name')) {
    throw new InvalidInput('import', [
      {
        field: 'line 1',
        message: 'the first line must be a header naming the columns (id or person_id, name, and email or postal_address); nothing was imported',
      },
    ]);
  }
  return header;
}

async function* rowsOf(input: Readable, format: ImportFormat): AsyncGenerator<{ line: number; value?: unknown; error?: string }> {
  if (format === 'jsonl') {
    let line = 0;
    for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      line++;
      if (!text.trim()) continue;
      try {
        yield { line, value: JSON.parse(text) };
      } catch (error) {
        // V8 quotes the line itself in its message: the report names the line, and carries none of its data.
        yield { line, error: `malformed JSON: ${(error as Error).message.replace(/,? "[\s\S]*"(\.\.\.)? is not valid JSON$/, '')}` };
      }
    }
    return;
  }
  // A record with too many or too few cells is still one record: reported, and the read goes on. Any other
  // parse error (a quote never closed, or closed rows later) leaves the rows after it unknowable: the import stops.
  const parser = input.pipe(
    parse({
      columns: headerOf,
      bom: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      raw: true,
      relax_column_count: true,
      relax_quotes: true,
      max_record_size: MAX_CSV_RECORD_BYTES,
    }),
  );
  // csv-parse counts a CRLF inside a quoted cell as two lines, so its line numbers drift after one: subtract them.
  let drift = 0;
  try {
    for await (const { record, info, raw } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number; error?: Error };
      raw: string;
    }>) {
      const body = raw.trimStart().replace(/(\r\n|\r|\n)$/, '');
      drift += body.match(/\r\n/g)?.length ?? 0;
      const line = startLine(info.lines - drift, raw);
      const spans = lineBreaks(body);
      if (info.error) yield { line, error: cellCount(info.error.message) };
      // A quote opened in one row and closed rows later makes those rows one cell: refused, never silently merged.
      else if (spans > 0)
        yield {
          line,
          error: `a quoted cell runs from line ${line} to line ${line + spans} (a quote opened here closes ${spans} line(s) later); put each cell on one line`,
        };
      else yield { line, value: fromCsv(record) };
    }
  } catch (error) {
    if (error instanceof InvalidInput) throw error;
    const { lines, raw, code } = error as Error & { lines?: number; raw?: string; code?: string };
    // csv-parse's messages quote the cells they stopped at: the reason names the line and the fault, never a cell.
    if (lines === undefined) throw error;
    const line = startLine(lines, raw ?? '');
    const reason =
      code === 'CSV_QUOTE_NOT_CLOSED' || code === 'CSV_MAX_RECORD_SIZE'
        ? 'a quoted cell that starts on this row is never closed, so every row after it would be lost'
        : code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE' || code === 'CSV_INVALID_CLOSING_QUOTE'
          ? 'a quoted cell that starts on this row ends in text after its closing quote (a stray quote?), so the rows it spans cannot be told apart'
          : `the file cannot be read past this row (${code})`;
    throw new InvalidInput('import', [{ field: `line ${line}`, message: `${reason}; nothing was imported` }]);
  }
}

/**
 * Imports people for a breach, all or nothing; `onProgress` is called after each batch with the rows read so far.
 * Throws InvalidInput naming the line when the file cannot be read to its end.
 */
export function importRecipients(
  store: Store,
  breachId: string,
  input: Readable,
  format: ImportFormat,
  onProgress?: (report: ImportReport) => void,
): Promise<ImportReport> {
  return store.transaction((tx) => importInto(tx, breachId, input, format, onProgress));
}

async function importInto(
  store: Store,
  breachId: string,
  input: Readable,
  format: ImportFormat,
  onProgress?: (report: ImportReport) => void,
): Promise<ImportReport> {
  const report: ImportReport = { rows: 0, imported: 0, merged: 0, invalid: 0, errors: [] };
  const fail = (line: number, reason: string) => {
    report.invalid++;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, reason });
  };
  let batch: { row: RecipientRow; line: number }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const lines = `${batch[0]!.line}–${batch.at(-1)!.line}`;
    // No `cause`: the driver's error carries the rows it was given (PGlite `params`), and errors get logged.
    const { inserted, merged } = await store.recipients
      .add(
        breachId,
        batch.map(({ row }) => ({ ...row, priority: priorityOf(row) })),
      )
      .catch((error: Error & { code?: string }) => {
        throw new Error(
          `the store failed while storing lines ${lines}, so nothing of this import was kept: ${error.message}${error.code ? ` (SQLSTATE ${error.code})` : ''}`,
        );
      });
    report.imported += inserted;
    report.merged += merged;
    batch = [];
    onProgress?.(report);
  };
  for await (const row of rowsOf(input, format)) {
    report.rows++;
    if (row.error !== undefined) {
      fail(row.line, row.error);
      continue;
    }
    const value = format === 'csv' ? clean(row.value) : row.value;
    const unsafe = unsafeTextIssues(value);
    if (unsafe.length) {
      fail(row.line, unsafe.map((e) => `${e.field}: ${e.message}`).join('; '));
      continue;
    }
    const parsed = RecipientRow.safeParse(value);
    if (!parsed.success) {
      fail(
        row.line,
        fieldErrors(parsed.error)
          .map((e) => `${e.field}: ${e.message}`)
          .join('; '),
      );
      continue;
    }
    batch.push({ row: parsed.data, line: row.line });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return report;
}

/**
 * The postal list as CSV for a print vendor: people without e-mail, and people whose mail bounced. Cells that a
 * spreadsheet would run as a formula (= + - @, tab, CR) get a leading quote, as OWASP's CSV Injection page advises.
 */
/** The proof of delivery as CSV, page by page: one row per person, the server's reply line and its time. */
export async function* deliveryProofCsv(pages: AsyncIterable<DeliveryProof[]>): AsyncGenerator<string> {
  const columns = ['person_id', 'wave', 'outcome', 'attempts', 'message_id', 'smtp_response', 'at'];
  let header = true;
  for await (const page of pages) {
    yield stringify(
      page.map((r) => [r.person_id, r.wave, r.status, r.attempts, r.message_id ?? '', r.smtp_response ?? '', r.updated_at]),
      { header, columns, escape_formulas: true },
    );
    header = false;
  }
  if (header) yield stringify([], { header: true, columns });
}

/** Every page of a campaign's deliveries, in person order. */
export async function* deliveryProofPages(store: Store, campaignId: string, wave?: number, pageSize = 5000): AsyncGenerator<DeliveryProof[]> {
  let after: string | undefined;
  for (;;) {
    const page = await store.recipients.deliveryProofs(campaignId, { wave, after, limit: pageSize });
    if (page.length) yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.person_id;
  }
}

export function postalListCsv(rows: PostalRow[]): string {
  return stringify(
    rows.map((r) => [r.person_id, r.name, r.postal_address ?? '', r.locale, r.reason, r.smtp_response ?? '', r.campaign_id]),
    { header: true, columns: ['person_id', 'name', 'postal_address', 'locale', 'reason', 'smtp_response', 'campaign_id'], escape_formulas: true },
  );
}
