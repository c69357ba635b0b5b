// Renders statuses and obligations as tables for people (cli-table3); --json output bypasses this.
import Table from 'cli-table3';
import type { BreachStatus } from '../workflows/definitions';
import type { BreachSummary } from './breaches';
import { formatInstant, type Lang, localZone, titleIn, translator } from '../activities/i18n';
import { inZone } from '../workflows/domain/calendar';
import type { Assessment, Obligation } from '../workflows/domain/obligations';

/** "12d 3h", "5h 20m", "-2d 1h" (negative once missed); "12日 3時間" in Japanese. */
export function timeLeft(ms: number, lang: Lang = 'en'): string {
  const t = translator(lang);
  const sign = ms < 0 ? '-' : '';
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
  return sign + (d ? t('duration.short.days', { d, h }) : h ? t('duration.short.hours', { h, m }) : t('duration.short.minutes', { m }));
}

/** A deadline for people: in the regime's own zone, and in the reader's when that differs. */
function dueBoth(at: number | string, zone: string, lang: Lang, readerZone: string): string {
  const regime = translator(lang)('due.inRegimeZone', { time: formatInstant(at, lang, zone), zone });
  const reader = formatInstant(at, lang, readerZone);
  return reader === formatInstant(at, lang, zone) ? regime : `${regime}\n${reader}`;
}

export interface Readers {
  lang?: Lang;
  /** The reader's time zone; the process's (TZ) by default. */
  zone?: string;
}

export function listTable(list: BreachSummary[], now = Date.now(), { lang = 'en', zone = localZone() }: Readers = {}): string {
  const t = translator(lang);
  if (list.length === 0) return t('cli.noneMatch');
  const head = (['breach', 'severity', 'phase', 'regimes', 'nextDeadline', 'timeLeft', 'summary'] as const).map((c) => t(`cli.col.${c}`));
  const table = new Table({ head });
  for (const b of list) {
    table.push([
      b.breachId,
      b.severity ? t('severity', { severity: b.severity }) : '',
      t('phase', { phase: b.phase }),
      b.regimes.join(', '),
      b.nextDeadlineAt ? formatInstant(b.nextDeadlineAt, lang, zone) : t('cli.noneOpen'),
      b.nextDeadlineAt ? timeLeft(Date.parse(b.nextDeadlineAt) - now, lang) : '',
      (b.summary ?? '').slice(0, 60),
    ]);
  }
  return table.toString();
}

export function statusTable(status: BreachStatus, now = Date.now(), { lang = 'en', zone = localZone() }: Readers = {}): string {
  const t = translator(lang);
  const at = (iso: string) => formatInstant(iso, lang, zone);
  const head = [
    t('cli.head.breach', { breachId: status.breachId }),
    t('cli.head.phase', { phase: t('phase', { phase: status.phase }) }),
    t('cli.head.detected', { detectedAt: at(status.detection.detectedAt), source: status.detection.source, eventId: status.detection.eventId }),
    t('cli.head.summary', { summary: status.detection.summary }),
  ];
  const obligations = new Table({ head: (['obligation', 'state', 'due', 'timeLeft', 'escalations'] as const).map((c) => t(`cli.col.${c}`)) });
  for (const o of status.obligations) {
    const left =
      o.state === 'open'
        ? o.guidance
          ? t('cli.guidance', { left: timeLeft(Date.parse(o.dueAt) - now, lang) })
          : timeLeft(Date.parse(o.dueAt) - now, lang)
        : o.state === 'satisfied'
          ? t('cli.satisfiedBy', { who: o.satisfiedBy ?? '' })
          : (o.withdrawnBecause ?? '');
    const done = o.escalations.map((e) => t('cli.escalationDone', { step: e.step, audience: t('audience', { audience: e.audience }) })).join(', ');
    const next = o.nextEscalation
      ? t('cli.escalationNext', { step: o.nextEscalation.step, audience: t('audience', { audience: o.nextEscalation.audience }), at: at(o.nextEscalation.at) })
      : '';
    obligations.push([o.id, t('obligationState', { state: o.state }), dueBoth(o.dueAt, o.zone, lang, zone), left, [done, next].filter(Boolean).join('\n')]);
  }
  const tasks = new Table({ head: (['task', 'stage', 'owner', 'due', 'state'] as const).map((c) => t(`task.col.${c}`)) });
  for (const task of status.tasks ?? []) {
    tasks.push([
      `${task.id}\n${titleIn(lang, task.title)}`,
      t('taskStage', { stage: task.stage }),
      t('owner', { owner: task.owner }),
      at(task.targetAt),
      task.overdue ? t('task.stateOverdue', { state: t('taskState', { state: task.state }) }) : t('taskState', { state: task.state }),
    ]);
  }
  const notApplicable = status.notApplicable.map((n) => notApplicableLine(n, lang));
  const timeline = status.timeline.map(
    (e) => `${at(e.at)}  ${t('timelineKind', { kind: e.kind }).padEnd(20)} ${e.obligationId ?? ''} ${e.actor ? `[${e.actor}] ` : ''}${e.detail}`,
  );
  return [
    ...head,
    '',
    status.obligations.length ? obligations.toString() : t('cli.noObligations'),
    ...notApplicable,
    ...(status.tasks?.length ? ['', t('cli.tasks'), tasks.toString()] : []),
    '',
    t('cli.timeline'),
    ...timeline,
  ].join('\n');
}

/** A rule that does not apply is named as the rule: its regime may well have other obligations open. */
const notApplicableLine = (n: Assessment['notApplicable'][number], lang: Lang) =>
  translator(lang)('cli.notApplicable', { what: n.obligation ?? n.regime, reason: n.reason });

const basis = (o: Obligation) => (o.internalTarget ? 'internal' : o.guidance ? 'guidance' : 'statutory');
const byDue = (a: Obligation, b: Obligation) => a.dueAt - b.dueAt || a.id.localeCompare(b.id);

export function assessmentTable(assessment: Assessment, { lang = 'en' }: Readers = {}): string {
  const t = translator(lang);
  const head = (['dueRegime', 'regime', 'obligation', 'recipient', 'kind', 'basis', 'citation'] as const).map((c) => t(`cli.col.${c}`));
  const table = new Table({ head });
  for (const o of [...assessment.obligations].sort(byDue)) {
    table.push([inZone(o.dueAt, o.zone), o.regime, titleIn(lang, o.title), o.recipient, o.kind, t('cli.basis', { basis: basis(o) }), o.citation]);
  }
  const unevaluated = assessment.unevaluated.map((u) => t('cli.unevaluated', { jurisdiction: u.jurisdiction, reason: u.reason }));
  const notes = assessment.notApplicable.map((n) => notApplicableLine(n, lang));
  return [assessment.obligations.length ? table.toString() : t('cli.noObligationsAssessed'), ...unevaluated, ...notes].join('\n');
}

/**
 * The obligations as a JSON array for scripts, soonest first, instants in the regime's zone with its offset. A
 * jurisdiction without a rule pack is an entry too (status "unevaluated", dueAt null), never a silent omission.
 */
export function assessmentJson(assessment: Assessment) {
  const due = [...assessment.obligations].sort(byDue).map((o) => ({
    status: 'due' as const,
    regime: o.regime,
    obligation: o.id,
    title: o.title,
    recipient: o.recipient,
    kind: o.kind,
    startAt: inZone(o.startAt, o.zone),
    dueAt: inZone(o.dueAt, o.zone),
    ...(o.targetAt === undefined ? {} : { targetAt: inZone(o.targetAt, o.zone) }),
    zone: o.zone,
    guidance: o.guidance,
    internalTarget: o.internalTarget,
    citation: o.citation,
    why: o.why.join('; '),
    counting: o.counting,
  }));
  const unevaluated = assessment.unevaluated.map((u) => ({
    status: 'unevaluated' as const,
    regime: null,
    obligation: null,
    jurisdiction: u.jurisdiction,
    recipient: null,
    kind: null,
    dueAt: null,
    guidance: null,
    citation: null,
    why: u.reason,
  }));
  return [...due, ...unevaluated];
}
