import type { Command } from 'commander';
import { listTable } from '../format';
import { breaches, langOf, print } from './common';

/** The list's filter from the options `list` and `watch` share. */
/** The options `list` and `watch` share. */
export interface ListOptions {
  phase?: string;
  regime?: string;
  severity?: string;
  dueWithin?: string;
  all?: boolean;
}

export const listFilter = (options: ListOptions) => ({
  ...(options.phase ? { phase: options.phase } : {}),
  ...(options.regime ? { regime: options.regime } : {}),
  ...(options.severity ? { severity: options.severity } : {}),
  ...(options.dueWithin ? { dueWithinHours: options.dueWithin } : {}),
  ...(options.all ? { all: true } : {}),
});

export function addList(program: Command): void {
  program
    .command('list')
    .description('open breaches, soonest deadline first, filtered on the server (Temporal visibility)')
    .option('--phase <phase>', 'triage, reporting, remediation or closed')
    .option('--regime <regime>', 'e.g. JP-APPI')
    .option('--severity <severity>', 'low, medium, high or critical')
    .option('--due-within <hours>', 'only breaches with a deadline within this many hours (or missed)')
    .option('--all', 'include closed breaches')
    .option('--json', 'print JSON')
    .action(async (options: ListOptions & { json?: boolean }, command: Command) => {
      const list = await (await breaches()).list(listFilter(options));
      print(list, options.json, () => listTable(list, Date.now(), { lang: langOf(command) }));
    });
}
