import type { Command } from 'commander';
import { statusTable } from '../format';
import { breaches, langOf, print } from './common';

export function addStatus(program: Command): void {
  program
    .command('status <breachId>')
    .description("a breach's phase, obligations with time left, approvals and timeline")
    .option('--json', 'print JSON')
    .action(async (breachId: string, options: { json?: boolean }, command: Command) => {
      const status = await (await breaches()).status(breachId);
      print(status, options.json, () => statusTable(status, Date.now(), { lang: langOf(command) }));
    });
}
