// Connection settings from the environment and Temporal's client config file: what each variable does, and that a
// bad one stops start-up naming it — never echoing a secret.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../worker/config';
import { loadTemporalConnection, parseToml } from '../worker/connection';
import { makePki, type TestPki } from './support/temporal-server';

const NO_FILE = { TEMPORAL_CONFIG_FILE: undefined, HOME: '/nonexistent' };

describe('Temporal connection settings', () => {
  let pki: TestPki;
  let dir: string;
  beforeAll(async () => {
    pki = await makePki();
    dir = mkdtempSync(join(tmpdir(), 'breachline-conn-'));
  });

  it('defaults to the plaintext local server', () => {
    const settings = loadTemporalConnection(NO_FILE);
    expect(settings).toMatchObject({ address: 'localhost:7233', namespace: 'default' });
    expect(settings.tls).toBeUndefined();
    expect(settings.description).toBe('localhost:7233, namespace default, plaintext');
    expect(loadConfig({ BREACHLINE_DATA_DIR: '/tmp/bl' }).temporal).toMatchObject({ address: 'localhost:7233', namespace: 'default', taskQueue: 'breachline' });
  });

  it('reads the CA, the client certificate and the key from files, and says where they came from but not what they hold', () => {
    const settings = loadTemporalConnection({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'breaches',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caFile,
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCertFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKeyFile,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal.internal',
    });
    expect(settings.tls?.serverRootCACertificate?.toString()).toContain('BEGIN CERTIFICATE');
    expect(settings.tls?.clientCertPair?.key.toString()).toContain('PRIVATE KEY');
    expect(settings.tls?.serverNameOverride).toBe('frontend.temporal.internal');
    expect(settings.description).toBe(
      'temporal.internal:7233, namespace breaches, TLS (server CA from TEMPORAL_TLS_SERVER_CA_CERT_PATH, client certificate from TEMPORAL_TLS_CLIENT_CERT_PATH, server name frontend.temporal.internal)',
    );
    expect(settings.description).not.toContain('PRIVATE');
  });

  it('takes an API key from a file only, and turns TLS on with it (Temporal Cloud)', () => {
    const keyFile = join(dir, 'api-key');
    writeFileSync(keyFile, 'secret-api-key-value\n');
    const settings = loadTemporalConnection({ ...NO_FILE, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY_FILE: keyFile });
    expect(settings.apiKey).toBe('secret-api-key-value');
    expect(settings.tls).toEqual({});
    expect(settings.description).toBe('ns.acct.tmprl.cloud:7233, namespace default, TLS (server CA from the system), API key from TEMPORAL_API_KEY_FILE');
    expect(() => loadTemporalConnection({ ...NO_FILE, TEMPORAL_API_KEY: 'secret-api-key-value' })).toThrow(
      'TEMPORAL_API_KEY: an API key is a secret: put it in a file and set TEMPORAL_API_KEY_FILE to its path',
    );
    try {
      loadTemporalConnection({ ...NO_FILE, TEMPORAL_API_KEY: 'secret-api-key-value' });
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-api-key-value');
    }
  });

  it.each([
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: 'CERT' }, 'TEMPORAL_TLS_CLIENT_KEY_PATH: a client certificate needs its key'],
    [{ TEMPORAL_TLS_CLIENT_KEY_PATH: 'KEY' }, 'TEMPORAL_TLS_CLIENT_CERT_PATH: a client certificate needs its key'],
    [{ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' }, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read /nonexistent/ca.pem: ENOENT'],
    [{ TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'KEY' }, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH: KEY holds no PEM certificate'],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: 'CERT', TEMPORAL_TLS_CLIENT_KEY_PATH: 'CERT' }, 'TEMPORAL_TLS_CLIENT_KEY_PATH: CERT holds no PEM private key'],
    [{ TEMPORAL_TLS: 'yes' }, 'TEMPORAL_TLS: must be true or false'],
    [{ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'CA' }, 'TEMPORAL_TLS: TLS is turned off, but TLS settings are given'],
    [{ TEMPORAL_API_KEY_FILE: '/nonexistent/key' }, 'TEMPORAL_API_KEY_FILE: cannot read /nonexistent/key: ENOENT'],
  ])('refuses %o naming the setting', (settings, message) => {
    const files: Record<string, string> = { CERT: pki.clientCertFile, KEY: pki.clientKeyFile, CA: pki.caFile };
    const env = Object.fromEntries(Object.entries(settings).map(([name, value]) => [name, files[value] ?? value]));
    expect(() => loadTemporalConnection({ ...NO_FILE, ...env })).toThrow(message.replace(/\b(CERT|KEY|CA)\b(?= holds)/, (name) => files[name]!));
  });

  it("reads a profile of Temporal's client config file, the environment overriding it", () => {
    const file = join(dir, 'temporal.toml');
    writeFileSync(
      file,
      `# as \`temporal config set\` writes it
[profile.default]
address = "localhost:7233"

[profile.prod]
address = "temporal.internal:7233"
namespace = "breaches"

[profile.prod.tls]
server_ca_cert_path = "${pki.caFile}"
client_cert_path = "${pki.clientCertFile}"
client_key_path = "${pki.clientKeyFile}"
server_name = 'frontend'
`,
    );
    const prod = loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other' });
    expect(prod).toMatchObject({ address: 'temporal.internal:7233', namespace: 'other', tls: { serverNameOverride: 'frontend' } });
    expect(prod.tls?.clientCertPair).toBeDefined();
    expect(prod.sources.cert).toBe(`${file} [profile.prod] tls.client_cert_path`);
    expect(loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file }).tls).toBeUndefined();
    expect(() => loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' })).toThrow(
      `TEMPORAL_PROFILE: ${file} has no [profile.staging]`,
    );
    expect(() => loadTemporalConnection({ TEMPORAL_CONFIG_FILE: join(dir, 'missing.toml') })).toThrow('TEMPORAL_CONFIG_FILE: cannot read');
  });

  it('reads the codec and breach-id keys from files every replica mounts', () => {
    const codecFile = join(dir, 'codec.key');
    const idFile = join(dir, 'id.key');
    writeFileSync(codecFile, 'Y29kZWMta2V5\n');
    writeFileSync(idFile, 'aWQta2V5\n');
    const config = loadConfig({ BREACHLINE_CODEC_KEY_FILE: codecFile, BREACHLINE_ID_KEY_FILE: idFile });
    expect(config.codec.key).toBe('Y29kZWMta2V5');
    expect(config.breachIds.key).toBe('aWQta2V5');
    expect(() => loadConfig({ BREACHLINE_CODEC_KEY_FILE: join(dir, 'none') })).toThrow(`BREACHLINE_CODEC_KEY_FILE: cannot read ${join(dir, 'none')}: ENOENT`);
  });

  it('refuses TOML it does not understand, naming the line', () => {
    expect(parseToml('[a]\nkey = "v\\"q"\nflag = true\nn = 3 # comment')).toEqual({ '': {}, a: { key: 'v"q', flag: true, n: 3 } });
    expect(() => parseToml('[a]\nkey = [1, 2]', 'f.toml')).toThrow('f.toml: line 2');
  });
});
