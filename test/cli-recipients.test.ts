// `breachline recipients import` and `postal-list` as a user runs them: a real process on a real embedded store.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../activities/store';
import { EXIT } from '../client/cli';
import { breachline } from './support/cli';

const dir = mkdtempSync(join(tmpdir(), 'breachline-cli-recipients-'));
const storeUrl = `pglite:${join(dir, 'store')}`;
const run = (args: string[]) => breachline(args, { BREACHLINE_STORE_URL: storeUrl });

describe('breachline recipients', () => {
  it('imports nothing from a file with a quote never closed, exits 2 and names the line', async () => {
    const file = join(dir, 'people.csv');
    writeFileSync(file, 'id,name,email\np1,Ann,ann@example.test\np2,"Bo,bo@example.test\np3,Cy,cy@example.test\n');
    const { code, stderr } = await run(['recipients', 'import', 'breach-cli', file]);
    expect(code).toBe(EXIT.invalid);
    expect(stderr).toContain('line 3: a quoted cell that starts on this row is never closed');
    const store = await openStore(storeUrl);
    expect(await store.recipients.counts('breach-cli')).toMatchObject({ total: 0 });
    await store.close();
  }, 60_000);

  it('writes a postal list of people with an address, formulas neutralised, and counts those without one', async () => {
    const store = await openStore(storeUrl);
    await store.recipients.add('breach-postal', [
      { id: 'p1', name: "=cmd|' /C calc'!A0", postalAddress: '1 Main St', locale: 'en', dataCategories: [], priority: 1 },
      { id: 'p2', name: 'Mail Only', email: 'gone@example.test', locale: 'en', dataCategories: [], priority: 1 },
    ]);
    await store.recipients.planDeliveries('campaign-postal', 'breach-postal', 10);
    await store.recipients.settleDeliveries('campaign-postal', [
      { personId: 'p2', status: 'bounced', messageId: '<m@example.test>', smtpResponse: '550 no such user' },
    ]);
    await store.close();

    const out = join(dir, 'postal.csv');
    const { code, stderr } = await run(['recipients', 'postal-list', 'breach-postal', '--out', out]);
    expect(code).toBe(EXIT.ok);
    expect(readFileSync(out, 'utf8').split('\n')[1]).toBe("p1,'=cmd|' /C calc'!A0,1 Main St,en,postal,,campaign-postal");
    expect(stderr).toContain('1 people written to');
    expect(stderr).toContain('1 more people have no working e-mail and no postal address');
  }, 60_000);
});
