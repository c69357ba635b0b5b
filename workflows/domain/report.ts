// The content of a report to a regulator: the items its form asks for, filled from the facts, the detection, the
// tasks' outcomes and the campaigns, with what is still missing. Pure; rendered as Markdown or HTML by the API.
// Each regime's forms are registered here by obligation; the workflow fills whichever its obligations have.
import type { Facts } from './facts';
import type { Obligation } from './obligations';
import type { TaskProvides } from './playbook';

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
  /** The last outcome recorded on the playbook task that provides each thing (the cause, the contact desk, ...). */
  provided: Partial<Record<TaskProvides, unknown>>;
  /** The breach's obligations, with who satisfied each. */
  obligations: { id: string; state: 'open' | 'satisfied' | 'withdrawn'; satisfiedBy?: string }[];
  campaigns: { total: number; sent: number; postal: number; bounced: number }[];
}

/** A regulator's report form: fills its items for one obligation from what the breach knows. */
export type ReportForm = (obligation: Pick<Obligation, 'id' | 'title' | 'citation'>, sources: ReportSources) => ReportContent;

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
export const ppcReport: ReportForm = ({ id, title, citation }, sources) => {
  const { facts, provided } = sources;
  const measures = (provided['recurrence-measures'] as { measures?: { measure: string; owner: string; dueAt: string }[] } | undefined)?.measures;
  const press = provided.publication as { stage?: string; url?: string } | undefined;
  const desk = provided['contact-desk'] as { phone?: string; email?: string; hours?: string } | undefined;
  const individuals = sources.obligations.find((o) => o.id === 'JP-APPI/individuals');
  const sent = sources.campaigns.reduce((n, c) => n + c.sent, 0);
  const byPost = sources.campaigns.reduce((n, c) => n + c.postal + c.bounced, 0);
  const values: (string | undefined)[] = [
    `${sources.detectionSummary} (aware ${facts.awareAt})`,
    facts.dataCategories.length ? facts.dataCategories.join(', ') : undefined,
    facts.affectedCount === undefined ? undefined : `${facts.affectedCount}`,
    text(provided.cause, 'note') ?? (facts.unfairPurpose ? 'suspected unauthorised access or other unfair purpose; investigation ongoing' : undefined),
    text(provided.scope, 'note'),
    (individuals?.state === 'satisfied' ? `notified (approved by ${individuals.satisfiedBy})` : undefined) ??
      (sent || byPost ? `${sent} notified by e-mail, ${byPost} to be notified by post` : undefined),
    press?.stage ? `press release ${press.stage}${press.url ? `: ${press.url}` : ''}` : undefined,
    measures?.length ? measures.map((m) => `${m.measure} (owner ${m.owner}, due ${m.dueAt})`).join('; ') : undefined,
    desk ? `contact desk: ${[desk.phone, desk.email, desk.hours].filter(Boolean).join(', ')}` : undefined,
  ];
  const items = PPC_ITEMS.map((title, i) => ({ no: i + 1, title, ...(values[i] ? { value: values[i] } : {}) }));
  return { obligationId: id, title, citation, items, missing: items.filter((i) => !i.value).map((i) => `(${i.no}) ${i.title}`) };
};

/** The report forms Breachline knows, by obligation id: a regime adds its own here. */
export const REPORT_FORMS: Readonly<Record<string, ReportForm>> = {
  'JP-APPI/ppc-preliminary': ppcReport,
  'JP-APPI/ppc-final': ppcReport,
};

/** The reports of the obligations that have a form, in the obligations' order. */
export function reportsFor(obligations: Pick<Obligation, 'id' | 'title' | 'citation'>[], sources: ReportSources): ReportContent[] {
  return obligations.flatMap((o) => {
    const form = REPORT_FORMS[o.id];
    return form ? [form(o, sources)] : [];
  });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function reportMarkdown(report: ReportContent, breachId: string): string {
  const lines = [`# ${report.title}`, '', `Breach ${breachId} · ${report.citation}`, ''];
  for (const item of report.items) lines.push(`## (${item.no}) ${item.title}`, '', item.value ?? '_Not yet known._', '');
  if (report.missing.length) lines.push('---', '', `Still missing: ${report.missing.join('; ')}`, '');
  return lines.join('\n');
}

export function reportHtml(report: ReportContent, breachId: string): string {
  const items = report.items
    .map((i) => `<h2>(${i.no}) ${escapeHtml(i.title)}</h2><p>${i.value ? escapeHtml(i.value) : '<em>Not yet known.</em>'}</p>`)
    .join('\n');
  const missing = report.missing.length ? `<hr><p><strong>Still missing:</strong> ${escapeHtml(report.missing.join('; '))}</p>` : '';
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(report.title)}</title><h1>${escapeHtml(report.title)}</h1><p>Breach ${escapeHtml(breachId)} · ${escapeHtml(report.citation)}</p>\n${items}\n${missing}</html>\n`;
}
