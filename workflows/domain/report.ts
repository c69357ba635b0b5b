// The content of a report to a regulator: the items its form asks for, filled from the facts, the detection, the
// tasks' outcomes and the campaigns, with what is still missing. Pure; rendered as Markdown or HTML by the API.
// Each regime's forms are registered here by obligation; the workflow fills whichever its obligations have.
import type { Lang } from './i18n';
import { type DocumentKind, documentGaps, narratives, type NarrativeSources } from './narrative';
import type { Obligation } from './obligations';

export interface ReportItem {
  no: number;
  /** The item's English title and value, as before; `ja` says the same in Japanese. */
  title: string;
  value?: string;
  ja: { title: string; value?: string };
}

export interface ReportContent {
  obligationId: string;
  title: string;
  citation: string;
  /** Which report of the form this is: a preliminary one may file gaps, a final one may not. */
  kind: 'preliminary' | 'final';
  items: ReportItem[];
  /** The items still empty: the preliminary report files what is known, the final report needs all. */
  missing: string[];
}

export type ReportSources = NarrativeSources;

/** A regulator's report form: fills its items for one obligation from what the breach knows. */
export type ReportForm = (obligation: Pick<Obligation, 'id' | 'title' | 'citation'>, sources: ReportSources) => ReportContent;

/** APPI Rules Art. 8(1) items 1-9, in the PPC form's words and in English. */
export const PPC_ITEMS: Record<Lang, readonly string[]> = {
  ja: [
    '概要',
    '漏えい等が発生し、又は発生したおそれがある個人データの項目',
    '漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数',
    '原因',
    '二次被害又はそのおそれの有無及びその内容',
    '本人への対応の実施状況',
    '公表の実施状況',
    '再発防止のための措置',
    'その他参考となる事項',
  ],
  en: [
    'Overview of the incident',
    'Items of personal data involved',
    'Number of individuals',
    'Cause',
    'Secondary damage, or the risk of it',
    'Response to the individuals',
    'Public announcement',
    'Measures to prevent recurrence',
    'Other useful matters',
  ],
};

/** The nine items' values in one language, from the breach's own record. */
function ppcValues(sources: ReportSources, lang: Lang): (string | undefined)[] {
  const n = narratives(sources)[lang];
  const ja = lang === 'ja';
  const desk = n.contactDesk;
  const deskText = desk && [desk.name, desk.phone, desk.email, desk.hours].filter(Boolean).join(ja ? '、' : ', ');
  return [
    n.overview,
    n.items.length ? n.items.join(ja ? '、' : ', ') : undefined,
    n.count,
    n.cause,
    n.secondaryDamage,
    n.response,
    n.publication,
    n.recurrence.length ? n.recurrence.join(ja ? '\n' : '; ') : undefined,
    deskText ? (ja ? `お問い合わせ窓口: ${deskText}` : `Contact desk: ${deskText}`) : undefined,
  ];
}

/** The items of a PPC report (APPI Rules Art. 8(1)): the preliminary (Art. 8(1)) or the final (Art. 8(2)). */
const ppcReport =
  (kind: ReportContent['kind']): ReportForm =>
  ({ id, title, citation }, sources) => {
    const en = ppcValues(sources, 'en');
    const ja = ppcValues(sources, 'ja');
    const items = PPC_ITEMS.en.map((title, i) => ({
      no: i + 1,
      title,
      ...(en[i] ? { value: en[i] } : {}),
      ja: { title: PPC_ITEMS.ja[i]!, ...(ja[i] ? { value: ja[i] } : {}) },
    }));
    return { obligationId: id, title, citation, kind, items, missing: items.filter((i) => !i.value).map((i) => `(${i.no}) ${i.title}`) };
  };

/** The report forms Breachline knows, by obligation id: a regime adds its own here. */
export const REPORT_FORMS: Readonly<Record<string, ReportForm>> = {
  'JP-APPI/ppc-preliminary': ppcReport('preliminary'),
  'JP-APPI/ppc-final': ppcReport('final'),
};

/** The reports of the obligations that have a form, in the obligations' order. */
export function reportsFor(obligations: Pick<Obligation, 'id' | 'title' | 'citation'>[], sources: ReportSources): ReportContent[] {
  return obligations.flatMap((o) => {
    const form = REPORT_FORMS[o.id];
    return form ? [form(o, sources)] : [];
  });
}

/**
 * Why an approval must wait: a final report with an item still empty (APPI Rules Art. 8(2): the final report
 * states every item), a public announcement with a required field empty. Empty when it may go.
 */
export function approvalGaps(obligationId: string, obligation: Pick<Obligation, 'id' | 'title' | 'citation'> | undefined, sources: ReportSources): string[] {
  const form = REPORT_FORMS[obligationId];
  if (form && obligation) {
    const report = form(obligation, sources);
    return report.kind === 'final' ? report.missing : [];
  }
  const document = OBLIGATION_DOCUMENTS[obligationId];
  return document ? documentGaps(document, narratives(sources)) : [];
}

/**
 * The document an obligation's approval puts out, by obligation id. The notice to individuals is checked when its
 * campaign starts (its waves send it); the individuals' obligation itself may be met by means outside Breachline.
 */
export const OBLIGATION_DOCUMENTS: Readonly<Record<string, DocumentKind>> = {
  'JP-APPI/substitute-notice': 'announcement',
};

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
