import type { Command } from 'commander';

export function addApi(program: Command): void {
  program
    .command('api')
    .description('run the HTTP API and dashboard (production: next to `breachline worker` processes; `npm start` runs both for you)')
    .action(async () => {
      const { runApi } = await import('../serve');
      await runApi();
    });
}
