import type { Command } from 'commander';

export function addWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker (the dev stack, `npm start`, runs one for you)')
    .action(async () => {
      const { runWorker } = await import('../../worker/main');
      await runWorker();
    });
}
