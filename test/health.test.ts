// /health names the dependency that is down: Temporal (a real dev server, then an address nothing listens on),
// the store (a real PGlite store, then the same store closed), and the worker.
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
import { healthRoutes, type HealthDeps } from '../client/health';
import { freePort } from './support/ports';
import { devServerEnvironment } from './support/temporal';

let env: TestWorkflowEnvironment;
let store: Store;
beforeAll(async () => {
  env = await devServerEnvironment();
  store = await openStore('pglite:memory');
}, 120_000);
afterAll(async () => {
  await env?.teardown();
});

async function probe(deps: HealthDeps, url: string) {
  const app = Fastify();
  healthRoutes(deps)(app);
  const response = await app.inject({ method: 'GET', url });
  await app.close();
  return { status: response.statusCode, body: response.json() };
}

describe('health', () => {
  it('answers 200 with every check when Temporal, the store and the worker are up', async () => {
    for (const url of ['/health', '/health/ready']) {
      expect(await probe({ client: env.client, store, workerRunning: () => true }, url)).toEqual({
        status: 200,
        body: { ok: true, checks: { temporal: { ok: true }, store: { ok: true }, worker: { ok: true } } },
      });
    }
  });

  it('answers 503 naming Temporal when nothing answers at its address, within the check deadline', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const started = Date.now();
    const { status, body } = await probe({ client: new Client({ connection }), store }, '/health/ready');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(status).toBe(503);
    expect(body.ok).toBe(false);
    expect(body.checks.temporal).toMatchObject({ ok: false, error: expect.any(String) });
    expect(body.checks.store).toEqual({ ok: true });
    expect((await probe({ client: new Client({ connection }), store }, '/health/live')).status).toBe(200); // the process itself is up
    await connection.close();
  });

  it('answers 503 naming the store when it cannot run SELECT 1, and the worker when it stopped', async () => {
    const closed = await openStore('pglite:memory');
    await closed.close();
    const { status, body } = await probe({ client: env.client, store: closed, workerRunning: () => false }, '/health');
    expect(status).toBe(503);
    expect(body.checks.temporal).toEqual({ ok: true });
    expect(body.checks.store).toMatchObject({ ok: false, error: expect.any(String) });
    expect(body.checks.worker).toEqual({ ok: false, error: 'the worker has stopped' });
  });
});
