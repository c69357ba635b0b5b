// Renders statuses and obligations as tables for people (cli-table3); --json output bypasses this.
import Table from 'cli-table3';
import type { BreachStatus } from '../workflows/definitions';
import { inZone } from '../workflows/domain/calendar';
import type { Assessment } from '../workflows/domain/obligations';

/** "12d 3h", "5h 20m", "-2d 1h" (negative once missed). */
export function timeLeft(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
  return sign + (d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m`);
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
    const left = o.state === 'open' ? timeLeft(Date.parse(o.dueAt) - now) + (o.guidance ? ' (guidance)' : '') : o.state === 'satisfied' ? `by ${o.satisfiedBy}` : (o.withdrawnBecause ?? '');
    obligations.push([o.id, o.state, o.dueAt, left, o.escalations.map((e) => e.step).join(', ')]);
  }
  const notApplicable = status.notApplicable.map((n) => `${n.regime}: not applicable: ${n.reason}`);
  const timeline = status.timeline.map((t) => `${t.at}  ${t.kind.padEnd(20)} ${t.obligationId ?? ''} ${t.actor ? `[${t.actor}] ` : ''}${t.detail}`);
  return [...head, '', status.obligations.length ? obligations.toString() : 'No obligations yet.', ...notApplicable, '', 'Timeline', ...timeline].join('\n');
}

export function assessmentTable(assessment: Assessment): string {
  const table = new Table({ head: ['regime', 'obligation', 'recipient', 'kind', 'due', 'guidance', 'citation'] });
  for (const o of assessment.obligations) {
    table.push([o.regime, o.title, o.recipient, o.kind, inZone(o.dueAt, o.zone), o.guidance ? 'yes' : 'no', o.citation]);
  }
  const notes = assessment.notApplicable.map((n) => `${n.regime}: not applicable: ${n.reason}`);
  return [assessment.obligations.length ? table.toString() : 'No obligations.', ...notes].join('\n');
}

/** The obligations as JSON for scripts: instants in the regime's zone with its offset. */
export function assessmentJson(assessment: Assessment) {
  return {
    obligations: assessment.obligations.map(({ id, regime, title, dueAt, targetAt, zone, ...rest }) => ({
      regime,
      obligation: id,
      title,
      ...rest,
      dueAt: inZone(dueAt, zone),
      ...(targetAt === undefined ? {} : { targetAt: inZone(targetAt, zone) }),
      zone,
    })),
    notApplicable: assessment.notApplicable,
  };
}
