// Import benchmark: writes an N-row CSV of synthetic people, imports it the way `breachline recipients import`
// does (streaming, batched), and prints rows per second and the process's peak memory, which stays bounded
// however large the file. npm run bench:import -- --rows 1000000 [--store pglite:<dir>|postgres|<url>]
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { importRecipients } from '../activities/recipients';
import { openStore } from '../activities/store';
import { startPostgres } from '../test/support/postgres';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, store: { type: 'string', default: 'postgres' } } });
const rows = Number(values.rows);
const dir = mkdtempSync(join(tmpdir(), 'breachline-import-'));
const file = join(dir, 'people.csv');

const out = createWriteStream(file);
out.write('id,name,email,postal_address,locale,data_categories\n');
for (let i = 0; i < rows; i++) {
  const line =
    i % 10 === 9
      ? `p${i},Person ${i},,"${i} Main St, Springfield",en,name;address\n`
      : `p${i},Person ${i},p${i}@example.test,,${i % 2 ? 'en' : 'ja'},name;email${i % 7 === 0 ? ';payment_card' : ''}\n`;
  if (!out.write(line)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');

const postgres = values.store === 'postgres' ? await startPostgres() : undefined;
const store = await openStore(postgres?.url ?? (values.store === 'pglite' ? `pglite:${join(dir, 'store')}` : values.store));
const before = process.memoryUsage().rss;
let peak = before;
const start = performance.now();
const report = await importRecipients(store, 'breach-bench-import', createReadStream(file), 'csv', () => {
  peak = Math.max(peak, process.memoryUsage().rss);
});
const seconds = (performance.now() - start) / 1000;
await store.close();
await postgres?.stop();
rmSync(dir, { recursive: true, force: true });
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
console.log(`rows=${rows} store=${values.store}`);
console.log(
  `import: ${(rows / seconds).toFixed(0)} rows/s (${seconds.toFixed(1)} s): ${report.imported} imported, ${report.merged} merged, ${report.invalid} invalid`,
);
console.log(`memory: rss before ${mb(before)}, peak during import ${mb(peak)}`);
