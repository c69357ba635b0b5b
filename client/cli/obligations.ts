import type { Command } from 'commander';
import { loadPolicy } from '../../worker/config';
import { FactsFile, parseOrExplain } from '../../workflows/domain/facts';
import { assess } from '../../workflows/domain/regimes';
import { assessmentJson, assessmentTable } from '../format';
import { langOf, print, readJson } from './common';

export function addObligations(program: Command): void {
  program
    .command('obligations')
    .description('the obligations a facts file gives rise to, computed locally with no server')
    .requiredOption('--facts <facts.json>', 'facts as JSON ("-" for stdin)')
    .option('--policy <policy.json>', "a response policy whose internal targets apply (default: BREACHLINE_POLICY's file)")
    .option('--json', 'print a JSON array, soonest first')
    .action((options: { facts: string; policy?: string; json?: boolean }, command: Command) => {
      const facts = parseOrExplain(FactsFile, readJson(options.facts, 'facts'), 'facts');
      const policyFile = options.policy ?? process.env.BREACHLINE_POLICY;
      const policy = policyFile ? loadPolicy(policyFile) : undefined;
      const assessment = assess(facts, { internalTargets: policy?.internalTargets });
      print(assessmentJson(assessment), options.json, () => assessmentTable(assessment, { lang: langOf(command) }));
    });
}
