// Before the dev stack starts anything, each port it will listen on must be free; a busy one is named with the
// process that holds it, read from /proc (Linux), so the developer knows what to stop.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

export interface PlannedPort {
  port: number;
  host: string;
  /** What the stack would run there, and the variable that moves it. */
  what: string;
  variable: string;
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The listening sockets' inodes for a port, from /proc/net/tcp and tcp6 (state 0A is LISTEN). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      if (Number.parseInt(fields[1]!.split(':')[1]!, 16) === port) inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** "pid 1234: temporal server start-dev …" for the process listening on the port, if this user can see it. */
export function portHolder(port: number): string | undefined {
  const sockets = new Set([...listeningInodes(port)].map((inode) => `socket:[${inode}]`));
  if (!sockets.size) return undefined;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!sockets.has(target)) continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      return `pid ${pid}: ${command.length > 200 ? `${command.slice(0, 200)}…` : command}`;
    }
  }
  return undefined;
}

/** The message for each planned port already in use; empty when all are free. */
export async function busyPorts(planned: PlannedPort[]): Promise<string[]> {
  const messages: string[] = [];
  for (const { port, host, what, variable } of planned) {
    if (await isFree(port, host)) continue;
    const holder = portHolder(port);
    messages.push(
      `port ${port} (${what}) is in use${holder ? ` by ${holder}` : ' by a process this user cannot see'}; stop it, or set ${variable} to another port`,
    );
  }
  return messages;
}
