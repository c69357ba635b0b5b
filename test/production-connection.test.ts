// A production Temporal server (built from Go, not the dev server) behind mutual TLS with a CA this test makes:
// Breachline connects with the right client certificate and is refused, naming the cause, without one, with a
// certificate another CA signed, trusting the wrong CA, or in plaintext. `breachline setup` then prepares the
// server (namespace, search attributes), idempotently; before it, every process says what is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../worker/config';
import { connectClientConnection, connectNative, loadTemporalConnection } from '../worker/connection';
import { openBreachWorker } from '../worker/worker';
import { breachline } from './support/cli';
import { locateServer } from '../sandbox/temporal-server.mjs';
import { makePki, startTemporalServer, type TemporalServer, type TestPki, tlsEnv } from './support/temporal-server';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The server binary takes minutes to build: `node sandbox/temporal-server.mjs` (or `npm run test:production`) builds it once.
describe.skipIf(!locateServer())('a production Temporal server behind mutual TLS', () => {
  let pki: TestPki;
  let server: TemporalServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    pki = await makePki();
    server = await startTemporalServer({ pki });
    env = { HOME: '/nonexistent', TEMPORAL_ADDRESS: server.address, ...tlsEnv(pki), BREACHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'breachline-prodconn-')) };
  }, 180_000);
  afterAll(async () => server?.stop());

  it.each([
    ['no client certificate', { TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' }, 'it requires a client certificate (mutual TLS)'],
    [
      'a client certificate another CA signed',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: 'stranger', TEMPORAL_TLS_CLIENT_KEY_PATH: 'strangerKey' },
      'its CA does not accept the client certificate in TEMPORAL_TLS_CLIENT_CERT_PATH',
    ],
    [
      'the wrong CA',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'otherCa' },
      "The server's TLS certificate is not signed by the CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    ],
    [
      'plaintext',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: '', TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' },
      '(the server speaks TLS). If the server requires TLS, set TEMPORAL_TLS=true',
    ],
  ])('refuses %s, in the worker and in the client, naming the cause', async (_name, override, cause) => {
    const files: Record<string, string> = { stranger: pki.strangerCertFile, strangerKey: pki.strangerKeyFile, otherCa: pki.otherCaFile };
    const settings = loadTemporalConnection({ ...env, ...Object.fromEntries(Object.entries(override).map(([k, v]) => [k, files[v] ?? v])) });
    await expect(connectNative(settings)).rejects.toThrow(cause);
    await expect(connectClientConnection(settings)).rejects.toThrow(cause);
  });

  it('says what is missing before setup, then sets up once, idempotently, and a worker starts', async () => {
    const check = await breachline(['setup', '--check'], env);
    expect(check.code, check.stderr).toBe(78);
    expect(check.stdout).toContain(
      `Temporal: ${server.address}, namespace default, TLS (server CA from TEMPORAL_TLS_SERVER_CA_CERT_PATH, client certificate from TEMPORAL_TLS_CLIENT_CERT_PATH)`,
    );
    expect(check.stdout).toContain('missing: the namespace "default" does not exist');
    expect(check.stderr).toContain('is not ready for Breachline: the namespace "default" does not exist. Run `breachline setup`');
    // A plain command says the same, with the same exit code, rather than failing at its first call.
    for (const command of [['status', 'breach-0123456789abcdef'], ['list']]) {
      const plain = await breachline(command, { ...env, BREACHLINE_STORE_URL: 'pglite:memory' });
      expect(plain.code, plain.stderr).toBe(78);
      expect(plain.stderr).toContain('is not ready for Breachline: the namespace "default" does not exist. Run `breachline setup`');
    }
    await expect(openBreachWorker(loadConfig({ ...env, BREACHLINE_STORE_URL: 'pglite:memory' }))).rejects.toThrow(
      `Temporal at ${server.address} is not ready for Breachline: the namespace "default" does not exist`,
    );

    const first = await breachline(['setup'], { ...env, BREACHLINE_STORE_URL: 'pglite:memory' });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('created namespace default (retention 30 days)');
    expect(first.stdout).toContain('created search attribute BreachNextDeadlineAt (Datetime)');
    expect(first.stdout).toMatch(/Store: .*, schema version \d+/);
    const again = await breachline(['setup'], { ...env, BREACHLINE_STORE_URL: 'pglite:memory' });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('created');
    expect(again.stdout).toContain('namespace default and the search attributes are in place');

    const { worker, store, mailer, connection } = await openBreachWorker(loadConfig({ ...env, BREACHLINE_STORE_URL: 'pglite:memory' }));
    const running = worker.run();
    worker.shutdown();
    await running;
    mailer.close();
    await store.close();
    await connection.close();
  }, 240_000);
});
