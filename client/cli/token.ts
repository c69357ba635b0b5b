import type { Command } from 'commander';
import { z } from 'zod';
import { parseOrExplain } from '../../workflows/domain/facts';
import { Role, Tokens } from '../auth';
import { withStore } from './common';

const withTokens = (task: (tokens: Tokens) => Promise<void>) => withStore((store) => task(new Tokens(store)));

export function addToken(program: Command): void {
  const token = program.command('token').description('API tokens for the HTTP API and dashboard (stored hashed in the store)');
  token
    .command('issue')
    .description('issue a token and print it once')
    .requiredOption('--name <name>', 'who holds it: a person (e-mail) or a system ("splunk"); approvals made with it carry this name')
    .requiredOption('--role <role...>', 'detector, operator and/or manager')
    .action(async (options: { name: string; role: string[] }) => {
      await withTokens(async (tokens) => console.log(await tokens.issue(options.name, parseOrExplain(z.array(Role), options.role, 'token request'))));
    });
  token
    .command('revoke')
    .description('revoke every token of a holder')
    .requiredOption('--name <name>')
    .action(async (options: { name: string }) => {
      await withTokens(async (tokens) => console.log(`revoked ${await tokens.revoke(options.name)} token(s) of ${options.name}`));
    });
}
