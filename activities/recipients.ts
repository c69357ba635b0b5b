// Importing affected people into the store, streaming: CSV or JSON Lines, each row checked by zod, invalid rows
// reported with their line and reason without stopping the valid ones, duplicates (same person id or e-mail)
// merged and counted. Memory stays bounded: rows go to the store in batches as they are read.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { DataCategory, fieldErrors } from '../workflows/domain/facts';
import type { PostalRow, Store } from './store';

export const Locale = z.enum(['ja', 'en']);
export type Locale = z.infer<typeof Locale>;

/** One affected person, as an import row. Person-level data: it lives in the store and nowhere else. */
export const RecipientRow = z
  .strictObject({
    id: z.string().trim().min(1).max(128).describe("the company's own id for the person"),
    name: z.string().trim().min(1).max(200),
    email: z.email().max(254).optional(),
    postalAddress: z.string().trim().min(1).max(500).optional(),
    locale: Locale.default('ja'),
    dataCategories: z.array(DataCategory).default([]).describe("the data this person lost"),
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
    dataCategories: categories ? categories.split(/[;|]/).map((c) => c.trim()).filter(Boolean) : undefined,
    ...Object.fromEntries(extra.map((k) => [k, record[k]])),
  };
}

function clean(value: unknown): unknown {
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined));
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
        yield { line, error: `malformed JSON: ${(error as Error).message}` };
      }
    }
    return;
  }
  const skipped: { line: number; error: string }[] = [];
  const parser = input.pipe(parse({ columns: true, bom: true, skip_empty_lines: true, trim: true, info: true, skip_records_with_error: true, relax_quotes: false }));
  parser.on('skip', (error: Error & { lines?: number }) => skipped.push({ line: error.lines ?? 0, error: error.message }));
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    while (skipped.length) yield skipped.shift()!;
    yield { line: info.lines, value: fromCsv(record) };
  }
  while (skipped.length) yield skipped.shift()!;
}

/** Imports people for a breach; `onProgress` is called after each batch with the rows read so far. */
export async function importRecipients(store: Store, breachId: string, input: Readable, format: ImportFormat, onProgress?: (report: ImportReport) => void): Promise<ImportReport> {
  const report: ImportReport = { rows: 0, imported: 0, merged: 0, invalid: 0, errors: [] };
  const fail = (line: number, reason: string) => {
    report.invalid++;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, reason });
  };
  let batch: RecipientRow[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const { inserted, merged } = await store.addRecipients(breachId, batch.map((row) => ({ ...row, priority: priorityOf(row) })));
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
    const parsed = RecipientRow.safeParse(format === 'csv' ? clean(row.value) : row.value);
    if (!parsed.success) {
      fail(row.line, fieldErrors(parsed.error).map((e) => `${e.field}: ${e.message}`).join('; '));
      continue;
    }
    batch.push(parsed.data);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  report.errors.sort((a, b) => a.line - b.line); // the CSV parser reports skipped lines ahead of the rows around them
  return report;
}

/** The postal list as CSV for a print vendor: people without e-mail, and people whose mail bounced. */
export function postalListCsv(rows: PostalRow[]): string {
  return stringify(
    rows.map((r) => [r.person_id, r.name, r.postal_address ?? '', r.locale, r.reason, r.smtp_response ?? '', r.campaign_id]),
    { header: true, columns: ['person_id', 'name', 'postal_address', 'locale', 'reason', 'smtp_response', 'campaign_id'] },
  );
}
