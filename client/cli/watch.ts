import type { Command } from 'commander';
import { InvalidInput } from '../../workflows/domain/facts';
import { listTable, statusTable } from '../format';
import { formatInstant, translator } from '../../activities/i18n';
import { breaches, langOf } from './common';
import { type ListOptions, listFilter } from './list';

export function addWatch(program: Command): void {
  program
    .command('watch [breachId]')
    .description('redraw the open breaches (or one breach) every few seconds, with live time left; Ctrl-C stops')
    .option('--interval <seconds>', 'seconds between refreshes', '5')
    .option('--times <n>', 'stop after this many refreshes (default: until Ctrl-C)')
    .option('--due-within <hours>', 'only breaches with a deadline within this many hours')
    .action(async (breachId: string | undefined, options: ListOptions & { interval: string; times?: string }, command: Command) => {
      const readers = { lang: langOf(command) };
      const interval = Number(options.interval);
      const times = options.times === undefined ? Number.POSITIVE_INFINITY : Number(options.times);
      if (!(interval > 0) || !(times > 0))
        throw new InvalidInput('watch options', [{ field: !(interval > 0) ? '--interval' : '--times', message: 'must be a positive number' }]);
      const connected = await breaches();
      const clear = process.stdout.isTTY ? '\x1b[2J\x1b[H' : '';
      for (let round = 1; round <= times; round++) {
        const screen = breachId
          ? statusTable(await connected.status(breachId), Date.now(), readers)
          : listTable(await connected.list(listFilter(options)), Date.now(), readers);
        console.log(`${clear}${translator(readers.lang)('cli.watching', { now: formatInstant(Date.now(), readers.lang), interval })}\n${screen}`);
        if (round < times) await new Promise((resolve) => setTimeout(resolve, interval * 1000));
      }
    });
}
