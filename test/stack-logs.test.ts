// Nothing the dev stack prints names a recipient: `npm start` as a process imports synthetic people, sends them a
// wave through the sink, is fed bad requests and bad rows, and every line it wrote (stdout and stderr) is scanned.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startStack } from './support/stack';

const PEOPLE = [
  { id: 'lp-1', name: 'Quillon Vexmarrow', email: 'quillon.vexmarrow@leakprobe.example.test' },
  { id: 'lp-2', name: 'Ysolde Brackenfirth', email: 'ysolde.brackenfirth@leakprobe.example.test' },
  { id: 'lp-3', name: '漏洩 試験子', email: 'rouei.shikenko@leakprobe.example.test' },
];
/** Rows the import must refuse, which still carry personal data the refusal must not echo to the log. */
const BAD_ROWS = [
  { id: 'lp-4', name: 'Orrin Thistlewaite', email: 'orrin.thistlewaite@@leakprobe.example.test' },
  { id: 'lp-5', name: 'Maelis Corvantide', email: 'maelis.corvantide.leakprobe.example.test' },
];
const SECRETS = [...PEOPLE, ...BAD_ROWS].flatMap((p) => [p.name, p.email, p.email.split('@')[0]!]);

let stack: ChildProcess | undefined;
afterAll(() => {
  stack?.kill('SIGKILL');
});

describe('dev stack output', () => {
  it('never prints a recipient’s name or address, through a campaign wave and a run of errors', async () => {
    const running = await startStack('logs');
    stack = running.process;
    const { dataDir, exited } = running;
    const { api } = running.ports;
    const tokens = JSON.parse(readFileSync(join(dataDir, 'dev-tokens.json'), 'utf8')) as Record<string, string>;
    const base = `http://127.0.0.1:${api}`;
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens.operator}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: typeof body === 'string' || body === undefined ? body : JSON.stringify(body),
      });
      return { status: response.status, body: await response.text() };
    };

    const detection = {
      source: 'logs-test',
      eventId: '1',
      detectedAt: new Date(Date.now() - 86_400_000).toISOString(),
      summary: 'Synthetic',
      facts: { jurisdictions: ['JP'], affectedCount: 5 },
    };
    const started = await call('POST', '/breaches', detection, { authorization: `Bearer ${tokens.detector}` });
    expect(started.status).toBe(201);
    const id = encodeURIComponent(JSON.parse(started.body).breachId);

    const csv = [
      'id,name,email,postal_address,locale,data_categories',
      ...[...PEOPLE, ...BAD_ROWS, PEOPLE[0]!].map((p) => `${p.id},${p.name},${p.email},,ja,name;email`),
    ].join('\n');
    const imported = await call('POST', `/breaches/${id}/recipients`, csv, { 'content-type': 'text/csv' });
    expect(imported.status).toBe(200);
    expect(JSON.parse(imported.body)).toMatchObject({ imported: 3, invalid: 2 });

    // Errors of every kind, each carrying personal data in what it sends.
    const jsonl = BAD_ROWS.map((p) => JSON.stringify({ id: p.id, name: p.name, email: p.email, locale: 'xx' })).join('\n');
    const provocations = [
      await call('POST', `/breaches/${id}/recipients`, jsonl, { 'content-type': 'application/x-ndjson' }),
      await call('POST', `/breaches/${id}/recipients`, `{"name":"${PEOPLE[0]!.name}","email":"${PEOPLE[0]!.email}"`, {
        'content-type': 'application/x-ndjson',
      }),
      await call('POST', `/breaches/${id}/recipients`, `<person>${PEOPLE[1]!.email}</person>`, { 'content-type': 'application/xml' }),
      await call('POST', `/breaches/${encodeURIComponent(PEOPLE[1]!.email)}/recipients`, csv, { 'content-type': 'text/csv' }),
      await call('POST', `/breaches/${id}/facts`, `{"contactDesk": "${PEOPLE[2]!.email}", `),
      await call('POST', `/breaches/${id}/facts`, { reporter: PEOPLE[2]!.name, email: PEOPLE[2]!.email }),
      await call('GET', `/breaches?regime=${encodeURIComponent(PEOPLE[0]!.email)}&q=${encodeURIComponent(PEOPLE[0]!.name)}`),
      await call('GET', `/breaches/${id}`, undefined, { authorization: `Bearer ${PEOPLE[1]!.email}` }),
      await call('POST', `/breaches/${id}/campaigns`, { notice: { companyName: PEOPLE[2]!.name }, to: PEOPLE[2]!.email }),
    ];
    for (const { status, body } of provocations) expect(status >= 400 || JSON.parse(body).invalid > 0, `${status} ${body}`).toBe(true);

    const campaign = await call('POST', `/breaches/${id}/campaigns`, {
      notice: {
        companyName: 'Logs Shop',
        incident: 'Synthetic incident.',
        cause: 'Synthetic cause.',
        secondaryDamage: 'None known so far.',
        measures: 'Synthetic measures.',
        advice: 'Synthetic advice.',
        contactDesk: { name: 'Desk', phone: '0120-000-000', hours: '24/7' },
      },
      ratePerSecond: 100,
    });
    expect(campaign.status).toBe(201);
    const campaignPath = JSON.parse(campaign.body).campaignId.split('/').pop();
    for (let waited = 0; JSON.parse((await call('GET', `/breaches/${id}`)).body).campaigns?.[0]?.waves?.[0]?.state !== 'awaiting-approval'; waited += 200) {
      if (waited > 30_000) throw new Error(`the wave never awaited approval:\n${running.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await call('POST', `/breaches/${id}/campaigns/${campaignPath}/waves/1/approval`, {})).status).toBe(200);
    const mailDir = join(dataDir, 'mail');
    const delivered = () =>
      existsSync(mailDir)
        ? readdirSync(mailDir)
            .map((f) => readFileSync(join(mailDir, f), 'utf8'))
            .join('\n')
        : '';
    for (let waited = 0; !PEOPLE.every((p) => delivered().includes(p.email)); waited += 200) {
      if (waited > 30_000) throw new Error(`the wave did not reach every recipient:\n${running.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // A second approval of the same wave and a resend: refusals that name the wave, not its people.
    await call('POST', `/breaches/${id}/campaigns/${campaignPath}/waves/1/approval`, {});
    await call('POST', `/breaches/${id}/campaigns/${campaignPath}/test-send`, { locale: 'xx' });

    stack.kill('SIGINT');
    expect(await exited).toBe(0);
    const output = running.output(); // all it printed, from its start through the wave and the errors
    expect(output).toContain('api: POST'); // the failures were printed, so the scan below read them
    const leaked = SECRETS.filter((secret) => output.includes(secret) || output.includes(encodeURIComponent(secret)));
    expect(leaked, `the stack printed personal data:\n${output}`).toEqual([]);
  }, 240_000);
});
