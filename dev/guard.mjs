// Runs a command and kills it when this guard's stdin closes: the dev stack holds the write end of that pipe, so
// when the stack dies for any reason (even SIGKILL, which it cannot catch) the command dies too, and no dev
// server is left holding its ports. Usage: node dev/guard.mjs <command> [args...]  (stdin: a pipe from the parent)
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const GRACE_MS = 5000;
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node dev/guard.mjs <command> [args...]');
  process.exit(2);
}

const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
const stop = (signal) => {
  if (stopping || child.exitCode !== null) return;
  stopping = true;
  child.kill(signal);
  setTimeout(() => child.kill('SIGKILL'), GRACE_MS).unref();
};

process.stdin.on('end', () => stop('SIGTERM'));
process.stdin.on('error', () => stop('SIGTERM'));
process.stdin.resume();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal === 'SIGHUP' ? 'SIGTERM' : signal));
child.on('error', (error) => {
  console.error(`guard: cannot start ${command}: ${error.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
