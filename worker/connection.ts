// How every process reaches Temporal: address, namespace, TLS (server CA, client certificate for mTLS, server name)
// and API key (Temporal Cloud). Gathered once from the environment and Temporal's own client config file (the
// names of Temporal's environment configuration, so one `temporal.toml` serves the Temporal CLI and Breachline);
// the worker (NativeConnection), the API and the CLI (Connection) all connect through here.
// Secrets come from files: never a command-line flag, and never in a log line or an error message.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Connection, type ConnectionOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { InvalidInput } from '../workflows/domain/facts';

export interface TemporalTls {
  /** PEM of the CA(s) the server's certificate must chain to; the system's CAs when absent. */
  serverRootCACertificate?: Buffer;
  /** The client certificate and key, for a server that requires mutual TLS. */
  clientCertPair?: { crt: Buffer; key: Buffer };
  /** The name the server's certificate must carry, when it differs from the address's host. */
  serverNameOverride?: string;
}

export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  /** Absent: plaintext (the dev server). */
  tls?: TemporalTls;
  apiKey?: string;
  /** Where each setting came from, for error messages: variable or file key, never a value. */
  sources: { ca?: string; cert?: string; key?: string; apiKey?: string; serverName?: string };
  /** One line for start-up logs: address, namespace and which security is on, never a secret. */
  description: string;
}

/** Temporal's default client config file location (Linux); TEMPORAL_CONFIG_FILE overrides it. */
export const DEFAULT_CONFIG_FILE = join(homedir(), '.config', 'temporalio', 'temporal.toml');

type Profile = {
  address?: string;
  namespace?: string;
  api_key?: string;
  tls?: { disabled?: boolean; server_ca_cert_path?: string; client_cert_path?: string; client_key_path?: string; server_name?: string };
};

/**
 * The connection settings: environment variables first (Temporal's names), then the profile (TEMPORAL_PROFILE,
 * `default`) of the config file (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml when it exists).
 * A bad setting stops the process here, naming the variable or key and why.
 */
export function loadTemporalConnection(env: Record<string, string | undefined> = process.env): TemporalConnectionConfig {
  const get = (name: string) => (env[name] === '' ? undefined : env[name]);
  const configFile = get('TEMPORAL_CONFIG_FILE');
  const profileName = get('TEMPORAL_PROFILE') ?? 'default';
  const profile = readProfile(configFile ?? DEFAULT_CONFIG_FILE, profileName, configFile !== undefined);
  const fileKey = (key: string) => `${configFile ?? DEFAULT_CONFIG_FILE} [profile.${profileName}] ${key}`;
  const pick = (variable: string, key: string, fromFile: string | undefined) =>
    get(variable) !== undefined ? { value: get(variable), source: variable } : fromFile !== undefined ? { value: fromFile, source: fileKey(key) } : undefined;

  const address = pick('TEMPORAL_ADDRESS', 'address', profile.address)?.value ?? 'localhost:7233';
  const namespace = pick('TEMPORAL_NAMESPACE', 'namespace', profile.namespace)?.value ?? 'default';
  const ca = pick('TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'tls.server_ca_cert_path', profile.tls?.server_ca_cert_path);
  const cert = pick('TEMPORAL_TLS_CLIENT_CERT_PATH', 'tls.client_cert_path', profile.tls?.client_cert_path);
  const key = pick('TEMPORAL_TLS_CLIENT_KEY_PATH', 'tls.client_key_path', profile.tls?.client_key_path);
  const serverName = pick('TEMPORAL_TLS_SERVER_NAME', 'tls.server_name', profile.tls?.server_name);
  const errors: { field: string; message: string }[] = [];

  if (get('TEMPORAL_API_KEY') !== undefined) {
    errors.push({ field: 'TEMPORAL_API_KEY', message: 'an API key is a secret: put it in a file and set TEMPORAL_API_KEY_FILE to its path' });
  }
  let apiKey: { value: string; source: string } | undefined;
  if (get('TEMPORAL_API_KEY_FILE') !== undefined) {
    const text = readSecret(get('TEMPORAL_API_KEY_FILE')!, 'TEMPORAL_API_KEY_FILE', errors)?.toString('utf8').trim();
    if (text === '') errors.push({ field: 'TEMPORAL_API_KEY_FILE', message: `${get('TEMPORAL_API_KEY_FILE')} is empty` });
    else if (text !== undefined) apiKey = { value: text, source: 'TEMPORAL_API_KEY_FILE' };
  } else if (profile.api_key !== undefined) {
    apiKey = { value: profile.api_key, source: fileKey('api_key') };
  }

  const tlsVariable = get('TEMPORAL_TLS');
  if (tlsVariable !== undefined && !['true', 'false'].includes(tlsVariable)) errors.push({ field: 'TEMPORAL_TLS', message: 'must be true or false' });
  const anyTlsSetting = Boolean(ca || cert || key || serverName);
  // As Temporal's own clients do: TLS is on with an API key or any TLS setting, unless turned off explicitly.
  const tlsOn =
    tlsVariable !== undefined ? tlsVariable === 'true' : profile.tls?.disabled !== undefined ? !profile.tls.disabled : Boolean(apiKey) || anyTlsSetting;
  if (!tlsOn && anyTlsSetting) {
    errors.push({ field: tlsVariable !== undefined ? 'TEMPORAL_TLS' : fileKey('tls.disabled'), message: 'TLS is turned off, but TLS settings are given' });
  }
  if (Boolean(cert) !== Boolean(key)) {
    errors.push({
      field: cert ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH',
      message: `a client certificate needs its key and the key its certificate (${(cert ?? key)!.source} is set)`,
    });
  }

  const pem = (setting: typeof ca, marker: RegExp, what: string) => {
    if (!setting) return undefined;
    const content = readSecret(setting.value!, setting.source, errors);
    if (content && !marker.test(content.toString('utf8'))) errors.push({ field: setting.source, message: `${setting.value} holds no PEM ${what}` });
    return content;
  };
  const caPem = pem(ca, /-----BEGIN CERTIFICATE-----/, 'certificate (-----BEGIN CERTIFICATE-----)');
  const certPem = pem(cert, /-----BEGIN CERTIFICATE-----/, 'certificate (-----BEGIN CERTIFICATE-----)');
  const keyPem = pem(key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key (-----BEGIN … PRIVATE KEY-----)');
  if (errors.length) throw new InvalidInput('Temporal connection settings', errors);

  const tls: TemporalTls | undefined = tlsOn
    ? {
        ...(caPem ? { serverRootCACertificate: caPem } : {}),
        ...(certPem && keyPem ? { clientCertPair: { crt: certPem, key: keyPem } } : {}),
        ...(serverName ? { serverNameOverride: serverName.value } : {}),
      }
    : undefined;
  const security = tls
    ? [
        `TLS (server CA ${ca ? `from ${ca.source}` : 'from the system'}`,
        tls.clientCertPair ? `, client certificate from ${cert!.source}` : '',
        serverName ? `, server name ${serverName.value}` : '',
        ')',
      ].join('')
    : 'plaintext';
  return {
    address,
    namespace,
    ...(tls ? { tls } : {}),
    ...(apiKey ? { apiKey: apiKey.value } : {}),
    sources: { ca: ca?.source, cert: cert?.source, key: key?.source, apiKey: apiKey?.source, serverName: serverName?.source },
    description: `${address}, namespace ${namespace}, ${security}${apiKey ? `, API key from ${apiKey.source}` : ''}`,
  };
}

function readSecret(path: string, source: string, errors: { field: string; message: string }[]): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    errors.push({ field: source, message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    return undefined;
  }
}

/** A profile of Temporal's client config file; a file named explicitly must exist, the default one may not. */
function readProfile(path: string, name: string, required: boolean): Profile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new InvalidInput('Temporal connection settings', [{ field: 'TEMPORAL_CONFIG_FILE', message: `cannot read ${path}: ${(error as Error).message}` }]);
  }
  const tables = parseToml(text, path);
  const base = tables[`profile.${name}`];
  if (!base) {
    if (required) throw new InvalidInput('Temporal connection settings', [{ field: 'TEMPORAL_PROFILE', message: `${path} has no [profile.${name}]` }]);
    return {};
  }
  const tls = tables[`profile.${name}.tls`];
  const text_ = (table: Record<string, unknown> | undefined, key: string) => {
    const value = table?.[key];
    if (value !== undefined && typeof value !== 'string') throw tomlError(path, `[profile.${name}] ${key} must be a string`);
    return value;
  };
  const disabled = tls?.disabled;
  if (disabled !== undefined && typeof disabled !== 'boolean') throw tomlError(path, `[profile.${name}.tls] disabled must be true or false`);
  for (const unsupported of ['client_cert_data', 'client_key_data', 'server_ca_cert_data']) {
    if (tls?.[unsupported] !== undefined)
      throw tomlError(path, `[profile.${name}.tls] ${unsupported}: give the PEM as a file (${unsupported.replace('_data', '_path')})`);
  }
  return {
    address: text_(base, 'address'),
    namespace: text_(base, 'namespace'),
    api_key: text_(base, 'api_key'),
    ...(tls
      ? {
          tls: {
            disabled,
            server_ca_cert_path: text_(tls, 'server_ca_cert_path'),
            client_cert_path: text_(tls, 'client_cert_path'),
            client_key_path: text_(tls, 'client_key_path'),
            server_name: text_(tls, 'server_name'),
          },
        }
      : {}),
  };
}

const tomlError = (path: string, message: string) => new InvalidInput('Temporal connection settings', [{ field: path, message }]);

/**
 * The part of TOML that Temporal's client config file uses: [table] headers, `key = "string" | true | false | number`,
 * comments. Anything else is refused naming the line, rather than misread.
 */
export function parseToml(text: string, path = 'the config file'): Record<string, Record<string, unknown>> {
  const tables: Record<string, Record<string, unknown>> = { '': {} };
  let current = tables['']!;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (line === '' || line.startsWith('#')) return;
    const header = /^\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$/.exec(line);
    if (header) {
      current = tables[header[1]!] ??= {};
      return;
    }
    const pair = /^([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(true|false)|(-?\d+))\s*(#.*)?$/.exec(line);
    if (!pair) throw tomlError(path, `line ${index + 1}: not a \`key = value\` line this reader understands`);
    const [, key, basic, literal, bool, int] = pair;
    current[key!] =
      basic !== undefined ? (JSON.parse(`"${basic}"`) as string) : literal !== undefined ? literal : bool !== undefined ? bool === 'true' : Number(int);
  });
  return tables;
}

/** A Temporal server that cannot be reached, or refused us; its message is one sentence saying what to do. */
export class TemporalUnreachable extends Error {
  constructor(address: string, cause: unknown, settings?: Pick<TemporalConnectionConfig, 'tls' | 'apiKey' | 'sources'>) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    super(`Cannot reach the Temporal server at ${address} (${reason}). ${advice(reason ?? '', settings)}`);
    this.name = 'TemporalUnreachable';
  }
}

/** What the failure means and what to change, from the TLS library's words (rustls for the worker, Node for the CLI/API). */
function advice(reason: string, settings?: Pick<TemporalConnectionConfig, 'tls' | 'apiKey' | 'sources'>): string {
  const tls = settings?.tls;
  if (tls && /UnknownIssuer|unable to (get|verify)|self[- ]signed|certificate verify failed|BadSignature|invalid peer certificate/i.test(reason)) {
    if (/NotValidForName|altnames|does not match|not valid for/i.test(reason)) {
      return `The server's certificate does not name this host: set TEMPORAL_TLS_SERVER_NAME to the name it carries.`;
    }
    return `The server's TLS certificate is not signed by ${settings?.sources.ca ? `the CA in ${settings.sources.ca}` : 'a CA this machine trusts (no TEMPORAL_TLS_SERVER_CA_CERT_PATH is set)'}: point TEMPORAL_TLS_SERVER_CA_CERT_PATH at the CA that signed the server's certificate.`;
  }
  if (tls && /NotValidForName|altnames|does not match|not valid for/i.test(reason)) {
    return `The server's certificate does not name this host: set TEMPORAL_TLS_SERVER_NAME to the name it carries.`;
  }
  if (tls && /certificate required|CertificateRequired|bad certificate|BadCertificate|UnknownCA|unknown ca|handshake|alert|tls|ssl/i.test(reason)) {
    return tls.clientCertPair
      ? `The server refused the TLS handshake: its CA does not accept the client certificate in ${settings.sources.cert}; use a certificate its client CA signed.`
      : 'The server refused the TLS handshake: it requires a client certificate (mutual TLS); set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH.';
  }
  if (tls && /wrong version number|packet length|InvalidContentType|corrupt message|http2|protocol/i.test(reason)) {
    return 'The server does not speak TLS there: unset the TEMPORAL_TLS_* settings, or use its TLS port.';
  }
  if (!tls && /speaks TLS|Connection reset|ECONNRESET|protocol error|broken pipe|http2|hang ?up/i.test(reason)) {
    return 'If the server requires TLS, set TEMPORAL_TLS=true (and TEMPORAL_TLS_SERVER_CA_CERT_PATH, plus a client certificate for mutual TLS).';
  }
  if (/UNAUTHENTICATED|PERMISSION_DENIED|unauthori[sz]ed|api key/i.test(reason)) {
    return settings?.apiKey
      ? `The server refused the API key from ${settings.sources.apiKey}: check that it is current and grants this namespace.`
      : 'The server wants credentials: set TEMPORAL_API_KEY_FILE, or a client certificate.';
  }
  return 'Start one with `npm start` (it runs a dev server), or set TEMPORAL_ADDRESS to a server that is running.';
}

/** Options for the worker's NativeConnection (the Rust core). */
export function nativeConnectionOptions(config: TemporalConnectionConfig): NativeConnectionOptions {
  return { address: config.address, ...(config.tls ? { tls: config.tls } : {}), ...(config.apiKey ? { apiKey: config.apiKey } : {}) };
}

/** Options for the client Connection (gRPC in Node), as the API and the CLI use it. */
export function clientConnectionOptions(config: TemporalConnectionConfig): ConnectionOptions {
  return { address: config.address, ...(config.tls ? { tls: config.tls } : {}), ...(config.apiKey ? { apiKey: config.apiKey } : {}) };
}

/**
 * Why a connection failed, from a TLS handshake of our own with the same settings: gRPC's errors often say only
 * "failed to connect before the deadline" or "connection closed", where the handshake names the cause.
 */
export async function diagnose(config: TemporalConnectionConfig, timeoutMs = 3000): Promise<string | undefined> {
  const { connect } = await import('node:tls');
  const { isIP } = await import('node:net');
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(config.address);
  if (!match) return undefined;
  const [, host, port] = match;
  const serverName = config.tls?.serverNameOverride ?? (isIP(host!) ? undefined : host);
  return new Promise((resolve) => {
    let settled = false;
    const done = (reason: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const socket = connect({
      host,
      port: Number(port),
      ...(serverName ? { servername: serverName } : {}),
      ALPNProtocols: ['h2'],
      ...(config.tls?.serverRootCACertificate ? { ca: config.tls.serverRootCACertificate } : {}),
      ...(config.tls?.clientCertPair ? { cert: config.tls.clientCertPair.crt, key: config.tls.clientCertPair.key } : {}),
      // Plaintext settings: learn whether the server speaks TLS at all.
      ...(config.tls ? {} : { rejectUnauthorized: false }),
    });
    // A refused client certificate arrives as an alert just after the handshake (TLS 1.3): wait a moment for it.
    socket.once('secureConnect', () => setTimeout(() => done(config.tls ? undefined : 'the server speaks TLS'), 500));
    // With plaintext settings only "it speaks TLS" is news; a handshake error there is just a plaintext server.
    socket.once('error', (error: Error) => {
      // OpenSSL's "80DC…:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:…": the alert.
      const reason = /SSL routines:[^:]*:([^:]+)/.exec(error.message)?.[1] ?? error.message;
      done(config.tls ? reason : /alert/.test(reason) ? 'the server speaks TLS' : undefined);
    });
    socket.once('close', () => done(undefined));
    const timer = setTimeout(() => done(undefined), timeoutMs);
  });
}

/** A refusal, with the cause our own handshake found when gRPC's message does not say. */
async function unreachable(config: TemporalConnectionConfig, error: unknown): Promise<TemporalUnreachable> {
  const diagnosis = await diagnose(config).catch(() => undefined);
  return new TemporalUnreachable(config.address, diagnosis ? new Error(diagnosis) : error, config);
}

/** The worker's connection; a refusal names its cause (wrong CA, missing client certificate, …). */
export async function connectNative(config: TemporalConnectionConfig): Promise<NativeConnection> {
  let connection: NativeConnection | undefined;
  try {
    connection = await NativeConnection.connect(nativeConnectionOptions(config));
    // A TLS refusal of the client certificate shows only at the first call.
    await connection.withDeadline(Date.now() + 10_000, () => connection!.workflowService.getSystemInfo({}));
    return connection;
  } catch (error) {
    await connection?.close().catch(() => undefined);
    throw await unreachable(config, error);
  }
}

/**
 * The API's and CLI's connection, retrying UNAVAILABLE calls briefly; checked with a first call, so a TLS refusal
 * is reported here and not at the first request.
 */
export async function connectClientConnection(
  config: TemporalConnectionConfig,
  retry: Parameters<typeof makeGrpcRetryInterceptor>[0] | undefined = undefined,
): Promise<Connection> {
  try {
    return await Connection.connect({
      ...clientConnectionOptions(config),
      connectTimeout: '5 seconds',
      ...(retry ? { interceptors: [makeGrpcRetryInterceptor(retry)] } : {}),
    });
  } catch (error) {
    throw await unreachable(config, error);
  }
}
