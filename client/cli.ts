// `breachline`: the command line for security tooling (start), operators (facts, approve, close) and
// managers (status); `worker` runs a worker and `obligations` evaluates a facts file with no server at all.
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { importRecipients, postalListCsv } from '../activities/recipients';
import { Command, CommanderError, Option } from 'commander';
import { loadCodec } from '../worker/codec';
import { storeHasBreaches } from '../worker/worker';
import { loadConfig, loadPolicy, TemporalUnreachable } from '../worker/config';
import { ApprovalRequest, Approver } from '../workflows/definitions';
import { Detection, FactsFile, FactsUpdate, InvalidInput, parseOrExplain } from '../workflows/domain/facts';
import { assess } from '../workflows/domain/regimes';
import { BreachClosed, BreachNotFound, Breaches, connectClient, SearchUnavailable, UpdateRejected } from './breaches';
import { assessmentJson, assessmentTable, listTable, statusTable } from './format';
import { loadBreachIds } from './breach-ids';
import { openStore, type Store, StoreInUse } from '../activities/store';
import { Role, Tokens } from './auth';
import { z } from 'zod';

/** Exit codes: 0 done, 1 unexpected failure, 2 bad input, 3 no such breach, 4 refused by the workflow, 69 server unavailable. */
export const EXIT = { ok: 0, failure: 1, invalid: 2, notFound: 3, refused: 4, unavailable: 69 } as const;

function parseJson(text: string, what: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInput(what, [{ field, message: `malformed JSON: ${(error as Error).message}` }]);
  }
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidInput(what, [{ field: path, message: `cannot read: ${(error as Error).message}` }]);
  }
  return parseJson(text, what, path);
}

async function breaches(): Promise<Breaches> {
  const config = loadConfig();
  // The store is opened only when the codec key is missing, to tell a first start from a lost key.
  const codec = await loadCodec(config.codec, () => withStore((store) => storeHasBreaches(store)()));
  const client = await connectClient({ address: config.temporal.address, namespace: config.temporal.namespace, codec });
  return Breaches.connect(client, config.temporal.taskQueue, { policy: config.policy, ids: loadBreachIds(config.breachIds) });
}

const print = (value: unknown, json: boolean, table: () => string) => console.log(json ? JSON.stringify(value, null, 2) : table());

const listFilter = (options: { phase?: string; regime?: string; severity?: string; dueWithin?: string; all?: boolean }) => ({
  ...(options.phase ? { phase: options.phase } : {}),
  ...(options.regime ? { regime: options.regime } : {}),
  ...(options.severity ? { severity: options.severity } : {}),
  ...(options.dueWithin ? { dueWithinHours: options.dueWithin } : {}),
  ...(options.all ? { all: true } : {}),
});

/** The store from the configuration; an embedded (PGlite) store is one process's: stop `npm start` first, or use PostgreSQL. */
async function withStore<T>(task: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(loadConfig().storeUrl);
  try {
    return await task(store);
  } finally {
    await store.close();
  }
}

const withTokens = (task: (tokens: Tokens) => Promise<void>) => withStore((store) => task(new Tokens(store)));

export function buildCli(): Command {
  const program = new Command('breachline')
    .description('Breachline: personal-data breach response on Temporal')
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Examples:
  $ breachline start --source splunk --event-id 4711 --summary "Customer DB dump on paste site" --facts facts.json
  $ breachline facts breach-3f9c… --json '{"affectedCount": 1200, "unfairPurpose": true}' --actor analyst@example.com
  $ breachline approve breach-3f9c… JP-APPI/ppc-final --approver dpo@example.com --reference PPC-123
  $ breachline status breach-3f9c…
  $ breachline list --due-within 24
  $ breachline watch breach-3f9c…
  $ breachline token issue --name alice@example.com --role operator
  $ breachline obligations --facts facts.json --json`,
    );

  program
    .command('start')
    .description('start the response to a detection (idempotent: the same source and event id give the same breach)')
    .option('--file <detection.json>', 'the whole detection as JSON ("-" for stdin)')
    .option('--source <name>', 'the detecting system')
    .option('--event-id <id>', "the detecting system's event id")
    .option('--detected-at <iso>', 'when it was detected (default: now)')
    .option('--summary <text>', 'what was seen, without personal data')
    .option('--facts <facts.json>', 'facts already known')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const detection = options.file
        ? readJson(options.file, 'detection')
        : {
            source: options.source,
            eventId: options.eventId,
            detectedAt: options.detectedAt ?? new Date().toISOString(),
            summary: options.summary,
            ...(options.facts ? { facts: readJson(options.facts, 'facts') } : {}),
          };
      parseOrExplain(Detection, detection, 'detection'); // before connecting: bad input never waits on a server
      const result = await (await breaches()).start(detection);
      print(result, options.json, () => `${result.created ? 'started' : 'already started'}: ${result.breachId}`);
    });

  program
    .command('facts <breachId>')
    .description('tell a breach what has been learned; its obligations and deadlines are recomputed')
    .addOption(new Option('--file <facts.json>', 'a facts update as JSON ("-" for stdin)').conflicts('json'))
    .option('--json <object>', 'a facts update given inline')
    .requiredOption('--actor <id>', 'who learned it: the CLI acts without a token, so the timeline records this name')
    .action(async (breachId: string, options) => {
      if (!options.file && !options.json) throw new InvalidInput('facts update', [{ field: '--file/--json', message: 'give one of them' }]);
      const update = parseOrExplain(FactsUpdate, options.file ? readJson(options.file, 'facts update') : parseJson(options.json, 'facts update', '--json'), 'facts update');
      const actor = parseOrExplain(Approver, { id: options.actor }, 'actor');
      const result = await (await breaches()).updateFacts(breachId, update, actor);
      console.log(JSON.stringify(result, null, 2));
    });

  program
    .command('approve <breachId> <obligationId>')
    .description('record that an obligation was met (report submitted, people notified), with who approved it')
    .requiredOption('--approver <id>', 'who approves')
    .option('--role <role>', "the approver's role")
    .option('--reference <ref>', "the regulator's filing reference")
    .option('--note <text>')
    .action(async (breachId: string, obligationId: string, options) => {
      const request = parseOrExplain(ApprovalRequest, {
        obligationId,
        approver: { id: options.approver, ...(options.role ? { role: options.role } : {}) },
        ...(options.reference ? { filingReference: options.reference } : {}),
        ...(options.note ? { note: options.note } : {}),
      }, 'approval');
      const record = await (await breaches()).approve(breachId, request);
      console.log(`${obligationId}: ${record.action}, approved by ${record.approver.id} at ${new Date(record.at).toISOString()}`);
    });

  program
    .command('close <breachId>')
    .description('close a breach; refused while any obligation is open')
    .requiredOption('--by <id>', 'who closes it')
    .requiredOption('--reason <text>')
    .action(async (breachId: string, options) => {
      const closure = await (await breaches()).close(breachId, { by: { id: options.by }, reason: options.reason });
      console.log(`closed at ${closure.closedAt} by ${closure.closedBy}`);
    });

  program
    .command('status <breachId>')
    .description("a breach's phase, obligations with time left, approvals and timeline")
    .option('--json', 'print JSON')
    .action(async (breachId: string, options) => {
      const status = await (await breaches()).status(breachId);
      print(status, options.json, () => statusTable(status));
    });

  program
    .command('list')
    .description('open breaches, soonest deadline first, filtered on the server (Temporal visibility)')
    .option('--phase <phase>', 'triage, reporting, remediation or closed')
    .option('--regime <regime>', 'e.g. JP-APPI')
    .option('--severity <severity>', 'low, medium, high or critical')
    .option('--due-within <hours>', 'only breaches with a deadline within this many hours (or missed)')
    .option('--all', 'include closed breaches')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const list = await (await breaches()).list(listFilter(options));
      print(list, options.json, () => listTable(list));
    });

  program
    .command('watch [breachId]')
    .description('redraw the open breaches (or one breach) every few seconds, with live time left; Ctrl-C stops')
    .option('--interval <seconds>', 'seconds between refreshes', '5')
    .option('--times <n>', 'stop after this many refreshes (default: until Ctrl-C)')
    .option('--due-within <hours>', 'only breaches with a deadline within this many hours')
    .action(async (breachId: string | undefined, options) => {
      const interval = Number(options.interval);
      const times = options.times === undefined ? Number.POSITIVE_INFINITY : Number(options.times);
      if (!(interval > 0) || !(times > 0)) throw new InvalidInput('watch options', [{ field: !(interval > 0) ? '--interval' : '--times', message: 'must be a positive number' }]);
      const connected = await breaches();
      const clear = process.stdout.isTTY ? '\x1b[2J\x1b[H' : '';
      for (let round = 1; round <= times; round++) {
        const screen = breachId ? statusTable(await connected.status(breachId)) : listTable(await connected.list(listFilter(options)));
        console.log(`${clear}${new Date().toISOString()}  (every ${interval} s; Ctrl-C stops)\n${screen}`);
        if (round < times) await new Promise((resolve) => setTimeout(resolve, interval * 1000));
      }
    });

  const recipients = program.command('recipients').description('affected people, kept in the store (never in workflow history)');
  recipients
    .command('import <breachId> <file>')
    .description('import people from a CSV or JSON Lines file, streaming, with a progress bar; invalid rows are reported by line; a file that cannot be read to its end imports nothing')
    .option('--format <format>', 'csv or jsonl (default: from the file name)')
    .option('--json', 'print the report as JSON')
    .action(async (breachId: string, file: string, options) => {
      const format = parseOrExplain(z.enum(['csv', 'jsonl']), options.format ?? (/\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'csv'), 'import format');
      let size: number;
      try {
        size = statSync(file).size;
      } catch (error) {
        throw new InvalidInput('import', [{ field: file, message: `cannot read: ${(error as Error).message}` }]);
      }
      const report = await withStore(async (store) => {
        const input = createReadStream(file);
        const bar = process.stderr.isTTY ? new SingleBar({ format: 'importing {bar} {percentage}% | {rows} rows, {imported} new, {merged} merged, {invalid} invalid' }, Presets.shades_classic) : undefined;
        bar?.start(size, 0, { rows: 0, imported: 0, merged: 0, invalid: 0 });
        try {
          const result = await importRecipients(store, breachId, input, format, (progress) => bar?.update(input.bytesRead, { ...progress }));
          bar?.update(size, { ...result });
          return result;
        } finally {
          bar?.stop();
        }
      });
      print(report, options.json, () =>
        [
          `${report.rows} rows: ${report.imported} imported, ${report.merged} merged as duplicates, ${report.invalid} invalid`,
          ...report.errors.slice(0, 20).map((e) => `  line ${e.line}: ${e.reason}`),
          ...(report.errors.length > 20 ? [`  … ${report.invalid - 20} more (use --json for the first 1,000)`] : []),
        ].join('\n'),
      );
    });
  recipients
    .command('postal-list <breachId>')
    .description('write the postal list (no e-mail, or bounced) as CSV for a print vendor; people with no postal address are counted, not listed')
    .option('--out <file>', 'write here instead of stdout')
    .action(async (breachId: string, options) => {
      const { rows, unreachable } = await withStore(async (store) => ({ rows: await store.recipients.postalList(breachId), unreachable: await store.recipients.unreachable(breachId) }));
      const csv = postalListCsv(rows);
      if (options.out) {
        writeFileSync(options.out, csv);
        console.error(`${rows.length} people written to ${options.out}`);
      } else process.stdout.write(csv);
      if (unreachable.noPostalAddress > 0) {
        console.error(`${unreachable.noPostalAddress} more people have no working e-mail and no postal address, so are not on the list: reach them another way (APPI Art. 26(2): e.g. a public notice)`);
      }
    });

  const campaign = program.command('campaign').description('customer-notification campaigns: waves of notices, each approved before it is sent');
  campaign
    .command('start <breachId>')
    .description('start a campaign from a JSON file with notice, templates, waveSize, ratePerSecond, batchSize, unreachableThreshold')
    .requiredOption('--file <campaign.json>', 'the campaign ("-" for stdin)')
    .requiredOption('--by <id>', 'who starts it')
    .action(async (breachId: string, options) => {
      const request = { ...(readJson(options.file, 'campaign') as object), requestedBy: { id: options.by } };
      const { campaignId } = await (await breaches()).startCampaign(breachId, request);
      console.log(campaignId);
    });
  campaign
    .command('approve <breachId> <campaignId> <wave>')
    .description("approve a wave's notice; refused while its template cannot render")
    .requiredOption('--approver <id>')
    .action(async (breachId: string, campaignId: string, wave: string, options) => {
      const result = await (await breaches()).approveWave(breachId, { campaignId, wave: Number(wave), approver: { id: options.approver } });
      console.log(`wave ${result.wave} (${result.total} people) approved by ${result.approvedBy}`);
    });
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    campaign
      .command(`${action} <breachId> <campaignId>`)
      .description(`${action} a campaign`)
      .requiredOption('--by <id>')
      .action(async (breachId: string, campaignId: string, options) => {
        console.log(await (await breaches()).controlCampaign(breachId, { campaignId, action, by: { id: options.by } }));
      });
  }
  campaign
    .command('test-send <breachId> <campaignId>')
    .description('mail the notice, rendered for a sample person, to an approver')
    .requiredOption('--to <email>')
    .option('--locale <locale>', 'ja or en', 'ja')
    .action(async (breachId: string, campaignId: string, options) => {
      const { messageId } = await (await breaches()).sendTestNotice(breachId, { campaignId, to: options.to, locale: options.locale });
      console.log(`sent ${messageId} to ${options.to}`);
    });

  program
    .command('drill')
    .description('rehearse the response: run a scripted scenario through the real workflow on accelerated time, and write the report')
    .requiredOption('--scenario <file.json>', 'the scenario (see examples/drills/)')
    .option('--out <report.md>', 'write the Markdown report here (default: stdout)')
    .action(async (options) => {
      const { runDrill, DrillScenario } = await import('./drill');
      const scenario = parseOrExplain(DrillScenario, readJson(options.scenario, 'drill scenario'), 'drill scenario');
      const started = performance.now();
      const result = await runDrill(scenario);
      const summary = `drill: ${result.late.length} late or missed, ${result.mails} mails, ${((performance.now() - started) / 1000).toFixed(1)} s`;
      if (options.out) {
        writeFileSync(options.out, result.markdown);
        console.log(`${summary}; report in ${options.out}`);
      } else console.log(result.markdown);
    });

  const token = program.command('token').description('API tokens for the HTTP API and dashboard (stored hashed in the store)');
  token
    .command('issue')
    .description('issue a token and print it once')
    .requiredOption('--name <name>', 'who holds it: a person (e-mail) or a system ("splunk"); approvals made with it carry this name')
    .requiredOption('--role <role...>', 'detector, operator and/or manager')
    .action(async (options) => {
      await withTokens(async (tokens) => console.log(await tokens.issue(options.name, parseOrExplain(z.array(Role), options.role, 'token request'))));
    });
  token
    .command('revoke')
    .description('revoke every token of a holder')
    .requiredOption('--name <name>')
    .action(async (options) => {
      await withTokens(async (tokens) => console.log(`revoked ${await tokens.revoke(options.name)} token(s) of ${options.name}`));
    });

  program
    .command('obligations')
    .description('the obligations a facts file gives rise to, computed locally with no server')
    .requiredOption('--facts <facts.json>', 'facts as JSON ("-" for stdin)')
    .option('--policy <policy.json>', "a response policy whose internal targets apply (default: BREACHLINE_POLICY's file)")
    .option('--json', 'print a JSON array, soonest first')
    .action((options) => {
      const facts = parseOrExplain(FactsFile, readJson(options.facts, 'facts'), 'facts');
      const policyFile = options.policy ?? process.env.BREACHLINE_POLICY;
      const policy = policyFile ? loadPolicy(policyFile) : undefined;
      const assessment = assess(facts, { internalTargets: policy?.internalTargets });
      print(assessmentJson(assessment), options.json, () => assessmentTable(assessment));
    });

  program
    .command('worker')
    .description('run a worker (the dev stack, `npm start`, runs one for you)')
    .action(async () => {
      const { runWorker } = await import('../worker/main');
      await runWorker();
    });

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildCli().exitOverride();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    const message = (error as Error).message;
    const code =
      error instanceof InvalidInput ? EXIT.invalid
      : error instanceof BreachNotFound ? EXIT.notFound
      : error instanceof UpdateRejected || error instanceof BreachClosed ? EXIT.refused
      : error instanceof TemporalUnreachable || error instanceof SearchUnavailable || error instanceof StoreInUse ? EXIT.unavailable
      : EXIT.failure;
    console.error(`breachline: ${code === EXIT.failure ? (error as Error).stack : message}`);
    return code;
  }
}
