import type { Command } from 'commander';
import { breaches, readJson } from './common';

export function addCampaign(program: Command): void {
  const campaign = program.command('campaign').description('customer-notification campaigns: waves of notices, each approved before it is sent');
  campaign
    .command('start <breachId>')
    .description('start a campaign from a JSON file with notice, templates, waveSize, ratePerSecond, batchSize, unreachableThreshold')
    .requiredOption('--file <campaign.json>', 'the campaign ("-" for stdin)')
    .requiredOption('--by <id>', 'who starts it')
    .action(async (breachId: string, options: { file: string; by: string }) => {
      const request = { ...(readJson(options.file, 'campaign') as object), requestedBy: { id: options.by } };
      const { campaignId } = await (await breaches()).startCampaign(breachId, request);
      console.log(campaignId);
    });
  campaign
    .command('approve <breachId> <campaignId> <wave>')
    .description("approve a wave's notice; refused while its template cannot render")
    .requiredOption('--approver <id>')
    .action(async (breachId: string, campaignId: string, wave: string, options: { approver: string }) => {
      const result = await (await breaches()).approveWave(breachId, { campaignId, wave: Number(wave), approver: { id: options.approver } });
      console.log(`wave ${result.wave} (${result.total} people) approved by ${result.approvedBy}`);
    });
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    campaign
      .command(`${action} <breachId> <campaignId>`)
      .description(`${action} a campaign`)
      .requiredOption('--by <id>')
      .action(async (breachId: string, campaignId: string, options: { by: string }) => {
        console.log(await (await breaches()).controlCampaign(breachId, { campaignId, action, by: { id: options.by } }));
      });
  }
  campaign
    .command('test-send <breachId> <campaignId>')
    .description('mail the notice, rendered for a sample person, to an approver')
    .requiredOption('--to <email>')
    .option('--locale <locale>', 'ja or en', 'ja')
    .action(async (breachId: string, campaignId: string, options: { to: string; locale: string }) => {
      const { messageId } = await (await breaches()).sendTestNotice(breachId, { campaignId, to: options.to, locale: options.locale });
      console.log(`sent ${messageId} to ${options.to}`);
    });
}
