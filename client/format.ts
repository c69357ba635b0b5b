// Renders statuses and obligations as tables for people (cli-table3); --json output bypasses this.
import Table from 'cli-table3';
import type { BreachStatus } from '../workflows/definitions';
import type { BreachSummary } from './breaches';
import { inZone } from '../workflows/domain/calendar';
import type { Assessment, Obligation } from '../workflows/domain/obligations';

/** "12d 3h", "5h 20m", "-2d 1h" (negative once missed). */
export function timeLeft(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
  return sign + (d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m`);
}

export function listTable(list: BreachSummary[], now = Date.now()): string {
  if (list.length === 0) return 'No breaches match.';
  const table = new Table({ head: ['breach', 'severity', 'phase', 'regimes', 'next deadline (UTC)', 'time left', 'summary'] });
  for (const b of list) {
    table.push([
      b.breachId,
      b.severity ?? '',
      b.phase,
      b.regimes.join(', '),
      b.nextDeadlineAt ?? 'none open',
      b.nextDeadlineAt ? timeLeft(Date.parse(b.nextDeadlineAt) - now) : '',
      (b.summary ?? '').slice(0, 60),
    ]);
  }
  return table.toString();
}

export function statusTable(status: BreachStatus, now = Date.now()): string {
  const head = [
    `Breach   ${status.breachId}`,
    `Phase    ${status.phase}`,
    `Detected ${status.detection.detectedAt} by ${status.detection.source} (${status.detection.eventId})`,
    `Summary  ${status.detection.summary}`,
  ];
  const obligations = new Table({ head: ['obligation', 'state', 'due (regime zone)', 'time left', 'escalations'] });
  for (const o of status.obligations) {
    const left =
      o.state === 'open'
        ? timeLeft(Date.parse(o.dueAt) - now) + (o.guidance ? ' (guidance)' : '')
        : o.state === 'satisfied'
          ? `by ${o.satisfiedBy}`
          : (o.withdrawnBecause ?? '');
    const next = o.nextEscalation ? `next: ${o.nextEscalation.step} to the ${o.nextEscalation.audience} at ${o.nextEscalation.at}` : '';
    obligations.push([o.id, o.state, o.dueAt, left, [o.escalations.map((e) => `${e.step} (${e.audience})`).join(', '), next].filter(Boolean).join('\n')]);
  }
  const notApplicable = status.notApplicable.map(notApplicableLine);
  const timeline = status.timeline.map((t) => `${t.at}  ${t.kind.padEnd(20)} ${t.obligationId ?? ''} ${t.actor ? `[${t.actor}] ` : ''}${t.detail}`);
  return [...head, '', status.obligations.length ? obligations.toString() : 'No obligations yet.', ...notApplicable, '', 'Timeline', ...timeline].join('\n');
}

/** A rule that does not apply is named as the rule: its regime may well have other obligations open. */
const notApplicableLine = (n: Assessment['notApplicable'][number]) => `${n.obligation ?? n.regime}: not applicable: ${n.reason}`;

const basis = (o: Obligation) => (o.internalTarget ? 'internal target' : o.guidance ? 'guidance' : 'statutory');
const byDue = (a: Obligation, b: Obligation) => a.dueAt - b.dueAt || a.id.localeCompare(b.id);

export function assessmentTable(assessment: Assessment): string {
  const table = new Table({ head: ['due (regime zone)', 'regime', 'obligation', 'recipient', 'kind', 'basis', 'citation'] });
  for (const o of [...assessment.obligations].sort(byDue)) {
    table.push([inZone(o.dueAt, o.zone), o.regime, o.title, o.recipient, o.kind, basis(o), o.citation]);
  }
  const unevaluated = assessment.unevaluated.map((u) => `NOT EVALUATED ${u.jurisdiction}: ${u.reason}`);
  const notes = assessment.notApplicable.map(notApplicableLine);
  return [assessment.obligations.length ? table.toString() : 'No obligations.', ...unevaluated, ...notes].join('\n');
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
