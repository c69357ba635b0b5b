// What an operator records before the final PPC report may be approved (APPI Rules Art. 8(2): every item of
// Art. 8(1) stated): the scope, the cause, the contact desk, the press release's stage and the recurrence plan.
// For tests whose subject is something else (deadlines, four eyes) and that file the final report on the way.
import type { Breaches } from '../../client/breaches';

const operator = { id: 'investigator@example.test', roles: ['operator' as const] };

export async function completeFinalReport(breaches: Breaches, breachId: string): Promise<void> {
  const record = (taskId: string, outcome: unknown) => breaches.recordTask(breachId, { taskId, by: operator, outcome });
  await record('scope-confirmed', {
    facts: { dataCategories: ['name', 'email'] },
    overview: { ja: '注文データベースが外部から参照されました（合成データ）。', en: 'The order database was read from outside (synthetic).' },
    secondaryDamage: { ja: '二次被害は確認されていません。', en: 'No secondary damage is known.' },
  });
  await record('cause-established', {
    facts: { dataCategories: ['name', 'email'] },
    // The investigation report states the cause as one text (the stages' outcome for this task).
    note: 'A flaw in the search (synthetic).',
  });
  await record('contact-desk', { name: { ja: '窓口', en: 'Desk' }, phone: '0120-000-000', hours: { ja: '平日9時〜18時', en: 'weekdays 9-18' } });
  await record('press-release', { stage: 'drafted' });
  await record('recurrence-plan', { measures: [{ measure: 'Review the search code', owner: 'security', dueAt: '2027-01-31T00:00:00Z' }] });
}
