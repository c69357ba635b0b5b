// Facts about a breach and the detection that starts it: the zod schemas are the single source of truth for
// validation, types and (later) the API description. Facts carry counts, categories and instants, never a
// person's name or address: they travel through workflow history.
import { z } from 'zod';

export const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant with a zone offset or Z');

export const DataCategory = z.enum([
  'name',
  'email',
  'address',
  'phone',
  'sensitive',
  'health',
  'payment_card',
  'bank_credentials',
  'government_id',
  'credentials',
  'other',
]);
export type DataCategory = z.infer<typeof DataCategory>;

/** ISO 3166-1 alpha-2 ("JP", "DE") or ISO 3166-2 for a subdivision ("US-NY"). */
import { Jurisdiction } from './jurisdiction';
export { Jurisdiction };

/** Known sectors bring in sector regimes; other names are accepted and kept, and bring in nothing. */
export const KNOWN_SECTORS = [
  'finance',
  'healthcare',
  'hipaa-covered-entity',
  'hipaa-business-associate',
  'sec-registrant',
  'nydfs-covered',
  'nis2-entity',
  'trust-service-provider',
  'dora-entity',
] as const;
export const Sector = z.string().min(1).max(64).regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes, e.g. "sec-registrant"');

const factFields = {
  awareAt: Instant.describe('when the organisation (any department of it) became aware of the breach or its likelihood'),
  jurisdictions: z.array(Jurisdiction).describe('where affected people live or the organisation is established'),
  affectedCount: z.number().int().min(0).describe('people affected or possibly affected'),
  affectedByJurisdiction: z.record(Jurisdiction, z.number().int().min(0)),
  dataCategories: z.array(DataCategory),
  unfairPurpose: z.boolean().describe('APPI Rules Art. 7(3): caused or possibly caused with an unfair purpose; suspected counts'),
  encrypted: z.boolean().describe('strongly encrypted and the key did not leak'),
  sectors: z.array(Sector),
  highRisk: z.boolean().describe('GDPR Art. 34: likely to result in a high risk to the rights of people'),
  determinedAt: Instant.describe('when the organisation determined that a breach occurred (US states, NYDFS, SG, AU, CA)'),
  materialityDeterminedAt: Instant.describe('when the incident was determined material (SEC Form 8-K Item 1.05)'),
  classifiedMajorAt: Instant.describe('when the incident was classified as major (DORA Art. 19)'),
  processor: z.boolean().describe('the organisation processes the data on behalf of a controller (GDPR Art. 33(2))'),
  riskUnlikely: z.boolean().describe('assessed unlikely to result in a risk to people (GDPR Art. 33(1))'),
  significantIncident: z.boolean().describe('a significant incident under NIS2 Art. 23(3); unknown counts as significant'),
  unreachableCount: z.number().int().min(0).describe('people whom an individual notice cannot reach (APPI Art. 26(2) proviso)'),
};

/** The facts as the workflow holds them: only awareAt is known for certain from the start. */
export const Facts = z.strictObject({
  ...factFields,
  jurisdictions: factFields.jurisdictions.default([]),
  dataCategories: factFields.dataCategories.default([]),
  sectors: factFields.sectors.default([]),
  affectedCount: factFields.affectedCount.optional(),
  affectedByJurisdiction: factFields.affectedByJurisdiction.optional(),
  unfairPurpose: factFields.unfairPurpose.optional(),
  encrypted: factFields.encrypted.optional(),
  highRisk: factFields.highRisk.optional(),
  determinedAt: factFields.determinedAt.optional(),
  materialityDeterminedAt: factFields.materialityDeterminedAt.optional(),
  classifiedMajorAt: factFields.classifiedMajorAt.optional(),
  processor: factFields.processor.optional(),
  riskUnlikely: factFields.riskUnlikely.optional(),
  significantIncident: factFields.significantIncident.optional(),
  unreachableCount: factFields.unreachableCount.optional(),
});
export type Facts = z.infer<typeof Facts>;

/** A facts update: any subset of the facts; what it names replaces what was known. */
export const FactsUpdate = z
  .strictObject(factFields)
  .partial()
  .refine((update) => Object.keys(update).length > 0, { message: 'a facts update must name at least one fact' });
export type FactsUpdate = z.infer<typeof FactsUpdate>;

export const Severity = z.enum(['low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof Severity>;

export const Detection = z.strictObject({
  source: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only')
    .describe('the detecting system, e.g. "splunk" or "crowdstrike"'),
  eventId: z.string().min(1).max(256).describe("the detecting system's own id for the event"),
  detectedAt: Instant,
  summary: z.string().min(1).max(2000).describe('what was seen; no personal data of affected people'),
  severity: Severity.optional().describe("the detecting tool's severity, for triage and filtering"),
  facts: FactsUpdate.optional().describe('facts already known; awareAt defaults to detectedAt'),
});
export type Detection = z.infer<typeof Detection>;

export function initialFacts(detection: Detection): Facts {
  return Facts.parse({ awareAt: detection.detectedAt, ...detection.facts });
}

export function applyFactsUpdate(facts: Facts, update: FactsUpdate): Facts {
  return Facts.parse({ ...facts, ...update });
}

/** The names of the facts whose values an update really changes. */
export function changedFacts(before: Facts, after: Facts): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as (keyof Facts)[]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}

export interface FieldError {
  field: string;
  message: string;
}

/** One entry per bad field, named by its path ("facts.affectedCount", "dataCategories.0"). */
export function fieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [path, key].filter(Boolean).join('.'), message: 'unknown field' }));
    }
    return [{ field: path || '(body)', message: issue.message }];
  });
}

export function describeFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}

/** Parses or throws an error whose message names each bad field; used by update validators and the CLI. */
export function parseOrExplain<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidInput(what, fieldErrors(result.error));
  return result.data;
}

export class InvalidInput extends Error {
  constructor(
    readonly what: string,
    readonly errors: FieldError[],
  ) {
    super(`invalid ${what}: ${describeFieldErrors(errors)}`);
    this.name = 'InvalidInput';
  }
}
