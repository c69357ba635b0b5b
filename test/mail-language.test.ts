// Escalation and task mails in the audience's language, from the one catalogue: a deadline's reminder speaks of
// filing and approval, a playbook task's of its target and outcome, in Japanese as in English.
import { describe, expect, it } from 'vitest';
import { render } from '../activities/mail';
import type { EscalationNotice } from '../activities/types';
import { loadConfig } from '../worker/config';

const dueAt = Date.parse('2026-12-21T14:59:59Z');
const deadline: EscalationNotice = {
  template: 'escalation',
  breachId: 'breach-mail-1',
  obligationId: 'JP-APPI/ppc-final',
  title: 'Final report to the PPC (確報)',
  citation: 'APPI Art. 26(1); Enforcement Rules Art. 8(2)',
  dueAt,
  zone: 'Asia/Tokyo',
  guidance: false,
  step: 'missed',
  overdue: true,
};
const task: EscalationNotice = {
  ...deadline,
  obligationId: 'task/contact-desk',
  title: 'Open the contact desk before notices go out',
  citation: 'playbook, communication (owner: pr)',
  zone: 'UTC',
  task: { stage: 'communication', owner: 'pr' },
};

describe('escalation and task mails', () => {
  it("words a missed deadline as a filing not yet approved, in Japanese, with the regime's zone", () => {
    const mail = render(deadline, 'https://breachline.example.test', 'dpo', 'ja');
    expect(mail.subject).toBe('[Breachline] 期限超過（missed）：個人情報保護委員会への確報 — breach-mail-1');
    expect(mail.text).toContain('「個人情報保護委員会への確報」の期限を過ぎましたが、承認（提出）の記録がありません。');
    expect(mail.text).toContain('期限：　　2026-12-21T23:59:59.000+09:00（Asia/Tokyo）');
    expect(mail.text).toContain('宛先：　　個人情報保護責任者（督促の段階 missed）');
    expect(mail.text).toContain('状況：https://breachline.example.test/breaches/breach-mail-1');
  });

  it('words a slipping playbook task as a target and an outcome to record, never as a regulator filing', () => {
    for (const lang of ['ja', 'en'] as const) {
      const mail = render(task, undefined, 'owner', lang);
      expect(mail.text).not.toMatch(/approval|Legal basis|submission|承認|提出|根拠/);
    }
    const ja = render(task, undefined, 'owner', 'ja');
    expect(ja.subject).toBe('[Breachline] 目標超過（missed）：通知の前に問合せ窓口を開設する — breach-mail-1');
    expect(ja.text).toContain('タスク：　task/contact-desk（通知・公表、担当：広報）');
    expect(ja.text).toContain('完了したら Breachline に結果を記録してください');
    const en = render(task, undefined, 'owner', 'en');
    expect(en.subject).toBe('[Breachline] OVERDUE (missed): Open the contact desk before notices go out — breach-mail-1');
    expect(en.text).toContain('The playbook task "Open the contact desk before notices go out" is past its target and has not been recorded as done.');
    expect(en.text).toContain('Task:        task/contact-desk (communication, owner: PR)');
  });

  it('lists deadlines and tasks due together in one summary, counted in the plural form of the language', () => {
    const { template: _, breachId: __, ...item } = deadline;
    const { template: ___, breachId: ____, ...taskItem } = task;
    const notice = {
      template: 'escalation-summary' as const,
      breachId: 'breach-mail-1',
      items: [item, taskItem, { ...item, title: 'A', overdue: false }, { ...item, title: 'B' }],
    };
    const en = render(notice, undefined, 'executive', 'en');
    expect(en.subject).toBe(
      '[Breachline] OVERDUE: 3 of 4: Final report to the PPC (確報); Open the contact desk before notices go out; A; and 1 more — breach-mail-1',
    );
    expect(en.text).toContain('  task/contact-desk, target 2026-12-21T14:59:59.000Z (UTC)');
    const ja = render(notice, undefined, 'executive', 'ja');
    expect(ja.subject).toBe('[Breachline] 期限超過 3件／4件：個人情報保護委員会への確報; 通知の前に問合せ窓口を開設する; A、ほか1件 — breach-mail-1');
    expect(ja.text).toContain('宛先：経営層');
  });

  it('takes the mail language from BREACHLINE_MAIL_LANGUAGE, per audience where set, English otherwise', () => {
    expect(loadConfig({}).mail.languages).toEqual({ responders: 'en', owner: 'en', dpo: 'en', executive: 'en' });
    expect(loadConfig({ BREACHLINE_MAIL_LANGUAGE: 'ja', BREACHLINE_EXECUTIVE_LANGUAGE: 'en' }).mail.languages).toEqual({
      responders: 'ja',
      owner: 'ja',
      dpo: 'ja',
      executive: 'en',
    });
    expect(() => loadConfig({ BREACHLINE_MAIL_LANGUAGE: 'fr' })).toThrow(/BREACHLINE_MAIL_LANGUAGE/);
  });
});
