// The response plan as tracked tasks, the PPC report's content, and the damage estimate. Pure parts first; then the
// workflow on the time-skipping server, with escalations read from a real SMTP server.
import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Breaches, UpdateRejected } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { loadConfig } from '../worker/config';
import { ResponsePolicy } from '../workflows/definitions';
import { bundleWorkflows } from '../worker/worker';
import { estimateDamage } from '../workflows/domain/damage';
import { Facts } from '../workflows/domain/facts';
import { DEFAULT_PLAYBOOK, Playbook, provides, taskProviding } from '../workflows/domain/playbook';
import { REPORT_FORMS, reportsFor } from '../workflows/domain/report';
import { timeSkippingEnvironment } from './support/temporal';
import { AUDIENCES, type RunningWorker, startWorker } from './support/worker';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

describe('damage estimate (JNSA JO model)', () => {
  const facts = (over: Partial<Facts>) => Facts.parse({ awareAt: '2026-11-24T03:00:00Z', ...over });

  it("reproduces the model's worked example: name, address, phone, ordinary company, appropriate response: 6,000 yen", () => {
    const estimate = estimateDamage(facts({ dataCategories: ['name', 'address', 'phone'], affectedCount: 1000 }), true);
    expect(estimate.perPersonYen).toBe(6000);
    expect(estimate.totalYen).toBe(6_000_000);
    expect(estimate.inputs).toMatchObject({ sensitivity: 2, identifiability: 6, socialResponsibility: 1, response: 1 });
  });

  it('takes the most sensitive item, the social position and the response into account', () => {
    // Card numbers: economic loss y = 3 → 10^0 + 5^2 = 26; a name alone: identifiable with some effort (3); a bank
    // (2); a deadline missed (2).
    const estimate = estimateDamage(facts({ dataCategories: ['name', 'payment_card'], sectors: ['finance'] }), false);
    expect(estimate.perPersonYen).toBe(500 * 26 * 3 * 2 * 2);
    expect(estimate.totalYen).toBeNull();
    expect(estimate.why.join(' ')).toContain('total unknown until affectedCount is known');
    // Medical records: mental distress x = 3 → 10^2 + 5^0 = 101; no name or address: hard to identify (1).
    expect(estimateDamage(facts({ dataCategories: ['health'] }), true)).toMatchObject({
      perPersonYen: 500 * 101,
      inputs: { sensitivity: 101, identifiability: 1 },
    });
  });
});

describe('playbook configuration', () => {
  it('refuses a bad playbook file at start-up, naming the path and each field', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'breachline-playbook-')), 'playbook.json');
    writeFileSync(path, JSON.stringify({ name: 'ours', tasks: [{ id: 'Bad Id', stage: 'celebration', title: 'x', owner: 'y', targetHours: -1 }] }));
    expect(() => loadConfig({ BREACHLINE_PLAYBOOK: path })).toThrow(
      `invalid playbook ${path}: tasks.0.id: lower-case letters, digits and dashes; tasks.0.stage: Invalid option: expected one of "initial-response"|"investigation"|"communication"|"remediation"; tasks.0.targetHours: Too small: expected number to be >0`,
    );
    writeFileSync(
      path,
      JSON.stringify({ name: 'ours', tasks: [{ id: 'drill', stage: 'initial-response', title: 'Run the drill', owner: 'security', targetHours: 1 }] }),
    );
    expect(loadConfig({ BREACHLINE_PLAYBOOK: path }).policy.playbook?.tasks.map((t) => t.id)).toEqual(['drill']);
  });

  it('ships a default playbook drawn from the response plan', () => {
    expect(DEFAULT_PLAYBOOK.tasks.find((t) => t.id === 'evidence-preserved')).toMatchObject({ targetHours: 4, outcome: 'evidence' });
    expect(new Set(DEFAULT_PLAYBOOK.tasks.map((t) => t.stage))).toEqual(new Set(['initial-response', 'investigation', 'communication', 'remediation']));
  });
});

describe('what tasks provide', () => {
  const ours = (tasks: Record<string, unknown>[]) =>
    Playbook.parse({ name: 'ours', tasks: tasks.map((t) => ({ stage: 'investigation', title: 'x', owner: 'security', targetHours: 1, ...t })) });

  it('finds a task by what it declares, or else by what its outcome kind is; an outcome of facts only by declaration', () => {
    const playbook = ours([
      { id: 'root-cause', outcome: 'facts', provides: 'cause' },
      { id: 'sizing', outcome: 'facts' },
      { id: 'hotline', outcome: 'contact-desk' },
      { id: 'fixes', outcome: 'measures' },
    ]);
    expect(taskProviding(playbook.tasks, 'cause')?.id).toBe('root-cause');
    expect(taskProviding(playbook.tasks, 'scope')).toBeUndefined();
    expect(taskProviding(playbook.tasks, 'contact-desk')?.id).toBe('hotline');
    expect(taskProviding(playbook.tasks, 'recurrence-measures')?.id).toBe('fixes');
    expect(provides({ outcome: 'done' })).toBeUndefined();
  });

  it('refuses a playbook where two tasks declare they provide the same thing', () => {
    const parsed = Playbook.safeParse({
      name: 'ours',
      tasks: ['a', 'b'].map((id) => ({ id, stage: 'investigation', title: 'x', owner: 'security', targetHours: 1, outcome: 'facts', provides: 'cause' })),
    });
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['tasks.1.provides', '"cause" is already provided by task "a"']]);
  });

  it('the default playbook provides each thing the PPC report reads', () => {
    expect(
      Object.fromEntries(
        (['contact-desk', 'cause', 'scope', 'recurrence-measures', 'publication', 'partner-notice'] as const).map((what) => [
          what,
          taskProviding(DEFAULT_PLAYBOOK.tasks, what)?.id,
        ]),
      ),
    ).toEqual({
      'contact-desk': 'contact-desk',
      cause: 'cause-established',
      scope: 'scope-confirmed',
      'recurrence-measures': 'recurrence-plan',
      publication: 'press-release',
      'partner-notice': 'partners-notified',
    });
  });
});

describe('report forms', () => {
  const facts = Facts.parse({ awareAt: '2026-11-24T03:00:00Z', dataCategories: ['name', 'email'], affectedCount: 1500 });
  const obligation = (id: string) => ({ id, title: `report ${id}`, citation: 'APPI Art. 26(1)' });
  const sources = {
    facts,
    detectionSummary: 'Order table copied',
    provided: {
      cause: { note: 'SQL injection' },
      'contact-desk': { phone: '0120-111-222', hours: 'every day' },
      publication: { stage: 'published', url: 'https://example.test/notice' },
    },
    obligations: [{ id: 'JP-APPI/individuals', state: 'satisfied' as const, satisfiedBy: 'olga@example.test' }],
    campaigns: [],
  };

  it('fills a report only for the obligations whose form is registered, in their order', () => {
    const reports = reportsFor(['JP-FSA/supervisor-report', 'JP-APPI/ppc-final', 'JP-APPI/individuals', 'JP-APPI/ppc-preliminary'].map(obligation), sources);
    expect(reports.map((r) => r.obligationId)).toEqual(['JP-APPI/ppc-final', 'JP-APPI/ppc-preliminary']);
    expect(Object.keys(REPORT_FORMS)).toEqual(['JP-APPI/ppc-preliminary', 'JP-APPI/ppc-final']);
  });

  it('fills the PPC items from what the tasks provide and who notified the individuals (APPI Rules Art. 8(1))', () => {
    const [report] = reportsFor([obligation('JP-APPI/ppc-final')], sources);
    expect(Object.fromEntries(report!.items.map((i) => [i.no, i.value]))).toEqual({
      1: 'Order table copied',
      2: 'Name, E-mail address',
      3: '1,500 individuals',
      4: 'SQL injection',
      5: undefined,
      6: 'Individuals notified.',
      7: 'press release published: https://example.test/notice',
      8: undefined,
      9: 'Contact desk: 0120-111-222, every day',
    });
    expect(report!.missing).toEqual(['(5) Secondary damage, or the risk of it', '(8) Measures to prevent recurrence']);
  });
});

let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
let breaches: Breaches;
const operator = { id: 'olga@example.test', roles: ['operator' as const] };
const manager = { id: 'max@example.test', roles: ['manager' as const] };

describe('playbook tasks in the breach workflow (time-skipping server)', () => {
  beforeAll(async () => {
    [env, sink] = await Promise.all([timeSkippingEnvironment(), startMailSink()]);
    worker = await startWorker(env, sink, await bundleWorkflows(), 'playbook-test');
    breaches = new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs() });
  });

  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
    await env?.teardown();
  });

  async function detect(facts: Record<string, unknown> = {}) {
    const detectedAt = new Date(await env.currentTimeMs()).toISOString();
    return breaches.start({
      source: 'playbook-test',
      eventId: randomUUID(),
      detectedAt,
      summary: 'Synthetic: order table copied',
      facts: { jurisdictions: ['JP'], ...facts },
    });
  }

  it('escalates a task that slips past its target to its audience, and stops once it is recorded', async () => {
    const { breachId } = await detect();
    const taskForce = (await breaches.status(breachId)).tasks.find((t) => t.id === 'task-force')!;
    expect(Date.parse(taskForce.targetAt) - Date.parse((await breaches.status(breachId)).facts.awareAt)).toBe(2 * HOUR_MS);
    await env.sleep(3 * HOUR_MS);
    const mail = await sink.waitFor((m) => m.text.includes(breachId) && m.text.includes('task/task-force'));
    expect(mail.envelopeTo).toEqual([AUDIENCES.executive]);
    expect(mail.subject).toContain('OVERDUE (missed): Convene the emergency task force');
    await breaches.recordTask(breachId, { taskId: 'task-force', by: operator, outcome: { note: 'convened at 11:40' } });
    await env.sleep(3 * DAY_MS);
    expect(sink.messages.filter((m) => m.text.includes(breachId) && m.text.includes('task/task-force'))).toHaveLength(1);
    expect((await breaches.status(breachId)).timeline.map((t) => t.kind)).toEqual(expect.arrayContaining(['task-overdue', 'task-recorded']));
  });

  it('escalates a task found days late once, at once, not in a burst', async () => {
    const detectedAt = new Date((await env.currentTimeMs()) - 5 * DAY_MS).toISOString();
    const { breachId } = await breaches.start({
      source: 'playbook-test',
      eventId: randomUUID(),
      detectedAt,
      summary: 'Synthetic: found late',
      facts: { jurisdictions: ['JP'] },
    });
    await sink.waitFor((m) => m.text.includes(breachId) && m.text.includes('task/task-force'));
    await env.sleep(HOUR_MS);
    const taskForce = sink.messages.filter((m) => m.text.includes(breachId) && m.text.includes('task/task-force'));
    expect(taskForce.map((m) => m.subject.match(/\((.+?)\)/)![1])).toEqual(['missed+48h']);
  });

  it('records preserved evidence with a hash per item, refusing a bad hash by its field', async () => {
    const { breachId } = await detect();
    const bad = await breaches
      .recordTask(breachId, { taskId: 'evidence-preserved', by: operator, outcome: { items: [{ name: 'web01 access log', sha256: 'abc' }] } })
      .catch((e: Error) => e);
    expect(bad).toBeInstanceOf(UpdateRejected);
    expect((bad as Error).message).toBe('invalid outcome of evidence-preserved: items.0.sha256: a SHA-256 in lower-case hex (64 characters)');
    const recorded = await breaches.recordTask(breachId, {
      taskId: 'evidence-preserved',
      by: operator,
      outcome: {
        items: [
          { name: 'web01 access log', location: 's3://evidence/web01.log', sha256: 'a'.repeat(64) },
          { name: 'db01 disk image', sha256: 'b'.repeat(64) },
        ],
      },
    });
    expect(recorded).toMatchObject({ state: 'done', records: [{ by: operator.id }] });
    const experts = await breaches.recordTask(breachId, { taskId: 'outside-experts', by: operator, outcome: { decision: 'declined' } }).catch((e: Error) => e);
    expect((experts as Error).message).toContain('reason: declining outside experts needs a reason');
  });

  it('refuses an outcome from a role the task does not allow, and takes it from one it does', async () => {
    const { breachId } = await detect();
    const refused = await breaches.recordTask(breachId, { taskId: 'counsel-review', by: operator, outcome: {} }).catch((e: Error) => e);
    expect((refused as Error).message).toBe('invalid task record: role: operator may not record "counsel-review"; it needs manager');
    // Counsel reviews the recurrence-prevention plan, which waits for the investigation report: waived here.
    for (const taskId of ['cause-established', 'recurrence-plan'])
      await breaches.recordTask(breachId, { taskId, by: operator, waive: { reason: 'synthetic' } });
    expect((await breaches.recordTask(breachId, { taskId: 'counsel-review', by: manager, outcome: { note: 'reviewed by outside counsel' } })).state).toBe(
      'done',
    );
  });

  it('feeds the investigation into the facts: a malicious cause moves the final report to 60 days and fills the report', async () => {
    const { breachId } = await detect({ affectedCount: 1500, dataCategories: ['name', 'email'] });
    const before = (await breaches.status(breachId)).obligations.find((o) => o.id === 'JP-APPI/ppc-final')!;
    await breaches.recordTask(breachId, {
      taskId: 'cause-established',
      by: operator,
      outcome: { facts: { unfairPurpose: true }, note: 'SQL injection in the order search by an outside attacker' },
    });
    const status = await breaches.status(breachId);
    const after = status.obligations.find((o) => o.id === 'JP-APPI/ppc-final')!;
    expect(Date.parse(after.dueAt) - Date.parse(before.dueAt)).toBeGreaterThanOrEqual(25 * DAY_MS);
    const report = status.reports.find((r) => r.obligationId === 'JP-APPI/ppc-final')!;
    expect(report.items.find((i) => i.no === 4)?.value).toBe('SQL injection in the order search by an outside attacker');
    expect(report.items.find((i) => i.no === 3)?.value).toBe('1,500 individuals');
    expect(report.items.find((i) => i.no === 3)?.ja.value).toBe('1,500人');
    expect(report.missing).toEqual(expect.arrayContaining(['(8) Measures to prevent recurrence', '(7) Public announcement']));
    expect(status.damage.inputs).toMatchObject({ affectedCount: 1500, identifiability: 3, sensitivity: 2 });
  });

  it('puts the contact desk recorded on its task into the notices, and refuses a campaign before the desk exists', async () => {
    const { breachId } = await detect();
    const notice = {
      companyName: 'Desk K.K.',
      incident: 'Synthetic.',
      cause: 'Synthetic cause.',
      secondaryDamage: 'None known so far.',
      measures: 'Synthetic.',
      advice: 'Synthetic.',
    };
    const early = await breaches.startCampaign(breachId, { notice, requestedBy: { id: operator.id } }).catch((e: Error) => e);
    expect((early as Error).message).toContain('notice.contactDesk: open the contact desk first');
    await breaches.recordTask(breachId, {
      taskId: 'contact-desk',
      by: operator,
      outcome: { phone: '0120-111-222', email: 'desk@desk.example.test', hours: 'every day 9:00-21:00' },
    });
    await breaches.startCampaign(breachId, { notice, requestedBy: { id: operator.id } });
    let preview: string | undefined;
    for (let i = 0; i < 50 && !preview; i++) {
      preview = (await breaches.status(breachId)).campaigns[0]?.preview?.en?.text;
      if (!preview) await env.sleep(1000);
    }
    expect(preview).toContain('0120-111-222');
    expect(preview).toContain('every day 9:00-21:00');
  });

  it("finds the contact desk and the cause by what a deployment's own tasks provide, whatever their ids", async () => {
    const playbook = Playbook.parse({
      name: 'ours',
      tasks: [
        { id: 'hotline', stage: 'communication', title: 'Open the hotline', owner: 'pr', targetHours: 48, outcome: 'contact-desk' },
        { id: 'root-cause', stage: 'investigation', title: 'Find the root cause', owner: 'security', targetHours: 240, outcome: 'facts', provides: 'cause' },
      ],
    });
    const ours = new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs(), policy: ResponsePolicy.parse({ playbook }) });
    const { breachId } = await ours.start({
      source: 'playbook-test',
      eventId: randomUUID(),
      detectedAt: new Date(await env.currentTimeMs()).toISOString(),
      summary: 'Synthetic: own playbook',
      facts: { jurisdictions: ['JP'], affectedCount: 1500 },
    });
    await ours.recordTask(breachId, { taskId: 'hotline', by: operator, outcome: { phone: '0120-333-444', hours: 'weekdays 9:00-17:00' } });
    await ours.recordTask(breachId, {
      taskId: 'root-cause',
      by: operator,
      outcome: { facts: { unfairPurpose: true }, note: 'phished administrator password' },
    });
    const report = (await ours.status(breachId)).reports.find((r) => r.obligationId === 'JP-APPI/ppc-final')!;
    expect(report.items.find((i) => i.no === 4)?.value).toBe('phished administrator password');
    expect(report.items.find((i) => i.no === 9)?.value).toBe('Contact desk: 0120-333-444, weekdays 9:00-17:00');
    const notice = {
      companyName: 'Own K.K.',
      incident: 'Synthetic.',
      cause: 'Synthetic cause.',
      secondaryDamage: 'None known so far.',
      measures: 'Synthetic.',
      advice: 'Synthetic.',
    };
    await ours.startCampaign(breachId, { notice, requestedBy: { id: operator.id } });
  });

  it('asks for the progress report again every 30 days until the last one', async () => {
    const { breachId } = await detect();
    const first = await breaches.recordTask(breachId, { taskId: 'progress-report', by: operator, outcome: { note: 'three of five measures done' } });
    expect(first.state).toBe('open');
    expect(Date.parse(first.targetAt) - (await env.currentTimeMs())).toBeGreaterThan(29 * DAY_MS);
    const last = await breaches.recordTask(breachId, { taskId: 'progress-report', by: operator, outcome: { note: 'all measures done', final: true } });
    expect(last).toMatchObject({ state: 'done', records: [{}, {}] });
  });
});
