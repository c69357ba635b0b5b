// Graceful shutdown, as an orchestrator's SIGTERM does it: `breachline api` finishes a request in flight and refuses
// new connections, `breachline worker` drains and stops polling; both exit 0.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
import { Tokens } from '../client/auth';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { freePort } from './support/ports';
import { type Postgres, startPostgres } from './support/postgres';
import { devServerEnvironment, TEST_CODEC_KEY } from './support/temporal';

let env: TestWorkflowEnvironment;
let sink: MailSink;
let postgres: Postgres;
let store: Store;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [env, sink, postgres] = await Promise.all([devServerEnvironment(), startMailSink({}), startPostgres()]);
  store = await openStore(postgres.url);
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await store?.close();
  await postgres?.stop();
  await sink?.close();
  await env?.teardown();
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `breachline <role>` in its own process, configured only through the environment; resolves once it says `ready`. */
async function start(role: 'api' | 'worker', extra: Record<string, string>, ready: RegExp): Promise<Started> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'breachline.mjs'), role], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      BREACHLINE_STORE_URL: postgres.url,
      BREACHLINE_SMTP_URL: sink.url,
      BREACHLINE_CODEC_KEY: TEST_CODEC_KEY.toString('base64'),
      BREACHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'breachline-shutdown-')),
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for (let waited = 0; !ready.test(output); waited += 100) {
    if (child.exitCode !== null || waited > 120_000) throw new Error(`breachline ${role} did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output, exited };
}

describe('SIGTERM', () => {
  it('lets the API finish a request in flight and the worker drain, then both exit 0', async () => {
    const taskQueue = `shutdown-${randomUUID()}`;
    const idKey = randomBytes(32).toString('base64');
    const port = await freePort();
    const shared = { BREACHLINE_TASK_QUEUE: taskQueue, BREACHLINE_ID_KEY: idKey };
    const [worker, api] = await Promise.all([
      start('worker', shared, /breachline worker: task queue/),
      start('api', { ...shared, BREACHLINE_API_PORT: String(port) }, /breachline api: http/),
    ]);
    const token = await new Tokens(store).issue('detector@example.test', ['detector']);

    // Headers and half the body now; the rest after SIGTERM: the request is in flight when the signal comes.
    const body = JSON.stringify({
      source: 'shutdown-test',
      eventId: randomUUID(),
      detectedAt: new Date().toISOString(),
      summary: 'Synthetic leak',
      facts: { jurisdictions: ['JP'], affectedCount: 10 },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/breaches',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 40));
      setTimeout(() => {
        api.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(40)), 1000);
      }, 500);
    });
    const answered = await response;
    expect(answered.status, answered.body).toBe(201);
    expect(await api.exited).toBe(0);
    expect(api.output()).toContain('breachline api: SIGTERM: finishing the requests in flight');
    // Gone: a new connection is refused.
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    // Drained within the grace time, not killed: the SDK's own state log says it stopped polling and finished.
    expect(worker.output()).toMatch(/Worker state changed \{[^}]*DRAINING/);
    expect(worker.output()).toMatch(/Worker state changed \{[^}]*STOPPED/);
  }, 300_000);
});
