// `npm start`'s stack as a process, for the tests that run it as a user would: its own data folder and ports, its
// output collected, and the promise of its exit. Resolves once it says it is running; rejects with what it printed if
// it does not come up.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './ports';

export interface RunningStack {
  process: ChildProcess;
  /** Its environment: a CLI run with it acts on the same data folder. */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  ports: { temporal: number; ui: number; sink: number; api: number; sdkMetrics: number };
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
  exited: Promise<number | null>;
}

/** An environment of its own for `npm start`'s stack: a fresh data folder and five free ports, no outside servers. */
export async function stackEnv(name: string) {
  const [temporal, ui, sink, api, sdkMetrics] = (await freePorts(5)) as [number, number, number, number, number];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BREACHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), `breachline-${name}-`)),
    BREACHLINE_TEMPORAL_PORT: String(temporal),
    BREACHLINE_TEMPORAL_UI_PORT: String(ui),
    BREACHLINE_SINK_PORT: String(sink),
    BREACHLINE_API_PORT: String(api),
    BREACHLINE_SDK_METRICS_PORT: String(sdkMetrics),
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.BREACHLINE_SMTP_URL;
  delete env.BREACHLINE_STORE_URL;
  return { env, dataDir: env.BREACHLINE_DATA_DIR!, ports: { temporal, ui, sink, api, sdkMetrics } };
}

/**
 * Starts the stack; started again on fresh ports when one of the five was taken between freePorts and the bind by
 * another test file's process (the stack then exits 2 naming it: EADDRINUSE), at most three times.
 */
export async function startStack(name: string): Promise<RunningStack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStackOnce(name);
    } catch (error) {
      if (attempt >= 3 || !(error as Error).message.includes('EADDRINUSE')) throw error;
    }
  }
}

async function startStackOnce(name: string): Promise<RunningStack> {
  const { env, dataDir, ports } = await stackEnv(name);
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'dev', 'stack.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for (let waited = 0; !output.includes('Breachline is running'); waited += 100) {
    if (waited > 90_000 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the stack did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { process: child, env, dataDir, ports, output: () => output, exited };
}
