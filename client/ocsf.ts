// OCSF Detection Finding (class 2004, OCSF 1.x) as a detection: what SIEM, EDR and DLP tools already emit, mapped
// onto Breachline's own detection. Only the fields the mapping reads are checked; an OCSF event carries many more.
import { z } from 'zod';
import type { Detection } from '../workflows/domain/facts';

const Timestamp = z.number().int().nonnegative().max(8_640_000_000_000_000).describe('OCSF timestamp_t: milliseconds since the epoch');

export const OcsfDetectionFinding = z.looseObject({
  class_uid: z.literal(2004).describe('Detection Finding'),
  time: Timestamp,
  severity_id: z.number().int().min(0).max(99).optional(),
  message: z.string().optional(),
  finding_info: z.looseObject({
    uid: z.string().min(1).max(256),
    title: z.string().min(1),
    desc: z.string().optional(),
    created_time: Timestamp.optional(),
  }),
  metadata: z.looseObject({
    product: z.looseObject({ name: z.string().min(1), vendor_name: z.string().optional() }),
    version: z.string().optional(),
  }),
  unmapped: z.looseObject({ breachline: z.looseObject({ facts: z.unknown() }).optional() }).optional(),
});
export type OcsfDetectionFinding = z.infer<typeof OcsfDetectionFinding>;

/** OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal; 0 and 99 say nothing. */
const SEVERITY: Record<number, Detection['severity']> = { 1: 'low', 2: 'low', 3: 'medium', 4: 'high', 5: 'critical', 6: 'critical' };

export const isOcsf = (body: unknown): boolean => typeof body === 'object' && body !== null && 'class_uid' in body;

/**
 * The detection an OCSF finding describes: source from the product name, event id from finding_info.uid, the
 * finding's creation time as detectedAt, title and description as the summary. Facts known to the emitting tool
 * may ride along in unmapped.breachline.facts. The result is validated as a detection by the caller.
 */
export function detectionFromOcsf(finding: OcsfDetectionFinding): unknown {
  const source = finding.metadata.product.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 64);
  const summary = [finding.finding_info.title, finding.finding_info.desc].filter(Boolean).join(': ').slice(0, 2000);
  const severity = finding.severity_id === undefined ? undefined : SEVERITY[finding.severity_id];
  const facts = finding.unmapped?.breachline?.facts;
  return {
    source,
    eventId: finding.finding_info.uid,
    detectedAt: new Date(finding.finding_info.created_time ?? finding.time).toISOString(),
    summary,
    ...(severity ? { severity } : {}),
    ...(facts === undefined ? {} : { facts }),
  };
}
