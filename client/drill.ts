// Drill mode: the real breach workflow, run on accelerated time (Temporal's time-skipping test server) against a
// scripted scenario: facts arriving, tasks recorded and approvals given (or withheld) at set hours after awareness.
// Nothing leaves the machine: an in-memory store and a local SMTP sink. The result is the whole response as a
// report: every deadline with whether it was met, every escalation, approval and task, and what was late.
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { z } from 'zod';
import { CampaignSender } from '../activities/campaign';
import { Mailer } from '../activities/mail';
import { openStore } from '../activities/store';
import { startMailSink } from '../sandbox/mail-sink';
import { ensure, TEST_SERVER } from '../sandbox/toolchain.mjs';
import { EncryptionCodec } from '../worker/codec';
import { bundleWorkflows, createBreachWorker } from '../worker/worker';
import { type BreachStatus, ResponsePolicy } from '../workflows/definitions';
import { Detection, FactsUpdate } from '../workflows/domain/facts';
import { Breaches } from './breaches';
import { timeLeft } from './format';

export const DrillScenario = z.strictObject({
  name: z.string().min(1),
  detection: Detection.omit({ eventId: true, detectedAt: true }),
  steps: z.array(
    z
      .strictObject({
        afterHours: z.number().min(0),
        facts: FactsUpdate.optional(),
        approve: z.strictObject({ obligationId: z.string(), approvers: z.array(z.string().min(1)).min(1), filingReference: z.string().optional() }).optional(),
        task: z
          .strictObject({
            taskId: z.string(),
            outcome: z.unknown().optional(),
            waive: z.strictObject({ reason: z.string() }).optional(),
            by: z.string().optional(),
          })
          .optional(),
      })
      .refine((s) => [s.facts, s.approve, s.task].filter(Boolean).length === 1, { message: 'each step does one thing: facts, approve or task' }),
  ),
  runDays: z.number().positive().max(400).default(65),
  policy: ResponsePolicy.optional().describe("the deployment's response policy: insurers, contact desk, ladders"),
});
export type DrillScenario = z.input<typeof DrillScenario>;

export interface DrillResult {
  status: BreachStatus;
  mails: number;
  late: string[];
  markdown: string;
}

const HOUR_MS = 3_600_000;
const STEP_OFFSET_MS = 61_000;

export async function runDrill(input: unknown): Promise<DrillResult> {
  const scenario = DrillScenario.parse(input);
  const codec = new EncryptionCodec((await import('node:crypto')).randomBytes(32));
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: ensure(TEST_SERVER).path } },
    client: { dataConverter: { payloadCodecs: [codec] } },
  });
  const sink = await startMailSink();
  const store = await openStore('pglite:memory');
  const from = 'Breachline drill <drill@breachline.invalid>';
  const mailer = new Mailer({ smtpUrl: sink.url, from, responders: ['responders@drill.invalid'] }, store);
  const sender = new CampaignSender(store, { smtpUrl: sink.url, from });
  const taskQueue = `drill-${randomUUID()}`;
  const worker = await createBreachWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    codec,
    store,
    mailer,
    sender,
    workflowBundle: await bundleWorkflows(),
  });
  const running = worker.run();
  try {
    const breaches = new Breaches(env.client, taskQueue, scenario.policy ? { policy: scenario.policy } : {});
    const awareAt = await env.currentTimeMs();
    const { breachId } = await breaches.start({ ...scenario.detection, eventId: `drill-${randomUUID()}`, detectedAt: new Date(awareAt).toISOString() });
    const sleepUntil = async (instant: number) => env.sleep(Math.max(0, instant - (await env.currentTimeMs())));
    for (const step of [...scenario.steps].sort((a, b) => a.afterHours - b.afterHours)) {
      // A minute past the hour: a scripted step never lands on the very instant a clock fires (the time-skipping
      // server rejects a timer cancelled in the same instant it fires, which a real server orders for itself).
      await sleepUntil(awareAt + step.afterHours * HOUR_MS + STEP_OFFSET_MS);
      if (step.facts) await breaches.updateFacts(breachId, step.facts);
      if (step.approve) {
        for (const approver of step.approve.approvers) {
          await breaches.approve(breachId, {
            obligationId: step.approve.obligationId,
            approver: { id: approver },
            ...(step.approve.filingReference ? { filingReference: step.approve.filingReference } : {}),
          });
        }
      }
      if (step.task) {
        await breaches.recordTask(breachId, {
          taskId: step.task.taskId,
          by: { id: step.task.by ?? 'drill-operator', roles: ['operator', 'manager'] },
          outcome: step.task.outcome,
          waive: step.task.waive,
        });
      }
    }
    await sleepUntil(awareAt + scenario.runDays * 24 * HOUR_MS);
    const status = await breaches.status(breachId);
    // The server's clock, not the status's asOf (the workflow's time at its last task, which may be days earlier).
    return report(scenario.name, status, awareAt, await env.currentTimeMs(), sink.messages.filter((m) => m.text.includes(breachId)).length);
  } finally {
    worker.shutdown();
    await running;
    sender.close();
    mailer.close();
    await store.close();
    await sink.close();
    await env.teardown();
  }
}

function report(name: string, status: BreachStatus, awareAt: number, asOf: number, mails: number): DrillResult {
  const since = (iso: string) => `+${timeLeft(Date.parse(iso) - awareAt)}`;
  const late: string[] = [];
  const deadlineRows = status.obligations.map((o) => {
    const due = Date.parse(o.dueAt);
    const metAt = o.satisfiedAt ? Date.parse(o.satisfiedAt) : undefined;
    const verdict =
      o.state === 'withdrawn'
        ? `withdrawn: ${o.withdrawnBecause}`
        : metAt === undefined
          ? asOf > due
            ? 'MISSED'
            : 'open'
          : metAt > due
            ? `LATE by ${timeLeft(metAt - due)}`
            : 'met';
    if (verdict === 'MISSED' || verdict.startsWith('LATE')) late.push(`${o.id}: ${verdict}`);
    return `| ${o.id} | ${o.dueAt} (${since(o.dueAt)}) | ${o.satisfiedAt ? `${o.satisfiedAt} by ${o.approvedBy.join(' + ')}` : '—'} | ${verdict} | ${o.escalations.map((e) => `${e.step}→${e.audience}`).join(', ') || '—'} |`;
  });
  const taskRow = (t: BreachStatus['tasks'][number]) => {
    const done = t.records.at(-1);
    const at = done ? Date.parse(done.at) : undefined;
    const target = Date.parse(t.targetAt);
    const verdict =
      t.state === 'open'
        ? asOf > target
          ? 'MISSED'
          : 'open'
        : at !== undefined && at > target && t.state === 'done'
          ? `LATE by ${timeLeft(at - target)}`
          : t.state;
    if (verdict === 'MISSED' || verdict.startsWith('LATE')) late.push(`task ${t.id}: ${verdict}`);
    return `| ${t.id} | ${t.owner} | ${since(t.targetAt)} | ${done ? since(done.at) : '—'} | ${verdict} | ${t.escalations.length} |`;
  };
  const taskRows = status.tasks.filter((t) => t.kind !== 'contractual').map(taskRow);
  // An insurer's notice period is a contract term, not a law: its own table, apart from the deadlines and the plan.
  const contractRows = status.tasks.filter((t) => t.kind === 'contractual').map(taskRow);
  const markdown = [
    `# Drill report: ${name}`,
    '',
    `Breach ${status.breachId}, aware ${new Date(awareAt).toISOString()}, run to ${new Date(asOf).toISOString()} (${since(new Date(asOf).toISOString())}) on accelerated time.`,
    `Phase at the end: **${status.phase}**. Mails sent (escalations and notices): ${mails}.`,
    '',
    late.length
      ? `## Late or missed (${late.length})\n\n${late.map((l) => `- ${l}`).join('\n')}`
      : '## Late or missed\n\nNothing: every deadline and task was met.',
    '',
    '## Deadlines',
    '',
    '| obligation | due (regime zone) | met | verdict | escalations |',
    '|---|---|---|---|---|',
    ...deadlineRows,
    '',
    '## Tasks',
    '',
    '| task | owner | target | recorded | verdict | escalations |',
    '|---|---|---|---|---|---|',
    ...taskRows,
    '',
    ...(contractRows.length
      ? [
          '## Contractual clocks (contract terms, not laws)',
          '',
          '| clock | owner | target | recorded | verdict | escalations |',
          '|---|---|---|---|---|---|',
          ...contractRows,
          '',
        ]
      : []),
    '## Damage estimate',
    '',
    `${status.damage.model}: ${status.damage.perPersonYen.toLocaleString('en')} yen per person${status.damage.totalYen === null ? '' : `, ${status.damage.totalYen.toLocaleString('en')} yen in total`}.`,
    ...status.damage.why.map((w) => `- ${w}`),
    '',
    '## Timeline',
    '',
    ...status.timeline.map((t) => `- ${since(t.at)} ${t.kind}${t.obligationId ? ` ${t.obligationId}` : ''}${t.actor ? ` [${t.actor}]` : ''}: ${t.detail}`),
    '',
  ].join('\n');
  return { status, mails, late, markdown };
}
