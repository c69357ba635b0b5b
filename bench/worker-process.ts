// A worker or an API as production runs it: `breachline worker` / `breachline api` in a process of its own (from
// dist/ when `npm run build` has made it, else the sources under tsx), configured by environment, watched for its
// death and its memory.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from '../test/support/cli';
import { TEST_CODEC_KEY } from '../test/support/temporal';

export const DIST = join(import.meta.dirname, '..', 'dist', 'breachline.mjs');

/** Resident memory of a process, from /proc: now and at its peak (MiB). */
export function rss(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** CPU seconds a process has used (user and system, all its threads), from /proc. */
export function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface WorkerProcess {
  pid: number;
  /** Set once the process has exited without being asked to. */
  readonly died: boolean;
  /** SIGTERM, and waits for the exit (a graceful shutdown); nothing if it died. */
  stop(): Promise<void>;
}

export interface ProcessOptions {
  kind: 'built' | 'tsx';
  address: string;
  taskQueue: string;
  storeUrl: string;
  smtpUrl: string;
  metricsPort: number;
  /**
   * The worker's niceness (`nice -n`): where the worker shares a host with the API and the server, a lower CPU
   * priority lets detections be taken at once while the worker catches up on the assessments between bursts.
   * Every thread of the process inherits it (Linux's niceness is per thread, so it is set before any starts).
   */
  nice?: number;
  log: (line: string) => void;
}

export function startWorkerProcess(options: ProcessOptions): Promise<WorkerProcess> {
  return startProcess('worker', options, { BREACHLINE_WORKER_METRICS_PORT: String(options.metricsPort) }, /breachline worker: task queue/);
}

/**
 * The HTTP API in a process of its own, as deployed: its event loop not shared with the bench's load. Listens on
 * `port`; its environment adds `env` (a policy file, a data directory).
 */
export function startApiProcess(options: Omit<ProcessOptions, 'metricsPort'> & { port: number; env: Record<string, string> }): Promise<WorkerProcess> {
  return startProcess('api', options, { ...options.env, BREACHLINE_API_PORT: String(options.port), BREACHLINE_API_HOST: '127.0.0.1' }, /breachline api: http/);
}

async function startProcess(
  role: 'worker' | 'api',
  options: Omit<ProcessOptions, 'metricsPort'>,
  extra: Record<string, string>,
  ready: RegExp,
): Promise<WorkerProcess> {
  let output = '';
  const nodeOptions = role === 'worker' ? (process.env.BENCH_WORKER_NODE_OPTIONS ?? '') : (process.env.BENCH_API_NODE_OPTIONS ?? '');
  const node = [process.execPath, ...nodeOptions.split(' ').filter(Boolean), options.kind === 'built' ? DIST : BIN, role];
  const [command, ...args] = options.nice ? ['nice', '-n', String(options.nice), ...node] : node;
  const child: ChildProcess = spawn(command!, args, {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.address,
      BREACHLINE_TASK_QUEUE: options.taskQueue,
      BREACHLINE_STORE_URL: options.storeUrl,
      BREACHLINE_SMTP_URL: options.smtpUrl,
      BREACHLINE_CODEC_KEY: TEST_CODEC_KEY.toString('base64'),
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  let died = false;
  let stopping = false;
  process.once('exit', () => child.kill('SIGKILL')); // never left running, however the bench ends
  child.once('exit', (code, signal) => {
    if (stopping) return;
    died = true;
    options.log(`the ${role} exited (${signal ?? code}):\n${output.slice(-4000)}`);
  });
  for (let waited = 0; !ready.test(output); waited += 200) {
    if (waited > 180_000 || died) throw new Error(`the ${role} did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    pid: child.pid!,
    get died() {
      return died;
    },
    async stop() {
      if (died) return;
      stopping = true;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
