import { once } from 'node:events';
import { createReadStream, createWriteStream, statSync, writeFileSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import { deliveryProofCsv, deliveryProofPages, importRecipients, postalListCsv } from '../../activities/recipients';
import { InvalidInput, parseOrExplain } from '../../workflows/domain/facts';
import { print, withStore } from './common';

export function addRecipients(program: Command): void {
  const recipients = program.command('recipients').description('affected people, kept in the store (never in workflow history)');
  recipients
    .command('import <breachId> <file>')
    .description(
      'import people from a CSV or JSON Lines file, streaming, with a progress bar; invalid rows are reported by line; a file that cannot be read to its end imports nothing',
    )
    .option('--format <format>', 'csv or jsonl (default: from the file name)')
    .option('--json', 'print the report as JSON')
    .action(async (breachId: string, file: string, options: { format?: string; json?: boolean }) => {
      const format = parseOrExplain(z.enum(['csv', 'jsonl']), options.format ?? (/\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'csv'), 'import format');
      let size: number;
      try {
        size = statSync(file).size;
      } catch (error) {
        throw new InvalidInput('import', [{ field: file, message: `cannot read: ${(error as Error).message}` }]);
      }
      const report = await withStore(async (store) => {
        const input = createReadStream(file);
        const bar = process.stderr.isTTY
          ? new SingleBar({ format: 'importing {bar} {percentage}% | {rows} rows, {imported} new, {merged} merged, {invalid} invalid' }, Presets.shades_classic)
          : undefined;
        bar?.start(size, 0, { rows: 0, imported: 0, merged: 0, invalid: 0 });
        try {
          const result = await importRecipients(store, breachId, input, format, (progress) => bar?.update(input.bytesRead, { ...progress }));
          bar?.update(size, { ...result });
          return result;
        } finally {
          bar?.stop();
        }
      });
      print(report, options.json, () =>
        [
          `${report.rows} rows: ${report.imported} imported, ${report.merged} merged as duplicates, ${report.invalid} invalid`,
          ...report.errors.slice(0, 20).map((e) => `  line ${e.line}: ${e.reason}`),
          ...(report.errors.length > 20 ? [`  … ${report.invalid - 20} more (use --json for the first 1,000)`] : []),
        ].join('\n'),
      );
    });
  recipients
    .command('postal-list <breachId>')
    .description('write the postal list (no e-mail, or bounced) as CSV for a print vendor; people with no postal address are counted, not listed')
    .option('--out <file>', 'write here instead of stdout')
    .action(async (breachId: string, options: { out?: string }) => {
      const { rows, unreachable } = await withStore(async (store) => ({
        rows: await store.recipients.postalList(breachId),
        unreachable: await store.recipients.unreachable(breachId),
      }));
      const csv = postalListCsv(rows);
      if (options.out) {
        writeFileSync(options.out, csv);
        console.error(`${rows.length} people written to ${options.out}`);
      } else process.stdout.write(csv);
      if (unreachable.noPostalAddress > 0) {
        console.error(
          `${unreachable.noPostalAddress} more people have no working e-mail and no postal address, so are not on the list: reach them another way (APPI Art. 26(2): e.g. a public notice)`,
        );
      }
    });
  recipients
    .command('deliveries <breachId> <campaign>')
    .description(
      "proof of delivery as CSV: per person (by id) the outcome, the SMTP server's reply line with its queue id, and its time; each wave's counts by outcome on stderr",
    )
    .option('--wave <n>', 'one wave only')
    .option('--out <file>', 'write here instead of stdout')
    .action(async (breachId: string, campaign: string, options: { wave?: string; out?: string }) => {
      const wave = options.wave === undefined ? undefined : parseOrExplain(z.coerce.number().int().min(1), options.wave, 'wave');
      const campaignId = `${breachId}/${campaign}`;
      const counts = await withStore(async (store) => {
        const out = options.out ? createWriteStream(options.out) : process.stdout;
        for await (const chunk of deliveryProofCsv(deliveryProofPages(store, campaignId, wave))) if (!out.write(chunk)) await once(out, 'drain');
        if (options.out) await new Promise((resolve) => (out as ReturnType<typeof createWriteStream>).end(resolve));
        return store.recipients.deliveryCounts(campaignId);
      });
      for (const [n, byOutcome] of Object.entries(counts))
        if (!wave || Number(n) === wave)
          console.error(
            `wave ${n}: ${Object.entries(byOutcome)
              .map(([outcome, count]) => `${outcome} ${count}`)
              .join(', ')}`,
          );
    });
}
