// The tables people read: what the status says must agree with the obligations it lists.
import { describe, expect, it } from 'vitest';
import { statusTable } from '../client/format';
import type { BreachStatus } from '../workflows/definitions';
import { Facts } from '../workflows/domain/facts';
import { assess } from '../workflows/domain/regimes';

describe('statusTable', () => {
  it('names a rule that does not apply by the rule, never its regime as a whole while that regime has obligations open', () => {
    const assessment = assess(Facts.parse({ awareAt: '2026-11-20T01:00:00Z', jurisdictions: ['JP'], affectedCount: 1500, dataCategories: ['name'] }));
    const open = assessment.obligations.filter((o) => o.regime === 'JP-APPI');
    const ruleLevel = assessment.notApplicable.filter((n) => n.regime === 'JP-APPI' && n.obligation);
    expect(open.length).toBeGreaterThan(0);
    expect(ruleLevel.length).toBeGreaterThan(0); // e.g. the substitute public notice: everyone can be reached
    const iso = (ms: number) => new Date(ms).toISOString();
    const status = {
      breachId: 'breach-0',
      phase: 'reporting',
      asOf: '2026-11-21T00:00:00Z',
      detection: { source: 's', eventId: 'e', detectedAt: '2026-11-20T01:00:00Z', summary: 'Synthetic' },
      obligations: open.map((o) => ({
        ...o,
        startAt: iso(o.startAt),
        dueAt: iso(o.dueAt),
        targetAt: undefined,
        state: 'open',
        timeLeftMs: 0,
        overdue: false,
        approvalsNeeded: 1,
        approvedBy: [],
        escalations: [],
      })),
      notApplicable: assessment.notApplicable,
      timeline: [],
    } as unknown as BreachStatus;
    const lines = statusTable(status, Date.parse('2026-11-21T00:00:00Z')).split('\n');
    expect(lines.filter((l) => l.startsWith('JP-APPI: not applicable'))).toEqual([]);
    for (const n of ruleLevel) expect(lines).toContain(`${n.obligation}: not applicable: ${n.reason}`);
  });
});
