// The dev stack's tokens survive restarts in a file; what the file holds is read, not trusted.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
import { Tokens } from '../client/auth';
import { DEV_IDENTITIES, devTokens } from '../dev/dev-tokens';

let store: Store;
const dir = mkdtempSync(join(tmpdir(), 'breachline-dev-tokens-'));

beforeAll(async () => {
  store = await openStore('pglite:memory');
});
afterAll(async () => {
  await store.close();
});

describe('dev tokens', () => {
  it('issues one token per identity on the first start and keeps them while the store knows them', async () => {
    const path = join(dir, 'first.json');
    const issued = await devTokens(store, path);
    expect(Object.keys(issued).sort()).toEqual(DEV_IDENTITIES.map((i) => i.key).sort());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const tokens = new Tokens(store);
    for (const { key, name } of DEV_IDENTITIES) expect((await tokens.verify(issued[key]!))?.name).toBe(name);
    expect(await devTokens(store, path)).toEqual(issued);
  });

  it.each([
    ['a token of another type', { detector: 1, operator: null }],
    ['an array', ['bpt_x']],
    ['a bare string', 'bpt_x'],
    ['null', null],
  ])('reissues the tokens when the file holds %s', async (_what, content) => {
    const path = join(dir, `odd-${Math.random()}.json`);
    writeFileSync(path, JSON.stringify(content));
    const issued = await devTokens(store, path);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(issued);
    const tokens = new Tokens(store);
    for (const { key } of DEV_IDENTITIES) expect(await tokens.verify(issued[key]!)).toBeDefined();
  });
});
