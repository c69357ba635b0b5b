import { type Command, Option } from 'commander';
import { Approver } from '../../workflows/definitions';
import { FactsUpdate, InvalidInput, parseOrExplain } from '../../workflows/domain/facts';
import { breaches, parseJson, readJson } from './common';

export function addFacts(program: Command): void {
  program
    .command('facts <breachId>')
    .description('tell a breach what has been learned; its obligations and deadlines are recomputed')
    .addOption(new Option('--file <facts.json>', 'a facts update as JSON ("-" for stdin)').conflicts('json'))
    .option('--json <object>', 'a facts update given inline')
    .requiredOption('--actor <id>', 'who learned it: the CLI acts without a token, so the timeline records this name')
    .action(async (breachId: string, options: { file?: string; json?: string; actor: string }) => {
      const input = options.file ? readJson(options.file, 'facts update') : options.json ? parseJson(options.json, 'facts update', '--json') : undefined;
      if (input === undefined) throw new InvalidInput('facts update', [{ field: '--file/--json', message: 'give one of them' }]);
      const update = parseOrExplain(FactsUpdate, input, 'facts update');
      const actor = parseOrExplain(Approver, { id: options.actor }, 'actor');
      const result = await (await breaches()).updateFacts(breachId, update, actor);
      console.log(JSON.stringify(result, null, 2));
    });
}
