// `breachline register`: the breach register from the store (every breach, notifiable or not, open or closed),
// `register verify` for its hash chains, and `register purge` for entries past retention.
import type { Command } from 'commander';
import Table from 'cli-table3';
import { verifyChains } from '../../activities/store/verify';
import { loadConfig } from '../../worker/config';
import { parseOrExplain } from '../../workflows/domain/facts';
import { RegisterFilter } from '../../workflows/domain/register';
import { registerCsv, retentionCutoff } from '../register';
import { print, withStore } from './common';

/** The chains do not verify: someone changed the store outside Breachline. */
export class TamperDetected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TamperDetected';
  }
}

interface ListOptions {
  csv?: boolean;
  json?: boolean;
  status?: string;
  regime?: string;
  notifiable?: string;
  from?: string;
  to?: string;
  limit?: string;
  offset?: string;
}

export function addRegister(program: Command): void {
  const register = program
    .command('register')
    .description('the breach register from the store: every breach, notifiable or not, with its decisions, filings and notices')
    .option('--csv', 'CSV, one row per breach')
    .option('--json', 'JSON: total and entries')
    .option('--status <status>', 'open or closed')
    .option('--regime <regime>', 'only breaches notifiable under this regime, e.g. JP-APPI')
    .option('--notifiable <bool>', 'true or false')
    .option('--from <date>', 'aware on or after (YYYY-MM-DD or an ISO instant)')
    .option('--to <date>', 'aware before')
    .option('--limit <n>', 'at most this many breaches', '1000')
    .option('--offset <n>', 'skip this many')
    .action(async (options: ListOptions) => {
      const { csv, json, ...rest } = options;
      const filter = parseOrExplain(RegisterFilter, Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)), 'register filter');
      const { total, entries } = await withStore((store) => store.register.list(filter));
      if (csv) return void process.stdout.write(registerCsv(entries));
      print({ total, limit: filter.limit, offset: filter.offset, entries }, json, () => {
        const table = new Table({ head: ['breach', 'status', 'notifiable', 'regimes', 'aware', 'closed', 'obligations'] });
        for (const { entry } of entries) {
          table.push([
            entry.breachId,
            entry.status,
            entry.notifiable ? 'yes' : 'no',
            entry.decisions
              .filter((d) => d.notifiable)
              .map((d) => d.regime)
              .join(' '),
            entry.awareAt,
            entry.closedAt ?? '',
            entry.obligations.map((o) => `${o.id}: ${o.state}`).join('\n'),
          ]);
        }
        return `${table.toString()}\n${entries.length} of ${total} breach(es)`;
      });
    });
  register
    .command('verify')
    .description("check every breach's hash chains (timeline and register); names the first broken link (exit 5)")
    .option('--json', 'JSON')
    .action(async (options: { json?: boolean }) => {
      const report = await withStore((store) => verifyChains(store));
      print(report, options.json, () =>
        [
          `${report.rows} row(s) of ${report.breaches} breach(es) checked${report.unchained ? `; ${report.unchained} from before tamper evidence, not chained` : ''}`,
          `heads digest ${report.headsDigest} (keep it outside the database; a later digest that differs without new entries means a deleted breach)`,
        ].join('\n'),
      );
      if (report.broken) {
        const b = report.broken;
        throw new TamperDetected(`broken link in ${b.table}: breach ${b.breachId}, ${b.entry} (link ${b.chainSeq}): ${b.reason}`);
      }
    });
  register
    .command('purge')
    .description("remove the register entries and timelines of breaches closed longer ago than the policy's registerRetentionYears (default 5)")
    .option('--dry-run', 'list what would be removed, remove nothing')
    .action(async (options: { dryRun?: boolean }) => {
      const years = loadConfig().policy.registerRetentionYears;
      const cutoff = retentionCutoff(new Date(), years);
      const removed = await withStore((store) => store.register.purge(cutoff, { dryRun: options.dryRun }));
      console.log(
        `${options.dryRun ? 'would remove' : 'removed'} ${removed.length} breach(es) closed before ${cutoff.toISOString()} (retention ${years} years)${removed.length ? `:\n${removed.join('\n')}` : ''}`,
      );
    });
}
