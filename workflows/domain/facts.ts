// Facts about a breach and the detection that starts it: the zod schemas are the single source of truth for
// validation, types and (later) the API description. Facts carry counts, categories and instants, never a
// person's name or address: they travel through workflow history.
import { z } from 'zod';
import { Jurisdiction, JurisdictionShape } from './jurisdiction';
import { Line, Prose, unsafeTextIssues } from './text';
import { buildOnce } from '../built-once';

const once = buildOnce('domain/facts');

export { Jurisdiction };

export const Instant = once(() => z.iso.datetime({ offset: true }).describe('ISO 8601 instant with a zone offset or Z'));

/** The earliest instant a detection or a fact may name: older is a mistake (a year typed wrong, seconds read as ms). */
export const EARLIEST_PLAUSIBLE = Date.parse('2000-01-01T00:00:00Z');
/** How far ahead of now a reported instant may be: clock skew between systems, never a date in the future. */
export const FUTURE_SLACK_MS = 86_400_000;

/**
 * Why an instant reported to a breach cannot be right, or undefined. `now` is the caller's clock: Temporal's
 * (workflow time) inside workflows, the wall clock or the server's outside; without one, only the lower bound.
 */
export function implausibleInstant(ms: number, now?: number): string | undefined {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return 'not a time that can be represented (ECMAScript dates end at ±8.64e15 ms)';
  if (ms < EARLIEST_PLAUSIBLE) return `${new Date(ms).toISOString()} is before 2000-01-01: not a plausible time for a breach`;
  if (now !== undefined && ms > now + FUTURE_SLACK_MS) return `${new Date(ms).toISOString()} is more than a day after now (${new Date(now).toISOString()})`;
  return undefined;
}

/** An instant reported about a breach: from 2000-01-01; the upper bound needs a clock (futureInstants). */
export const ReportedInstant = once(() =>
  Instant.superRefine((value, ctx) => {
    if (Number.isNaN(Date.parse(value))) return; // not an instant at all: the format's own issue says so
    const reason = implausibleInstant(Date.parse(value));
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  }),
);

const REPORTED_INSTANTS = ['awareAt', 'occurredAt', 'determinedAt', 'materialityDeterminedAt', 'classifiedMajorAt'] as const;

/** The instants of a facts update (or a detection's, under `prefix`) more than a day after `now`, each named by its field. */
export function futureInstants(update: FactsUpdate | undefined, now: number, prefix = ''): FieldError[] {
  return REPORTED_INSTANTS.flatMap((field) => {
    const value = update?.[field];
    const reason = value === undefined ? undefined : implausibleInstant(Date.parse(value), now);
    return reason ? [{ field: `${prefix}${field}`, message: reason }] : [];
  });
}

export function futureDetectionInstants(detection: Detection, now: number): FieldError[] {
  const reason = implausibleInstant(Date.parse(detection.detectedAt), now);
  return [...(reason ? [{ field: 'detectedAt', message: reason }] : []), ...futureInstants(detection.facts, now, 'facts.')];
}

export const DataCategory = once(() =>
  z.enum([
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
    // Added with the US state and new country packs; the categories above keep their meaning.
    'biometric',
    'genetic',
    'health_insurance',
    'date_of_birth',
    'passport',
    'tax_id',
  ]),
);
export type DataCategory = z.infer<typeof DataCategory>;

/** What each category means, for the API description and the README: the state laws name their elements this finely. */
export const DATA_CATEGORY_MEANING: Readonly<Record<DataCategory, string>> = {
  name: "a person's name",
  email: 'an e-mail address',
  address: 'a postal address',
  phone: 'a phone number',
  sensitive: 'special categories: beliefs, race, sexual life, criminal record and the like',
  health: 'medical information: history, condition, treatment, diagnosis',
  payment_card: 'a credit or debit card number (with or without its security code)',
  bank_credentials: 'a financial account number with the code, PIN or password that opens it',
  government_id: "a government identifier: social security number, driver's licence, state or national ID card number",
  credentials: 'online account credentials: a user name or e-mail address with its password or security answer',
  other: 'anything else',
  biometric: 'biometric data: fingerprint, face, iris or voice templates',
  genetic: 'genetic or DNA data',
  health_insurance: 'a health insurance policy or subscriber number',
  date_of_birth: 'a full date of birth',
  passport: 'a passport number',
  tax_id: 'a taxpayer identification number (TIN, ITIN) or IRS identity-protection PIN',
};

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
  'glba-financial-institution',
  'small-processing-agent',
  'critical-information-infrastructure',
] as const;
export const Sector = once(() =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes, e.g. "sec-registrant"'),
);

export const CauseType = once(() =>
  z.enum(['unauthorised-access', 'insider-theft', 'malware', 'misdelivery', 'loss-or-theft-of-media', 'misconfiguration', 'other']),
);
export type CauseType = z.infer<typeof CauseType>;

const factFields = once(() => ({
  awareAt: ReportedInstant.describe('when the organisation (any department of it) became aware of the breach or its likelihood'),
  occurredAt: ReportedInstant.describe('when the leak happened or began, where known (発生日 of the PPC report)'),
  jurisdictions: z.array(Jurisdiction).describe('where affected people live or the organisation is established'),
  affectedCount: z.number().int().min(0).describe('people affected or possibly affected'),
  affectedByJurisdiction: z.record(Jurisdiction, z.number().int().min(0)),
  dataCategories: z.array(DataCategory),
  unfairPurpose: z.boolean().describe('APPI Rules Art. 7(3): caused or possibly caused with an unfair purpose; suspected counts'),
  encrypted: z.boolean().describe('strongly encrypted and the key did not leak'),
  sectors: z.array(Sector),
  highRisk: z.boolean().describe('GDPR Art. 34: likely to result in a high risk to the rights of people'),
  determinedAt: ReportedInstant.describe('when the organisation determined that a breach occurred (US states, NYDFS, SG, AU, CA)'),
  materialityDeterminedAt: ReportedInstant.describe('when the incident was determined material (SEC Form 8-K Item 1.05)'),
  classifiedMajorAt: ReportedInstant.describe('when the incident was classified as major (DORA Art. 19)'),
  processor: z.boolean().describe('the organisation processes the data on behalf of a controller (GDPR Art. 33(2))'),
  riskUnlikely: z.boolean().describe('assessed unlikely to result in a risk to people (GDPR Art. 33(1))'),
  significantIncident: z.boolean().describe('a significant incident under NIS2 Art. 23(3); unknown counts as significant'),
  unreachableCount: z.number().int().min(0).describe('people whom an individual notice cannot reach (APPI Art. 26(2) proviso)'),
  // The response plan's facts: each switches on stages of the playbook (workflows/domain/stages.ts), not obligations.
  causeType: CauseType.describe('the kind of cause, as far as known: unauthorised access or insider theft bring in the police'),
  atContractor: z.boolean().describe('the leak happened at a contractor (委託先) handling the data for the organisation (APPI Art. 25)'),
  highPublicInterest: z.boolean().describe('of high public interest: a press conference, and weighs for a third-party committee'),
  managementImplicated: z.boolean().describe('management itself may be implicated: the investigation needs independence'),
  publishedLocations: z
    .array(Line(500))
    .max(200)
    .describe('where the leaked data was found published (paste sites, forums): one takedown request each; text, not personal data'),
  harmUnlikelyDocumented: z
    .boolean()
    .describe(
      'a written determination, after a reasonable investigation, that the breach is not reasonably likely to harm the people affected (US state risk-of-harm exceptions; several states require keeping it 5 years)',
    ),
}));

/** The facts as the workflow holds them: only awareAt is known for certain from the start. */
export const Facts = once(() =>
  z.strictObject({
    ...factFields,
    // What a breach already holds is not re-judged by today's clock or code list: only new reports are (FactsUpdate,
    // Detection). A breach that holds a code a later ISO 3166 release withdrew keeps working.
    awareAt: Instant,
    jurisdictions: z.array(JurisdictionShape).default([]),
    dataCategories: factFields.dataCategories.default([]),
    sectors: factFields.sectors.default([]),
    affectedCount: factFields.affectedCount.optional(),
    affectedByJurisdiction: z.record(JurisdictionShape, z.number().int().min(0)).optional(),
    unfairPurpose: factFields.unfairPurpose.optional(),
    encrypted: factFields.encrypted.optional(),
    highRisk: factFields.highRisk.optional(),
    occurredAt: Instant.optional(),
    determinedAt: Instant.optional(),
    materialityDeterminedAt: Instant.optional(),
    classifiedMajorAt: Instant.optional(),
    processor: factFields.processor.optional(),
    riskUnlikely: factFields.riskUnlikely.optional(),
    significantIncident: factFields.significantIncident.optional(),
    unreachableCount: factFields.unreachableCount.optional(),
    causeType: factFields.causeType.optional(),
    atContractor: factFields.atContractor.optional(),
    highPublicInterest: factFields.highPublicInterest.optional(),
    managementImplicated: factFields.managementImplicated.optional(),
    publishedLocations: factFields.publishedLocations.optional(),
    harmUnlikelyDocumented: factFields.harmUnlikelyDocumented.optional(),
  }),
);
export type Facts = z.infer<typeof Facts>;

/** Facts as a person writes them for a what-if (`breachline obligations --facts`): every code checked against ISO 3166. */
export const FactsFile = once(() =>
  Facts.extend({
    jurisdictions: factFields.jurisdictions.default([]),
    affectedByJurisdiction: factFields.affectedByJurisdiction.optional(),
  }),
);

/** A facts update: any subset of the facts; what it names replaces what was known. */
export const FactsUpdate = once(() =>
  z
    .strictObject(factFields)
    .partial()
    .refine((update) => Object.keys(update).length > 0, { message: 'a facts update must name at least one fact' }),
);
export type FactsUpdate = z.infer<typeof FactsUpdate>;

export const Severity = once(() => z.enum(['low', 'medium', 'high', 'critical']));
export type Severity = z.infer<typeof Severity>;

export const Detection = once(() =>
  z.strictObject({
    source: Line(128).describe('the detecting system, e.g. "splunk" or "CrowdStrike Falcon"; with eventId, what makes a detection the same one'),
    eventId: Line(256).describe("the detecting system's own id for the event"),
    detectedAt: ReportedInstant,
    summary: Prose(2000).describe('what was seen; no personal data of affected people'),
    severity: Severity.optional().describe("the detecting tool's severity, for triage and filtering"),
    correlationKey: Line(256)
      .optional()
      .describe('detections with the same key join the open breach that has it, instead of starting one each (OCSF metadata.correlation_uid)'),
    facts: FactsUpdate.optional().describe('facts already known; awareAt defaults to detectedAt'),
  }),
);
export type Detection = z.infer<typeof Detection>;

export function initialFacts(detection: Detection): Facts {
  return Facts.parse({ awareAt: detection.detectedAt, ...detection.facts });
}

export function applyFactsUpdate(facts: Facts, update: FactsUpdate): Facts {
  return Facts.parse({ ...facts, ...update });
}

/**
 * What a further detection may add to a breach's facts: a detector sees more of an incident, it does not decide what
 * the law no longer asks. Lists are joined, counts only grow, awareness only moves earlier, aggravating flags only
 * turn on, determinations are set only where none is known; facts that would lift an obligation (encrypted,
 * riskUnlikely, processor, harmUnlikelyDocumented, significantIncident: false, a smaller count) are an operator's to change, and are named.
 */
export function detectedFacts(facts: Facts, reported: FactsUpdate): { update: FactsUpdate; ignored: string[] } {
  const update: FactsUpdate = {};
  const ignored: string[] = [];
  const join = <T>(known: T[], more: T[] | undefined) =>
    more && more.some((v) => !known.includes(v)) ? [...known, ...more.filter((v) => !known.includes(v))] : undefined;
  const jurisdictions = join(facts.jurisdictions, reported.jurisdictions);
  if (jurisdictions) update.jurisdictions = jurisdictions;
  const dataCategories = join(facts.dataCategories, reported.dataCategories);
  if (dataCategories) update.dataCategories = dataCategories;
  const sectors = join(facts.sectors, reported.sectors);
  if (sectors) update.sectors = sectors;
  const published = join(facts.publishedLocations ?? [], reported.publishedLocations);
  if (published) update.publishedLocations = published;
  if (reported.causeType !== undefined) {
    if (facts.causeType === undefined) update.causeType = reported.causeType;
    else if (reported.causeType !== facts.causeType) ignored.push('causeType');
  }
  for (const count of ['affectedCount', 'unreachableCount'] as const) {
    const more = reported[count];
    if (more === undefined) continue;
    if (facts[count] === undefined || more > facts[count]) update[count] = more;
    else if (more < facts[count]) ignored.push(count);
  }
  if (reported.affectedByJurisdiction) {
    const known = facts.affectedByJurisdiction ?? {};
    const grown = Object.entries(reported.affectedByJurisdiction).filter(([code, n]) => known[code] === undefined || n > known[code]);
    if (grown.length) update.affectedByJurisdiction = { ...known, ...Object.fromEntries(grown) };
    if (Object.entries(reported.affectedByJurisdiction).some(([code, n]) => known[code] !== undefined && n < known[code]))
      ignored.push('affectedByJurisdiction');
  }
  if (reported.awareAt !== undefined) {
    if (Date.parse(reported.awareAt) < Date.parse(facts.awareAt)) update.awareAt = reported.awareAt;
    else if (Date.parse(reported.awareAt) > Date.parse(facts.awareAt)) ignored.push('awareAt');
  }
  for (const flag of ['unfairPurpose', 'highRisk', 'atContractor', 'highPublicInterest', 'managementImplicated'] as const) {
    if (reported[flag] === true && facts[flag] !== true) update[flag] = true;
    else if (reported[flag] === false && facts[flag] === true) ignored.push(flag);
  }
  if (reported.significantIncident === true && facts.significantIncident !== true) update.significantIncident = true;
  else if (reported.significantIncident === false) ignored.push('significantIncident');
  for (const when of ['occurredAt', 'determinedAt', 'materialityDeterminedAt', 'classifiedMajorAt'] as const) {
    if (reported[when] === undefined) continue;
    if (facts[when] === undefined) update[when] = reported[when];
    else if (reported[when] !== facts[when]) ignored.push(when);
  }
  for (const lifting of ['encrypted', 'riskUnlikely', 'processor', 'harmUnlikelyDocumented'] as const)
    if (reported[lifting] !== undefined && reported[lifting] !== facts[lifting]) ignored.push(lifting);
  return { update, ignored };
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
    // A body that fits none of a union's shapes: the fields of the shape it came closest to.
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
      return fieldErrors(new z.ZodError(closest.map((i) => ({ ...i, path: [...issue.path, ...i.path] }))), prefix);
    }
    if (issue.code === 'invalid_key') return issue.issues.map((i) => ({ field: path || '(body)', message: i.message }));
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [path, key].filter(Boolean).join('.'), message: 'unknown field' }));
    }
    return [{ field: path || '(body)', message: issue.message }];
  });
}

export function describeFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}

/**
 * Parses or throws an error whose message names each bad field; used by update validators and the CLI. Every
 * string in the input, whatever the schema, passes the shared text check first.
 */
export function parseOrExplain<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const unsafe = unsafeTextIssues(value);
  if (unsafe.length) throw new InvalidInput(what, unsafe);
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
