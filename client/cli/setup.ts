// `breachline setup`: gets a Temporal server (and the store) ready for Breachline, once per deployment. Idempotent.
import type { Command } from 'commander';
import { z } from 'zod';
import { openStore } from '../../activities/store';
import { loadConfig } from '../../worker/config';
import { connectClientConnection } from '../../worker/connection';
import { DeploymentIncomplete, describeProblems, setupDeployment } from '../../worker/deployment';
import { parseOrExplain } from '../../workflows/domain/facts';

const Options = z.strictObject({
  check: z.boolean().optional(),
  retentionDays: z.coerce.number().int().min(1).max(3650).default(30).describe('days a closed breach stays in Temporal'),
});

export function addSetup(program: Command): void {
  program
    .command('setup')
    .description("create Breachline's namespace and search attributes on the Temporal server and migrate the store (idempotent)")
    .option('--check', 'only verify, and say what is missing (as on Temporal Cloud, where setup cannot create them)')
    .option('--retention-days <days>', 'retention of a namespace setup creates', '30')
    .action(async (raw: unknown) => {
      const options = parseOrExplain(Options, raw, 'setup options');
      const config = loadConfig();
      const temporal = config.temporal.connection;
      console.log(`Temporal: ${temporal.description}`);
      const connection = await connectClientConnection(temporal);
      try {
        const result = await setupDeployment(connection, temporal.namespace, { retentionDays: options.retentionDays, verifyOnly: options.check });
        for (const made of result.created) console.log(`  created ${made}`);
        for (const refusal of result.refused) console.log(`  could not create ${refusal}`);
        if (!result.check.ok) {
          for (const problem of describeProblems(result.check)) console.log(`  missing: ${problem}`);
          throw new DeploymentIncomplete(result.check, temporal.address);
        }
        console.log(`  namespace ${temporal.namespace} and the search attributes are in place`);
      } finally {
        await connection.close();
      }
      if (!options.check) {
        const store = await openStore(config.storeUrl); // opening migrates the schema to the current version
        try {
          const { rows } = await store.sql.query<{ version: number }>('SELECT max(version) AS version FROM schema_version');
          console.log(`Store: ${store.description}, schema version ${rows[0]!.version}`);
        } finally {
          await store.close();
        }
      }
    });
}
