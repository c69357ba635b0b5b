// A production Temporal server for tests (sandbox/temporal-server.mjs builds it from Go and caches it), not the dev
// server: SQLite in memory for a quick one, or PostgreSQL with the schemas temporal-sql-tool installs; with TLS on
// the frontend (mutual TLS, a CA the test makes) when asked. Nothing is registered: no namespace, no search
// attributes — `breachline setup` does that, as on a real cluster.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generate } from 'selfsigned';
import { ensureServer } from '../../sandbox/temporal-server.mjs';
import { freePorts } from './ports';

/** A certificate authority and what it signed, as PEM files in `dir`. */
export interface TestPki {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** A second, unrelated CA: trusting it instead of the real one must fail. */
  otherCaFile: string;
  /** A client certificate the other CA signed: the server must refuse it. */
  strangerCertFile: string;
  strangerKeyFile: string;
}

async function authority(name: string) {
  return generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
}

async function leaf(name: string, ca: { private: string; cert: string }, usage: 'server' | 'client') {
  return generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: true },
      ...(usage === 'server'
        ? [
            {
              name: 'subjectAltName' as const,
              altNames: [
                { type: 2 as const, value: 'localhost' },
                { type: 7 as const, ip: '127.0.0.1' },
              ],
            },
          ]
        : []),
    ],
  });
}

export async function makePki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'breachline-pki-'));
  const ca = await authority('Breachline test CA');
  const other = await authority('Some other CA');
  const [server, client, stranger] = await Promise.all([
    leaf('localhost', ca, 'server'),
    leaf('breachline-worker', ca, 'client'),
    leaf('stranger', other, 'client'),
  ]);
  const write = (name: string, pem: string) => {
    const path = join(dir, name);
    writeFileSync(path, pem, { mode: 0o600 });
    return path;
  };
  return {
    dir,
    caFile: write('ca.pem', ca.cert),
    serverCertFile: write('server.pem', server.cert),
    serverKeyFile: write('server.key', server.private),
    clientCertFile: write('client.pem', client.cert),
    clientKeyFile: write('client.key', client.private),
    otherCaFile: write('other-ca.pem', other.cert),
    strangerCertFile: write('stranger.pem', stranger.cert),
    strangerKeyFile: write('stranger.key', stranger.private),
  };
}

/** The environment a Breachline process needs to reach a mutual-TLS server with the PKI's client certificate. */
export function tlsEnv(pki: TestPki): Record<string, string> {
  return {
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caFile,
    TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCertFile,
    TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKeyFile,
  };
}

export type Persistence = { kind: 'sqlite' } | { kind: 'postgres'; host: string; port: number; user: string; password?: string };

export interface TemporalServer {
  address: string;
  /** Stops the server (SIGTERM, SIGKILL after 10 s); its databases stay, so `start` brings the same server back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  output(): string;
  dir: string;
}

const execFileAsync = promisify(execFile);

/** Creates the two databases and installs (or updates) their schemas, as an operator does once per cluster. */
export async function setupPostgresSchemas(
  persistence: Extract<Persistence, { kind: 'postgres' }>,
  databases = { main: 'temporal', visibility: 'temporal_visibility' },
) {
  const { sqlTool } = ensureServer();
  const base = ['--plugin', 'postgres12', '--ep', persistence.host, '-p', String(persistence.port), '-u', persistence.user];
  const env = { ...process.env, ...(persistence.password ? { SQL_PASSWORD: persistence.password } : {}) };
  for (const [database, schema] of [
    [databases.main, 'postgresql/v12/temporal'],
    [databases.visibility, 'postgresql/v12/visibility'],
  ] as const) {
    await execFileAsync(sqlTool, [...base, '--db', database, 'create-database'], { env }).catch((error: { stderr?: string }) => {
      if (!/already exists/.test(error.stderr ?? '')) throw error;
    });
    await execFileAsync(sqlTool, [...base, '--db', database, 'setup-schema', '-v', '0.0'], { env });
    await execFileAsync(sqlTool, [...base, '--db', database, 'update-schema', '--schema-name', schema], { env });
  }
}

function datastore(persistence: Persistence, database: string): string {
  if (persistence.kind === 'sqlite') {
    return `      sql:
        pluginName: "sqlite"
        databaseName: "${database}"
        connectAddr: "localhost"
        connectProtocol: "tcp"
        connectAttributes:
          mode: "memory"
          cache: "private"
        maxConns: 1
        maxIdleConns: 1
        maxConnLifetime: "1h"`;
  }
  return `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "${persistence.host}:${persistence.port}"
        connectProtocol: "tcp"
        user: "${persistence.user}"
        password: "${persistence.password ?? ''}"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: "1h"`;
}

/** Starts the server; `tls` puts the frontend behind mutual TLS with the PKI's CA. */
export async function startTemporalServer({
  persistence = { kind: 'sqlite' },
  pki,
  shards = persistence.kind === 'sqlite' ? 1 : 4,
}: { persistence?: Persistence; pki?: TestPki; shards?: number } = {}): Promise<TemporalServer> {
  const { server } = ensureServer();
  const dir = mkdtempSync(join(tmpdir(), 'breachline-temporal-'));
  // The SQL schema keeps membership ports as smallint: they must be below 32768, where ephemeral ports are not.
  const [frontendMembership, historyMembership, matchingMembership, workerMembership] = await lowPorts(4);
  const [frontend, frontendHttp, , history, , matching, , worker, , pprof, metrics] = (await freePorts(11)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const tls = pki
    ? `  tls:
    frontend:
      server:
        certFile: "${pki.serverCertFile}"
        keyFile: "${pki.serverKeyFile}"
        requireClientAuth: true
        clientCaFiles: ["${pki.caFile}"]
      client:
        serverName: "localhost"
        rootCaFiles: ["${pki.caFile}"]
    systemWorker:
      certFile: "${pki.clientCertFile}"
      keyFile: "${pki.clientKeyFile}"
      client:
        serverName: "localhost"
        rootCaFiles: ["${pki.caFile}"]
`
    : '';
  const config = `log:
  stdout: true
  level: warn
persistence:
  defaultStore: main
  visibilityStore: visibility
  numHistoryShards: ${shards}
  datastores:
    main:
${datastore(persistence, 'temporal')}
    visibility:
${datastore(persistence, 'temporal_visibility')}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  pprof:
    port: ${pprof}
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${metrics}"
${tls}services:
  frontend:
    rpc: { grpcPort: ${frontend}, membershipPort: ${frontendMembership}, bindOnLocalHost: true, httpPort: ${frontendHttp} }
  matching:
    rpc: { grpcPort: ${matching}, membershipPort: ${matchingMembership}, bindOnLocalHost: true }
  history:
    rpc: { grpcPort: ${history}, membershipPort: ${historyMembership}, bindOnLocalHost: true }
  worker:
    rpc: { grpcPort: ${worker}, membershipPort: ${workerMembership}, bindOnLocalHost: true }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "localhost:${frontend}"
      httpAddress: "localhost:${frontendHttp}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${join(dir, 'dynamicconfig.yaml')}"
  pollInterval: "10s"
`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yaml'), config);
  // Short caches so that a namespace and search attributes registered by `breachline setup` are usable at once.
  writeFileSync(
    join(dir, 'dynamicconfig.yaml'),
    `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableUpdateWorkflowExecutionAsyncAccepted:
  - value: true
`,
  );
  let child: ChildProcess | undefined;
  let output = '';
  const address = `127.0.0.1:${frontend}`;
  const start = async () => {
    output = '';
    child = spawn(server, ['--config-file', join(dir, 'config.yaml'), '--allow-no-auth', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const started = Date.now();
    // Ready when the frontend answers as healthy (the port opens some seconds before).
    for (;;) {
      if (child.exitCode !== null) throw new Error(`temporal-server exited with ${child.exitCode}:\n${output.slice(-4000)}`);
      if ((await portOpen(frontend)) && (await healthy(address, pki))) break;
      if (Date.now() - started > 90_000) throw new Error(`temporal-server did not open ${address} within 90 s:\n${output.slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    address,
    dir,
    start,
    output: () => output,
    async stop() {
      await stop();
    },
  };
}

async function healthy(address: string, pki: TestPki | undefined): Promise<boolean> {
  let connection: NativeConnection | undefined;
  try {
    connection = await NativeConnection.connect({
      address,
      ...(pki
        ? {
            tls: {
              serverRootCACertificate: readFileSync(pki.caFile),
              clientCertPair: { crt: readFileSync(pki.clientCertFile), key: readFileSync(pki.clientKeyFile) },
            },
          }
        : {}),
    });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** Free loopback ports in 20000–32767, each checked by binding it. */
async function lowPorts(count: number): Promise<number[]> {
  const { createServer } = await import('node:net');
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 12_767);
    if (ports.includes(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer()
        .once('error', () => resolve(false))
        .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) ports.push(port);
  }
  return ports;
}

async function portOpen(port: number): Promise<boolean> {
  const { createConnection } = await import('node:net');
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
