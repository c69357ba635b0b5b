// The breach register end to end: breaches on the time-skipping server write their entries (notifiable or not,
// open or closed) to a PostgreSQL store through the worker; the API lists and exports them; the CLI, as its own
// process, prints the CSV and verifies the chains, and names the entry whose approver was rewritten in SQL.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { parse } from 'csv-parse/sync';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { ensureChromium } from './support/chromium';
import { breachline } from './support/cli';
import { type Postgres, postgresAvailable, startPostgres } from './support/postgres';
import { timeSkippingEnvironment } from './support/temporal';
import { type RunningWorker, startWorker } from './support/worker';

describe.skipIf(!postgresAvailable)('the breach register', () => {
  let env: TestWorkflowEnvironment;
  let sink: MailSink;
  let postgres: Postgres;
  let store: Store;
  let worker: RunningWorker;
  let breaches: Breaches;
  let api: FastifyInstance;
  let manager = '';
  const running: string[] = [];

  beforeAll(async () => {
    [env, sink, postgres] = await Promise.all([timeSkippingEnvironment(), startMailSink(), startPostgres()]);
    store = await openStore(postgres.url);
    worker = await startWorker(env, sink, await bundleWorkflows(), `register-${randomUUID()}`, store);
    breaches = new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs() });
    const tokens = new Tokens(store);
    manager = await tokens.issue('manager@example.test', ['manager']);
    api = buildApi({ breaches, tokens, store });
  }, 240_000);

  afterAll(async () => {
    for (const id of running) await env.client.workflow.getHandle(id).terminate('test over');
    await api?.close();
    await worker?.stop();
    await store?.close();
    await sink?.close();
    await postgres?.stop();
    await env?.teardown();
  });

  const detect = async (facts: Record<string, unknown>) =>
    breaches.start({
      source: 'test-siem',
      eventId: `evt-${randomUUID()}`,
      detectedAt: new Date(await env.currentTimeMs()).toISOString(),
      summary: 'Synthetic: customer table export seen leaving the web shop database',
      facts: { jurisdictions: ['JP'], dataCategories: ['name', 'email'], ...facts },
    });
  const get = (url: string) => api.inject({ method: 'GET', url, headers: { authorization: `Bearer ${manager}` } });

  let notifiable = '';
  let closed = '';

  it('records a notifiable breach with its decisions and each filing with its reference and approvers', async () => {
    ({ breachId: notifiable } = await detect({ affectedCount: 1200, unfairPurpose: true }));
    running.push(notifiable);
    await store.recipients.add(notifiable, [
      { id: 'p1', name: 'Synthetic Person', email: 'synthetic.person@example.test', locale: 'en', dataCategories: ['email'], priority: 1 },
    ]);
    await breaches.approve(notifiable, { obligationId: 'JP-APPI/ppc-preliminary', approver: { id: 'alice@example.test' }, filingReference: 'PPC-PRE-1' });
    await breaches.approve(notifiable, { obligationId: 'JP-APPI/ppc-preliminary', approver: { id: 'carol@example.test' } });
    await expect
      .poll(async () => (await store.register.latest(notifiable))?.entry.obligations.find((o) => o.id === 'JP-APPI/ppc-preliminary')?.state)
      .toBe('satisfied');
    const { entry, revision } = (await store.register.latest(notifiable))!;
    expect(revision).toBeGreaterThan(1);
    expect(entry.status).toBe('open');
    expect(entry.notifiable).toBe(true);
    expect(entry.decisions.find((d) => d.regime === 'JP-APPI')).toMatchObject({
      notifiable: true,
      obligations: ['JP-APPI/ppc-preliminary', 'JP-APPI/ppc-final', 'JP-APPI/individuals'],
    });
    expect(entry.obligations.find((o) => o.id === 'JP-APPI/ppc-preliminary')!.approvals).toEqual([
      expect.objectContaining({ by: 'alice@example.test', action: 'approved', filingReference: 'PPC-PRE-1' }),
      expect.objectContaining({ by: 'carol@example.test', action: 'submitted' }),
    ]);
    // Counts and categories, never a person: the entry's facts are the breach's facts, which hold no one.
    expect(entry.facts).toMatchObject({ affectedCount: 1200, dataCategories: ['name', 'email'] });
    expect(JSON.stringify(entry)).not.toMatch(/Synthetic Person|synthetic\.person/);
    expect((await breaches.status(notifiable)).register).toEqual({ revision });
  });

  it('records a breach found not notifiable, with the reason, and keeps it closed after the workflow has ended', async () => {
    ({ breachId: closed } = await detect({ affectedCount: 1200, unfairPurpose: true, encrypted: true }));
    const status = await breaches.status(closed);
    for (const task of status.tasks) {
      await breaches.recordTask(closed, {
        taskId: task.id,
        by: { id: 'mgr@example.test', roles: ['operator', 'manager'] },
        waive: { reason: 'encrypted archive' },
      });
    }
    await breaches.close(closed, { by: { id: 'dpo@example.test' }, reason: 'Not reportable: strongly encrypted' });
    await env.client.workflow.getHandle(closed).result();
    // Written before the close returned: the workflow is over, the register has it.
    const { entry } = (await store.register.latest(closed))!;
    expect(entry).toMatchObject({ status: 'closed', notifiable: false, closedBy: 'dpo@example.test', closeReason: 'Not reportable: strongly encrypted' });
    expect(entry.decisions.find((d) => d.regime === 'JP-APPI')!.reasons.join(' ')).toContain('encrypt');
    expect(entry.tasks.every((t) => t.state === 'waived')).toBe(true);
  });

  it('lists, filters and exports the register over the API', async () => {
    const list = (await get('/register?status=closed')).json<{ total: number; entries: { breachId: string }[] }>();
    expect(list.entries.map((e) => e.breachId)).toEqual([closed]);
    expect((await get('/register?notifiable=true&regime=JP-APPI')).json<typeof list>().entries.map((e) => e.breachId)).toEqual([notifiable]);
    const paged = (await get('/register?limit=1&offset=1')).json<typeof list>();
    expect([paged.total, paged.entries.length]).toEqual([2, 1]);
    const csv = await get('/register.csv');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = parse<Record<string, string>>(csv.body, { columns: true });
    expect(rows.map((r) => [r.breach_id, r.status, r.notifiable])).toEqual(
      expect.arrayContaining([
        [closed, 'closed', 'false'],
        [notifiable, 'open', 'true'],
      ]),
    );
    expect(rows.find((r) => r.breach_id === notifiable)!.filings).toContain('JP-APPI/ppc-preliminary approved by alice@example.test');
    expect((await get('/register?format=csv')).body).toBe(csv.body);
    const one = (await get(`/register/${encodeURIComponent(closed)}`)).json<{ timeline: { kind: string }[] }>();
    expect(one.timeline.map((t) => t.kind)).toContain('closed');
    const bad = await get('/register?status=archived');
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'BL_INVALID', issues: [{ field: 'query.status' }] });
    expect((await get('/register?from=0000-01-01')).json()).toMatchObject({
      code: 'BL_INVALID',
      issues: [{ field: 'query.from', message: 'a date from 1900 to 9999' }],
    });
    expect((await api.inject({ method: 'GET', url: '/register' })).statusCode).toBe(401);
  });

  it('shows the register on the dashboard, with the reason a breach was not notifiable', async () => {
    const base = await api.listen({ host: '127.0.0.1', port: 0 });
    const browser = await chromium.launch({ executablePath: ensureChromium(), headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${base}/`);
      await page.evaluate(
        (token) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('breachline.token', token),
        manager,
      );
      await page.goto(`${base}/#/register?status=closed`);
      await page.waitForSelector(`[data-testid=register-row][data-breach-id="${closed}"]`);
      expect(await page.locator('[data-testid=register-row]').count()).toBe(1);
      expect(await page.textContent(`[data-testid=register-row][data-breach-id="${closed}"]`)).toMatch(/closed[\s\S]*JP-APPI: .*encrypt/);
      await page.selectOption('[data-testid=register-status]', '');
      await page.waitForSelector(`[data-testid=register-row][data-breach-id="${notifiable}"]`);
      expect(await page.textContent(`[data-testid=register-row][data-breach-id="${notifiable}"]`)).toContain('approved by alice@example.test (PPC-PRE-1)');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('prints the CSV and verifies the chains from the CLI, and names the approval rewritten in SQL', async () => {
    const cliEnv = { BREACHLINE_STORE_URL: postgres.url };
    const csv = await breachline(['register', '--csv', '--status', 'open'], cliEnv);
    expect(csv.code).toBe(0);
    expect(parse<Record<string, string>>(csv.stdout, { columns: true }).map((r) => r.breach_id)).toEqual([notifiable]);

    const bad = await breachline(['register', '--status', 'archived'], cliEnv);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('status')]);
    // Both breaches are younger than the five years of retention: nothing to remove.
    const purge = await breachline(['register', 'purge', '--dry-run'], cliEnv);
    expect(purge.stdout).toMatch(/^would remove 0 breach\(es\) closed before \S+ \(retention 5 years\)/);

    const clean = await breachline(['register', 'verify'], cliEnv);
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/row\(s\) of 2 breach\(es\) checked/);

    // An operator with database access makes carol's approval alice's: four eyes would read as one pair of eyes.
    const { rows } = await store.sql.query<{ idempotency_key: string }>(
      `UPDATE outcome SET actor = 'alice@example.test' WHERE breach_id = $1 AND kind = 'approval-recorded' AND actor = 'carol@example.test' RETURNING idempotency_key`,
      [notifiable],
    );
    expect(rows).toHaveLength(1);
    const tampered = await breachline(['register', 'verify'], cliEnv);
    expect(tampered.code).toBe(5);
    expect(tampered.stderr).toContain(`broken link in outcome: breach ${notifiable}, ${rows[0]!.idempotency_key}`);
    expect(tampered.stderr).toContain('the row was rewritten');
    const verified = (await get('/register/verify')).json<{ ok: boolean; broken: { entry: string } }>();
    expect(verified).toMatchObject({ ok: false, broken: { entry: rows[0]!.idempotency_key } });
  });
});
