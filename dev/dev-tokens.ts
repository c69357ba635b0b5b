// Tokens for the local stack: one per role, plus a second operator for four-eyes approvals. Issued on the first
// `npm start`, kept in .data/dev-tokens.json (mode 600) so the dashboard and curl examples keep working across
// restarts; reissued if the store no longer knows them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { Store } from '../activities/store';
import { type Role, Tokens } from '../client/auth';

export const DEV_IDENTITIES: { key: string; name: string; roles: Role[] }[] = [
  { key: 'detector', name: 'dev-siem', roles: ['detector'] },
  { key: 'operator', name: 'alice@example.com', roles: ['operator'] },
  { key: 'operator2', name: 'bob@example.com', roles: ['operator'] },
  { key: 'manager', name: 'manager@example.com', roles: ['manager'] },
];

// A file in any other shape (hand-edited, from an older version) is not an error: its tokens are reissued.
const SavedTokens = z.record(z.string(), z.string()).catch({});

export async function devTokens(store: Store, path: string): Promise<Record<string, string>> {
  const tokens = new Tokens(store);
  const saved = existsSync(path) ? SavedTokens.parse(JSON.parse(readFileSync(path, 'utf8'))) : {};
  const valid = await Promise.all(DEV_IDENTITIES.map(async ({ key }) => saved[key] !== undefined && (await tokens.verify(saved[key])) !== undefined));
  if (valid.every(Boolean)) return saved;
  const issued: Record<string, string> = {};
  for (const { key, name, roles } of DEV_IDENTITIES) issued[key] = await tokens.issue(name, roles);
  writeFileSync(path, `${JSON.stringify(issued, null, 2)}\n`, { mode: 0o600 });
  return issued;
}
