// `breachline`: the command line for security tooling (start), operators (facts, approve, close) and
// managers (status); `worker` runs a worker and `obligations` evaluates a facts file with no server at all.
import { Command, CommanderError, Option } from 'commander';
import { StoreInUse } from '../../activities/store';
import { TemporalUnreachable } from '../../worker/connection';
import { InvalidInput } from '../../workflows/domain/facts';
import { BreachClosed, BreachNotFound, BreachStalled, SearchUnavailable, UpdateRejected } from '../breaches';
import { BrowserUnavailable } from '../documents';
import { addApprove } from './approve';
import { addCampaign } from './campaign';
import { addClose } from './close';
import { addDrill } from './drill';
import { addEscalation } from './escalation';
import { addFacts } from './facts';
import { addList } from './list';
import { addObligations } from './obligations';
import { addRecipients } from './recipients';
import { addReport } from './report';
import { addRegister, TamperDetected } from './register';
import { addStart } from './start';
import { addStatus } from './status';
import { addToken } from './token';
import { addWatch } from './watch';
import { addWorker } from './worker';
import { addSetup } from './setup';
import { addApi } from './api';
import { DeploymentIncomplete } from '../../worker/deployment';

/**
 * Exit codes: 0 done, 1 unexpected failure, 2 bad input, 3 no such breach, 4 refused by the workflow, 5 the store was tampered with,
 * 69 server unavailable, 78 the server lacks Breachline's namespace or search attributes (`breachline setup`).
 */
export const EXIT = { ok: 0, failure: 1, invalid: 2, notFound: 3, refused: 4, tampered: 5, unavailable: 69, misconfigured: 78 } as const;

export function buildCli(): Command {
  const program = new Command('breachline')
    .description('Breachline: personal-data breach response on Temporal')
    .showHelpAfterError()
    .addOption(new Option('--lang <lang>', 'language of tables and messages (default: from LANG)').choices(['ja', 'en']))
    .addHelpText(
      'after',
      `
Examples:
  $ breachline start --source splunk --event-id 4711 --summary "Customer DB dump on paste site" --facts facts.json
  $ breachline facts breach-3f9c… --json '{"affectedCount": 1200, "unfairPurpose": true}' --actor analyst@example.com
  $ breachline approve breach-3f9c… JP-APPI/ppc-final --approver dpo@example.com --reference PPC-123
  $ breachline escalation snooze breach-3f9c… JP-APPI/ppc-final --minutes 120 --by dpo@example.com
  $ breachline status breach-3f9c…
  $ breachline --lang ja status breach-3f9c…
  $ breachline list --due-within 24
  $ breachline watch breach-3f9c…
  $ breachline token issue --name alice@example.com --role operator
  $ breachline obligations --facts facts.json --json`,
    );
  // In the order `--help` lists them.
  for (const add of [
    addStart,
    addFacts,
    addApprove,
    addEscalation,
    addClose,
    addStatus,
    addList,
    addWatch,
    addRecipients,
    addCampaign,
    addReport,
    addRegister,
    addDrill,
    addToken,
    addObligations,
    addWorker,
    addApi,
    addSetup,
  ])
    add(program);
  return program;
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildCli();
  // Every command, not only the root: a subcommand's missing option is bad input (exit 2), not commander's exit 1.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    const message = (error as Error).message;
    const code =
      error instanceof InvalidInput
        ? EXIT.invalid
        : error instanceof BreachNotFound
          ? EXIT.notFound
          : error instanceof UpdateRejected || error instanceof BreachClosed
            ? EXIT.refused
            : error instanceof TemporalUnreachable ||
                error instanceof SearchUnavailable ||
                error instanceof StoreInUse ||
                error instanceof BrowserUnavailable ||
                error instanceof BreachStalled
              ? EXIT.unavailable
              : error instanceof TamperDetected
                ? EXIT.tampered
                : error instanceof DeploymentIncomplete
                  ? EXIT.misconfigured
                  : EXIT.failure;
    console.error(`breachline: ${code === EXIT.failure ? (error as Error).stack : message}`);
    return code;
  }
}
