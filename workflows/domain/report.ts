// The content of a report to a regulator: the items its form asks for, filled from the facts, the detection, the
// tasks' outcomes and the campaigns, with what is still missing. Pure; rendered as Markdown or HTML by the API.
// The PPC's items are those of APPI Enforcement Rules Art. 8(1) (1)–(9).
import type { Facts } from './facts';

export interface ReportItem {
  no: number;
  title: string;
  value?: string;
}

export interface ReportContent {
  obligationId: string;
  title: string;
  citation: string;
  items: ReportItem[];
  /** The items still empty: the preliminary report files what is known, the final report needs all. */
  missing: string[];
}

export interface ReportSources {
  facts: Facts;
  detectionSummary: string;
  /** Outcomes recorded for playbook tasks, by task id (the last one). */
  taskOutcomes: Record<string, unknown>;
  individualsNotified?: string;
  campaigns: { total: number; sent: number; postal: number; bounced: number }[];
}

const PPC_ITEMS = [
  'Overview of the incident',
  'Items of personal data involved',
  'Number of individuals',
  'Cause',
  'Secondary damage, or the risk of it',
  'Response to the individuals',
  'Public announcement',
  'Measures to prevent recurrence',
  'Other useful matters',
] as const;

const text = (outcome: unknown, key: string): string | undefined => {
  const value = (outcome as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' && value.trim() ? value : undefined;
};

/** The items of a PPC report (APPI Rules Art. 8(1)). */
export function ppcReport(obligationId: string, title: string, citation: string, sources: ReportSources): ReportContent {
  const { facts, taskOutcomes } = sources;
  const cause = taskOutcomes['cause-established'];
  const scope = taskOutcomes['scope-confirmed'];
  const measures = (taskOutcomes['recurrence-plan'] as { measures?: { measure: string; owner: string; dueAt: string }[] } | undefined)?.measures;
  const press = taskOutcomes['press-release'] as { stage?: string; url?: string } | undefined;
  const desk = taskOutcomes['contact-desk'] as { phone?: string; email?: string; hours?: string } | undefined;
  const sent = sources.campaigns.reduce((n, c) => n + c.sent, 0);
  const byPost = sources.campaigns.reduce((n, c) => n + c.postal + c.bounced, 0);
  const values: (string | undefined)[] = [
    `${sources.detectionSummary} (aware ${facts.awareAt})`,
    facts.dataCategories.length ? facts.dataCategories.join(', ') : undefined,
    facts.affectedCount === undefined ? undefined : `${facts.affectedCount}`,
    text(cause, 'note') ?? (facts.unfairPurpose ? 'suspected unauthorised access or other unfair purpose; investigation ongoing' : undefined),
    text(scope, 'note'),
    sources.individualsNotified ?? (sent || byPost ? `${sent} notified by e-mail, ${byPost} to be notified by post` : undefined),
    press?.stage ? `press release ${press.stage}${press.url ? `: ${press.url}` : ''}` : undefined,
    measures?.length ? measures.map((m) => `${m.measure} (owner ${m.owner}, due ${m.dueAt})`).join('; ') : undefined,
    desk ? `contact desk: ${[desk.phone, desk.email, desk.hours].filter(Boolean).join(', ')}` : undefined,
  ];
  const items = PPC_ITEMS.map((title, i) => ({ no: i + 1, title, ...(values[i] ? { value: values[i] } : {}) }));
  return { obligationId, title, citation, items, missing: items.filter((i) => !i.value).map((i) => `(${i.no}) ${i.title}`) };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function reportMarkdown(report: ReportContent, breachId: string): string {
  const lines = [`# ${report.title}`, '', `Breach ${breachId} · ${report.citation}`, ''];
  for (const item of report.items) lines.push(`## (${item.no}) ${item.title}`, '', item.value ?? '_Not yet known._', '');
  if (report.missing.length) lines.push('---', '', `Still missing: ${report.missing.join('; ')}`, '');
  return lines.join('\n');
}

export function reportHtml(report: ReportContent, breachId: string): string {
  const items = report.items.map((i) => `<h2>(${i.no}) ${escapeHtml(i.title)}</h2><p>${i.value ? escapeHtml(i.value) : '<em>Not yet known.</em>'}</p>`).join('\n');
  const missing = report.missing.length ? `<hr><p><strong>Still missing:</strong> ${escapeHtml(report.missing.join('; '))}</p>` : '';
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(report.title)}</title><h1>${escapeHtml(report.title)}</h1><p>Breach ${escapeHtml(breachId)} · ${escapeHtml(report.citation)}</p>\n${items}\n${missing}</html>\n`;
}
