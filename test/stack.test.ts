// `npm start`'s stack as a user runs it: a real process that starts the dev server, the sink, the store, the
// worker and the API, says where each listens, serves a detection end to end, and stops cleanly on Ctrl-C.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from './support/ports';

let stack: ChildProcess | undefined;
afterAll(() => {
  stack?.kill('SIGKILL');
});

describe('npm start (dev/stack.ts)', () => {
  it('runs the whole system on embedded defaults, serves a detection, and stops on SIGINT', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'breachline-stack-'));
    const [temporal, ui, sinkPort, api, sdkMetrics] = (await freePorts(5)) as [number, number, number, number, number];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BREACHLINE_DATA_DIR: dataDir,
      BREACHLINE_TEMPORAL_PORT: String(temporal),
      BREACHLINE_TEMPORAL_UI_PORT: String(ui),
      BREACHLINE_SINK_PORT: String(sinkPort),
      BREACHLINE_API_PORT: String(api),
      BREACHLINE_SDK_METRICS_PORT: String(sdkMetrics),
    };
    delete env.TEMPORAL_ADDRESS;
    delete env.BREACHLINE_SMTP_URL;
    delete env.BREACHLINE_STORE_URL;
    stack = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'dev', 'stack.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    stack.stdout!.on('data', (chunk) => (output += chunk));
    stack.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => stack!.once('exit', resolve));

    for (let waited = 0; !output.includes('Breachline is running'); waited += 100) {
      if (waited > 90_000 || stack.exitCode !== null) throw new Error(`the stack did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output).toContain(`Temporal    127.0.0.1:${temporal}`);
    expect(output).toContain(`Web UI http://127.0.0.1:${ui}`);
    expect(output).toContain(`Mail        smtp://127.0.0.1:${sinkPort}`);
    expect(output).toContain(`HTTP API    http://127.0.0.1:${api}`);

    expect(output).toContain(`Dashboard   http://127.0.0.1:${api}/`);
    const tokens = JSON.parse(readFileSync(join(dataDir, 'dev-tokens.json'), 'utf8'));
    expect(output).toContain(tokens.detector); // printed for the user to copy
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
      if (waited > 30_000) throw new Error(`no mail in ${mailDir}:\n${output}`);
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
