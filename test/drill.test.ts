// Drill mode: the example scenario through the real workflow on accelerated time, and the report it writes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runDrill } from '../client/drill';

describe('drill mode', () => {
  it('runs the example scenario to day 65 and reports what was met and what was late', async () => {
    const scenario = JSON.parse(readFileSync(new URL('../examples/drills/web-shop-leak.json', import.meta.url), 'utf8'));
    const result = await runDrill(scenario);
    const byId = Object.fromEntries(result.status.obligations.map((o) => [o.id, o]));
    // The cause turned malicious on day 10: the final report had 60 days and was filed on day 55, on time.
    expect(byId['JP-APPI/ppc-final']).toMatchObject({ state: 'satisfied', approvedBy: ['alice@example.com', 'bob@example.com'] });
    expect(result.markdown).toMatch(/\| JP-APPI\/ppc-final \| .* \| met \|/);
    expect(result.markdown).toMatch(/\| JP-APPI\/ppc-preliminary \| .* \| met \|/);
    // Tasks recorded after their targets are late; those never recorded are missed.
    expect(result.late).toEqual(
      expect.arrayContaining(['task outside-experts: LATE by 1d 2h', 'task contact-desk: LATE by 1d 0h', 'task press-release: MISSED']),
    );
    expect(result.late.some((l) => l.startsWith('JP-APPI/'))).toBe(false);
    // The insurer's notice period, never recorded in this scenario: a contract term, shown apart from the deadlines.
    expect(result.markdown).toMatch(/## Contractual clocks \(contract terms, not laws\)\n\n.*\n.*\n\| insurer-notice-1 \| legal \| .* \| MISSED \|/);
    expect(result.markdown).toContain('## Timeline');
    expect(result.markdown).toContain('task-overdue');
    expect(result.mails).toBeGreaterThan(10);
  }, 120_000);
});
