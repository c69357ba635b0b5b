// OCSF Detection Finding (class 2004, OCSF 1.x) as a detection: what SIEM, EDR and DLP tools already emit, mapped
// onto Breachline's own detection. Only the fields the mapping reads are checked; an OCSF event carries many more.
import { z } from 'zod';
import { type Detection, implausibleInstant, Instant } from '../workflows/domain/facts';
import { Line, Prose } from '../workflows/domain/text';

const Timestamp = z.number().int().nonnegative().max(8_640_000_000_000_000).describe('OCSF timestamp_t: milliseconds since the epoch');
const Datetime = Instant.describe('OCSF datetime_t: RFC 3339, preferred over the matching timestamp_t when both are sent');

export const OcsfDetectionFinding = z
  .looseObject({
    class_uid: z.literal(2004).describe('Detection Finding'),
    time: Timestamp.optional().describe('OCSF requires time; time_dt alone is taken too'),
    time_dt: Datetime.optional(),
    severity_id: z.number().int().min(0).max(99).optional(),
    message: z.string().optional(),
    finding_info: z.looseObject({
      uid: Line(256),
      title: Prose(1000),
      desc: Prose(2000).optional(),
      created_time: Timestamp.optional(),
      created_time_dt: Datetime.optional(),
    }),
    metadata: z.looseObject({
      product: z.looseObject({ name: Line(128), vendor_name: z.string().optional() }),
      version: z.string().optional(),
      correlation_uid: Line(256).optional().describe('findings with the same value join one breach'),
    }),
    unmapped: z.looseObject({ breachline: z.looseObject({ facts: z.unknown() }).optional() }).optional(),
  })
  .superRefine((finding, ctx) => {
    if (finding.time === undefined && finding.time_dt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['time'], message: 'an OCSF finding needs its time (time, or time_dt)' });
      return;
    }
    const { path, ms } = detectedAt(finding);
    const reason = implausibleInstant(ms, Date.now());
    if (!reason) return;
    const seconds =
      typeof path.at(-1) === 'string' &&
      !String(path.at(-1)).endsWith('_dt') &&
      ms < Date.parse('2000-01-01T00:00:00Z') &&
      ms * 1000 > Date.parse('2000-01-01T00:00:00Z');
    const hint = seconds
      ? ` (OCSF timestamp_t is milliseconds since the epoch; read as seconds it would be ${new Date(ms * 1000).toISOString()}: send milliseconds, or ${path.at(-1)}_dt)`
      : '';
    ctx.addIssue({ code: 'custom', path, message: `${reason}${hint}` });
  });
export type OcsfDetectionFinding = z.infer<typeof OcsfDetectionFinding>;

type FindingTimes = Pick<OcsfDetectionFinding, 'time' | 'time_dt'> & {
  finding_info: Pick<OcsfDetectionFinding['finding_info'], 'created_time' | 'created_time_dt'>;
};

/** When the finding was made: its creation time, else the event time; the RFC 3339 form of each before the number. */
function detectedAt(finding: FindingTimes): { path: (string | number)[]; ms: number } {
  const info = finding.finding_info;
  if (info.created_time_dt) return { path: ['finding_info', 'created_time_dt'], ms: Date.parse(info.created_time_dt) };
  if (info.created_time !== undefined) return { path: ['finding_info', 'created_time'], ms: info.created_time };
  if (finding.time_dt) return { path: ['time_dt'], ms: Date.parse(finding.time_dt) };
  return { path: ['time'], ms: finding.time ?? Number.NaN };
}

/** OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal; 0 and 99 say nothing. */
const SEVERITY: Record<number, Detection['severity']> = { 1: 'low', 2: 'low', 3: 'medium', 4: 'high', 5: 'critical', 6: 'critical' };

export const isOcsf = (body: unknown): boolean => typeof body === 'object' && body !== null && 'class_uid' in body;

/**
 * The detection an OCSF finding describes: the product name, exactly as sent, as its source and finding_info.uid
 * as its event id (the pair is what makes two findings one detection), the finding's creation time as detectedAt,
 * title and description as the summary, metadata.correlation_uid as the correlation key. Facts known to the
 * emitting tool may ride along in unmapped.breachline.facts. The result is validated as a detection by the caller.
 */
export function detectionFromOcsf(finding: OcsfDetectionFinding): unknown {
  const summary = [finding.finding_info.title, finding.finding_info.desc].filter(Boolean).join(': ').slice(0, 2000);
  const severity = finding.severity_id === undefined ? undefined : SEVERITY[finding.severity_id];
  const facts = finding.unmapped?.breachline?.facts;
  return {
    source: finding.metadata.product.name,
    eventId: finding.finding_info.uid,
    detectedAt: new Date(detectedAt(finding).ms).toISOString(),
    summary,
    ...(severity ? { severity } : {}),
    ...(finding.metadata.correlation_uid ? { correlationKey: finding.metadata.correlation_uid } : {}),
    ...(facts === undefined ? {} : { facts }),
  };
}
