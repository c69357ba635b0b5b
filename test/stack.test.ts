// `npm start`'s stack as a user runs it: a real process that starts the dev server, the sink, the store, the
// worker and the API, says where each listens, serves a detection end to end, and stops cleanly on Ctrl-C.
import { type ChildProcess, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startStack } from './support/stack';

let stack: ChildProcess | undefined;
afterAll(() => {
  stack?.kill('SIGKILL');
});

describe('npm start (dev/stack.ts)', () => {
  it('runs the whole system on embedded defaults, serves a detection, and stops on SIGINT', async () => {
    const running = await startStack('stack');
    stack = running.process;
    const { env, dataDir, exited } = running;
    const { temporal, ui, sink: sinkPort, api } = running.ports;
    expect(running.output()).toContain(`Temporal    127.0.0.1:${temporal}`);
    expect(running.output()).toContain(`Web UI http://127.0.0.1:${ui}`);
    expect(running.output()).toContain(`Mail        smtp://127.0.0.1:${sinkPort}`);
    expect(running.output()).toContain(`HTTP API    http://127.0.0.1:${api}`);

    expect(running.output()).toContain(`Dashboard   http://127.0.0.1:${api}/`);
    const tokens = JSON.parse(readFileSync(join(dataDir, 'dev-tokens.json'), 'utf8'));
    expect(running.output()).toContain(tokens.detector); // printed for the user to copy
    expect((await fetch(`http://127.0.0.1:${api}/`)).headers.get('content-type')).toContain('text/html');

    // Aware six days ago: the preliminary report is overdue, so a mail must land in the sink's folder.
    const detectedAt = new Date(Date.now() - 6 * 86_400_000).toISOString();
    const detection = JSON.stringify({
      source: 'stack-test',
      eventId: '1',
      detectedAt,
      summary: 'Synthetic',
      facts: { jurisdictions: ['JP'], affectedCount: 1200 },
    });
    const anonymous = await fetch(`http://127.0.0.1:${api}/breaches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: detection });
    expect(anonymous.status).toBe(401);
    const response = await fetch(`http://127.0.0.1:${api}/breaches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.detector}` },
      body: detection,
    });
    expect(response.status).toBe(201);
    const mailDir = join(dataDir, 'mail');
    for (let waited = 0; !(existsSync(mailDir) && readdirSync(mailDir).length > 0); waited += 100) {
      if (waited > 30_000) throw new Error(`no mail in ${mailDir}:\n${running.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The CLI against the same server, with the stack's codec key: list through visibility, and watch a breach.
    const { breachId } = (await response.json()) as { breachId: string };
    const cli = (args: string[]) =>
      promisify(execFile)(process.execPath, [join(import.meta.dirname, '..', 'bin', 'breachline.mjs'), ...args], {
        env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${temporal}` },
      });
    let listed: { breachId: string; regimes: string[] }[] = [];
    for (let waited = 0; !listed.some((b) => b.breachId === breachId && b.regimes.length); waited += 250) {
      if (waited > 15_000) throw new Error(`breachline list never showed ${breachId}: ${JSON.stringify(listed)}`);
      listed = JSON.parse((await cli(['list', '--json'])).stdout);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(listed.find((b) => b.breachId === breachId)).toMatchObject({ regimes: ['JP-APPI'], summary: 'Synthetic' });
    expect((await cli(['list', '--due-within', '1'])).stdout).toContain(breachId); // the preliminary report is overdue
    const watched = await cli(['watch', breachId, '--times', '2', '--interval', '0.2']);
    expect(watched.stdout.match(/JP-APPI\/ppc-final/g)?.length).toBeGreaterThanOrEqual(2);

    expect((await fetch(`http://127.0.0.1:${api}/dev/mail`)).status).toBe(401); // recipients' mail: readers only
    const page = await (await fetch(`http://127.0.0.1:${api}/dev/mail`, { headers: { authorization: `Bearer ${tokens.manager}` } })).text();
    expect(page).toContain('OVERDUE');
    expect(existsSync(join(dataDir, 'temporal.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, 'codec.key'))).toBe(true);

    stack.kill('SIGINT');
    expect(await exited).toBe(0);
    const refused = await fetch(`http://127.0.0.1:${api}/health`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(refused).toBe('refused');
  });
});
