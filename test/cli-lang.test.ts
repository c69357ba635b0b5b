// The CLI's tables in the reader's language: --lang, else LANG; times in the reader's zone beside the regime's.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { statusTable } from '../client/format';
import type { BreachStatus } from '../workflows/definitions';
import { Facts } from '../workflows/domain/facts';
import { DEFAULT_PLAYBOOK } from '../workflows/domain/playbook';
import { assess } from '../workflows/domain/regimes';
import { breachline } from './support/cli';

function syntheticStatus(): BreachStatus {
  const assessment = assess(Facts.parse({ awareAt: '2026-11-20T01:00:00Z', jurisdictions: ['JP'], affectedCount: 1500, dataCategories: ['name'] }));
  const iso = (ms: number) => new Date(ms).toISOString();
  const task = DEFAULT_PLAYBOOK.tasks[0]!;
  return {
    breachId: 'breach-cli-lang',
    phase: 'reporting',
    asOf: '2026-11-21T00:00:00Z',
    detection: { source: 'siem', eventId: 'e1', detectedAt: '2026-11-20T01:00:00Z', summary: 'Synthetic' },
    obligations: assessment.obligations
      .filter((o) => o.id === 'JP-APPI/ppc-preliminary')
      .map((o) => ({
        ...o,
        startAt: iso(o.startAt),
        dueAt: iso(o.dueAt),
        targetAt: undefined,
        state: 'open',
        timeLeftMs: 0,
        overdue: false,
        approvalsNeeded: 2,
        approvedBy: [],
        escalations: [],
      })),
    notApplicable: [],
    tasks: [
      {
        id: task.id,
        stage: task.stage,
        title: task.title,
        owner: task.owner,
        outcome: task.outcome,
        state: 'open',
        targetAt: '2026-11-20T03:00:00Z',
        overdue: true,
        records: [],
        escalations: [],
      },
    ],
    timeline: [{ at: '2026-11-20T01:00:05Z', kind: 'detected', detail: 'from siem' }],
  } as unknown as BreachStatus;
}

describe('CLI tables in Japanese and English', () => {
  it("shows a status in Japanese with each deadline in the regime's zone and the reader's, and the timeline in the reader's", () => {
    const text = statusTable(syntheticStatus(), Date.parse('2026-11-21T00:00:00Z'), { lang: 'ja', zone: 'Europe/Berlin' });
    expect(text).toContain('段階     報告・通知');
    expect(text).toContain('検知     2026年11月20日 02:00 GMT+1（siem、e1）');
    // APPI Enforcement Rules Art. 8(1): "promptly", three to five days by the PPC's guidance; shown in Tokyo time and the reader's.
    expect(text).toMatch(/2026年11月2\d日 \d{2}:\d{2} JST（Asia\/Tokyo）/);
    expect(text).toMatch(/\n.*2026年11月2\d日 \d{2}:\d{2} GMT\+1/);
    expect(text).toContain('対応計画のタスク');
    expect(text).toMatch(/未了（期限超過）/);
    expect(text).toContain('経営');
    expect(text).toContain('2026年11月20日 02:00 GMT+1  検知');
  });

  it('answers in Japanese with --lang ja or LANG=ja_JP.UTF-8, and in English otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-lang-'));
    const facts = join(dir, 'facts.json');
    writeFileSync(facts, JSON.stringify({ awareAt: '2026-11-20T01:00:00Z', jurisdictions: ['JP', 'MX'], affectedCount: 1500, dataCategories: ['name'] }));
    const [flag, locale, english, refused] = await Promise.all([
      breachline(['--lang', 'ja', 'obligations', '--facts', facts]),
      breachline(['obligations', '--facts', facts], { LANG: 'ja_JP.UTF-8', LC_ALL: '' }),
      breachline(['obligations', '--facts', facts], { LANG: 'C.UTF-8', LC_ALL: '' }),
      breachline(['--lang', 'fr', 'obligations', '--facts', facts]),
    ]);
    for (const ja of [flag, locale]) {
      expect(ja.code).toBe(0);
      expect(ja.stdout).toContain('期限（法域の時刻）');
      expect(ja.stdout).toContain('未評価 MX');
    }
    expect(english.stdout).toContain('due (regime zone)');
    expect(english.stdout).toContain('NOT EVALUATED MX');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("'fr' is invalid");
  });
});
