import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseOrExplain } from '../../workflows/domain/facts';
import { readJson } from './common';

export function addDrill(program: Command): void {
  program
    .command('drill')
    .description('rehearse the response: run a scripted scenario through the real workflow on accelerated time, and write the report')
    .requiredOption('--scenario <file.json>', 'the scenario (see examples/drills/)')
    .option('--out <report.md>', 'write the Markdown report here (default: stdout)')
    .action(async (options: { scenario: string; out?: string }) => {
      // Loaded on use: the drill brings the worker, its bundler and the time-skipping server with it.
      const { runDrill, DrillScenario } = await import('../drill');
      const scenario = parseOrExplain(DrillScenario, readJson(options.scenario, 'drill scenario'), 'drill scenario');
      const started = performance.now();
      const result = await runDrill(scenario);
      const summary = `drill: ${result.late.length} late or missed, ${result.mails} mails, ${((performance.now() - started) / 1000).toFixed(1)} s`;
      if (options.out) {
        writeFileSync(options.out, result.markdown);
        console.log(`${summary}; report in ${options.out}`);
      } else console.log(result.markdown);
    });
}
