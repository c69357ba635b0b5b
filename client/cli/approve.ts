import type { Command } from 'commander';
import { ApprovalRequest } from '../../workflows/definitions';
import { parseOrExplain } from '../../workflows/domain/facts';
import { breaches } from './common';

interface ApproveOptions {
  approver: string;
  role?: string;
  reference?: string;
  note?: string;
}

export function addApprove(program: Command): void {
  program
    .command('approve <breachId> <obligationId>')
    .description('record that an obligation was met (report submitted, people notified), with who approved it')
    .requiredOption('--approver <id>', 'who approves')
    .option('--role <role>', "the approver's role")
    .option('--reference <ref>', "the regulator's filing reference")
    .option('--note <text>')
    .action(async (breachId: string, obligationId: string, options: ApproveOptions) => {
      const request = parseOrExplain(
        ApprovalRequest,
        {
          obligationId,
          approver: { id: options.approver, ...(options.role ? { role: options.role } : {}) },
          ...(options.reference ? { filingReference: options.reference } : {}),
          ...(options.note ? { note: options.note } : {}),
        },
        'approval',
      );
      const record = await (await breaches()).approve(breachId, request);
      console.log(`${obligationId}: ${record.action}, approved by ${record.approver.id} at ${new Date(record.at).toISOString()}`);
    });
}
