import type { Command } from 'commander';
import { breaches } from './common';

export function addClose(program: Command): void {
  program
    .command('close <breachId>')
    .description('close a breach; refused while any obligation is open')
    .requiredOption('--by <id>', 'who closes it')
    .requiredOption('--reason <text>')
    .action(async (breachId: string, options: { by: string; reason: string }) => {
      const closure = await (await breaches()).close(breachId, { by: { id: options.by }, reason: options.reason });
      console.log(`closed at ${closure.closedAt} by ${closure.closedBy}`);
    });
}
