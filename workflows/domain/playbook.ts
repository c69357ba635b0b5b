// The response plan as tracked tasks: each with a stage, an owner, a target time counted from awareness, who may
// record its outcome, and what the outcome must say. The default playbook follows the usual sequence of a breach
// response (initial response, investigation, communication, remediation: task force and evidence first, APPI Art. 26
// reports and notices, recurrence prevention last); a deployment replaces it with its own file (BREACHLINE_PLAYBOOK),
// checked by these schemas. Pure.
import { z } from 'zod';
import { EscalationAudience } from './escalation';
import { FactsUpdate } from './facts';
import { Line } from './text';
import { LocalizedText } from './i18n';
import { buildOnce } from '../built-once';

const once = buildOnce('domain/playbook');

export const TaskStage = once(() => z.enum(['initial-response', 'investigation', 'communication', 'remediation']));
export type TaskStage = z.infer<typeof TaskStage>;

/** What a task's outcome must carry, checked when it is recorded. */
export const OutcomeKind = once(() =>
  z.enum([
    'done',
    'evidence',
    'experts',
    'facts',
    'measures',
    'publication',
    'contact-desk',
    'investigation-body',
    'investigation-report',
    'police-consultation',
    'police-filing',
    'reference',
    'reporting-party',
    'discipline',
    'takedown',
  ]),
);
export type OutcomeKind = z.infer<typeof OutcomeKind>;

/** What a task's outcome gives the rest of the response: the report and the notices look tasks up by it, not by id. */
export const TaskProvides = once(() =>
  z.enum([
    'contact-desk',
    'cause',
    'scope',
    'recurrence-measures',
    'publication',
    'investigation-body',
    'counsel-review',
    'discipline',
    'holding-statement',
    'partner-notice',
  ]),
);
export type TaskProvides = z.infer<typeof TaskProvides>;

/**
 * What switches a task on: a task without one opens with the breach; one with a trigger opens when the facts (or an
 * earlier outcome, or the policy) first meet it, and its target counts from then. Each trigger is a pure predicate
 * in stages.ts, named here so that a playbook file can use it.
 */
export const TaskTrigger = once(() =>
  z.enum(['serious', 'crime-suspected', 'police-filing-decided', 'at-contractor', 'high-public-interest', 'published-online', 'insured']),
);
export type TaskTrigger = z.infer<typeof TaskTrigger>;

/** A task opened once per item: per location where the data was found published, per insurer in the policy. */
export const TaskEach = once(() => z.enum(['published-location', 'insurer']));
export type TaskEach = z.infer<typeof TaskEach>;

export const PlaybookTask = once(() =>
  z.strictObject({
    id: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
    stage: TaskStage,
    title: z.string().min(1).max(200),
    /** The organisational owner, for people: "security", "legal", "pr", "dpo", "management". */
    owner: z.string().min(1).max(64),
    /** The API roles allowed to record its outcome. */
    recordableBy: z
      .array(z.enum(['operator', 'manager']))
      .min(1)
      .default(['operator']),
    targetHours: z
      .number()
      .positive()
      .max(24 * 366)
      .describe('hours after awareness'),
    outcome: OutcomeKind.default('done'),
    /** Who is mailed when the task slips past its target: at the target, then daily, three times in all. */
    escalateTo: EscalationAudience.default('owner'),
    /** Recurring (periodic progress reports): once recorded, due again this many days later until the plan is done. */
    repeatEveryDays: z.number().int().positive().optional(),
    provides: TaskProvides.optional().describe('what its outcome gives the report and the notices; by default what its outcome kind is, where that says'),
    when: TaskTrigger.optional().describe('opens only when the facts meet this trigger; the target then counts from that moment'),
    each: TaskEach.optional().describe("one task per item (`<id>-1`, `<id>-2`, ...); an insurer task takes its target from the insurer's notice period"),
    after: z.array(z.string().min(1)).max(20).optional().describe('tasks whose outcome must be recorded before this one can be (waived ones count)'),
    /** A contract term (an insurer's notice period), not a law: shown apart from the legal obligations. */
    kind: z.enum(['response', 'contractual']).default('response'),
  }),
);
export type PlaybookTask = z.output<typeof PlaybookTask>;

export const RecordTaskRequest = once(() =>
  z.strictObject({
    taskId: z.string().min(1),
    by: z.strictObject({ id: z.string().min(1).max(128), roles: z.array(z.enum(['detector', 'operator', 'manager'])).min(1) }),
    outcome: z.unknown().optional(),
    waive: z.strictObject({ reason: z.string().trim().min(1, 'waiving a task needs a reason').max(2000) }).optional(),
  }),
);
export type RecordTaskRequest = z.infer<typeof RecordTaskRequest>;

export const Playbook = once(() =>
  z.strictObject({ name: z.string().min(1).max(200), tasks: z.array(PlaybookTask).min(1) }).superRefine((playbook, ctx) => {
    const ids = playbook.tasks.map((t) => t.id);
    ids.forEach((id, i) => ids.indexOf(id) !== i && ctx.addIssue({ code: 'custom', path: ['tasks', i, 'id'], message: `duplicate task id "${id}"` }));
    const provided = playbook.tasks.map((t) => t.provides);
    provided.forEach(
      (what, i) =>
        what &&
        provided.indexOf(what) !== i &&
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'provides'], message: `"${what}" is already provided by task "${ids[provided.indexOf(what)]}"` }),
    );
    playbook.tasks.forEach((t, i) => {
      t.after?.forEach((id, j) => {
        if (!ids.includes(id) || id === t.id)
          ctx.addIssue({ code: 'custom', path: ['tasks', i, 'after', j], message: `no other task "${id}" in this playbook` });
      });
      if (t.each && t.provides) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'provides'], message: 'a task opened per item cannot provide one thing' });
    });
  }),
);
export type Playbook = z.output<typeof Playbook>;

const Sha256 = once(() => z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex (64 characters)'));

/** The outcome of each kind: what an operator records when the task is done. */
export const OUTCOME_SCHEMAS = once(
  () =>
    ({
      done: z.strictObject({ note: LocalizedText(4000).optional(), final: z.boolean().optional().describe('for a recurring task: the last one') }),
      evidence: z.strictObject({
        items: z.array(z.strictObject({ name: z.string().min(1).max(300), location: z.string().max(500).optional(), sha256: Sha256 })).min(1),
        note: z.string().max(4000).optional(),
      }),
      experts: z
        .strictObject({ decision: z.enum(['engaged', 'declined']), who: z.string().max(300).optional(), reason: z.string().max(2000).optional() })
        .refine((o) => o.decision === 'engaged' || (o.reason ?? '').trim().length > 0, {
          message: 'declining outside experts needs a reason',
          path: ['reason'],
        }),
      // The investigation's findings: facts for the obligations, and the text the PPC report and the notices say them in.
      facts: z.strictObject({
        facts: FactsUpdate,
        note: LocalizedText(4000).optional().describe('the finding: the cause, for the task that provides the cause'),
        overview: LocalizedText(4000).optional().describe('what happened, in a sentence or two: the overview (概要) of the report and the notices'),
        secondaryDamage: LocalizedText(4000).optional().describe('secondary damage seen, or the risk of it (二次被害又はそのおそれ)'),
      }),
      measures: z.strictObject({
        measures: z.array(z.strictObject({ measure: LocalizedText(500), owner: z.string().min(1).max(200), dueAt: z.iso.datetime({ offset: true }) })).min(1),
      }),
      publication: z.strictObject({
        stage: z.enum(['drafted', 'approved', 'published']),
        url: z.url().optional(),
        note: LocalizedText(4000).optional(),
      }),
      'contact-desk': z.strictObject({
        name: LocalizedText(200).optional().describe('the desk\'s name, e.g. {"ja": "個人情報お問い合わせ窓口", "en": "Personal data enquiry desk"}'),
        phone: z.string().max(50).optional(),
        email: z.email().optional(),
        hours: LocalizedText(200),
      }),
      'investigation-body': z.strictObject({
        body: z.enum(['internal-team', 'third-party-committee']),
        reason: z.string().trim().min(1, 'the decision needs its reason').max(2000),
        criteria: z
          .strictObject({ scale: z.number().int().min(0).nullable(), publicInterest: z.boolean(), managementImplicated: z.boolean() })
          .optional()
          .describe('the criteria the decision weighed; by default as the facts say when it is recorded'),
      }),
      'investigation-report': z.strictObject({
        note: LocalizedText(4000)
          .refine((t) => (typeof t === 'string' ? t.trim().length > 0 : true), 'the report states the cause')
          .describe("the cause, as the report states it: the PPC report's cause item"),
        overview: LocalizedText(4000).optional().describe('what happened, in a sentence or two: the overview (概要) of the report and the notices'),
        secondaryDamage: LocalizedText(4000).optional().describe('secondary damage seen, or the risk of it (二次被害又はそのおそれ)'),
        facts: FactsUpdate.optional().describe('findings that are facts (unfairPurpose, causeType, affectedCount, ...)'),
        body: z.enum(['internal-team', 'third-party-committee']).optional(),
      }),
      'police-consultation': z.strictObject({
        with: Line(200).describe('the police desk consulted, e.g. "prefectural police cybercrime desk"'),
        reference: Line(200).optional(),
        decision: z
          .enum(['consult-only', 'damage-report', 'criminal-complaint'])
          .describe('被害届 (damage report) or 刑事告訴 (criminal complaint) to follow, or neither'),
        note: z.string().max(4000).optional(),
      }),
      'police-filing': z.strictObject({
        filed: z.enum(['damage-report', 'criminal-complaint']),
        reference: Line(200).describe("the police's receipt or case reference"),
        note: z.string().max(4000).optional(),
      }),
      reference: z.strictObject({ reference: Line(200).optional(), note: z.string().max(4000).optional() }),
      'reporting-party': z.strictObject({
        reporter: z.enum(['organisation', 'contractor', 'both']).describe('who files the PPC reports and notifies the people'),
        note: z.string().max(4000).optional(),
      }),
      discipline: z
        .strictObject({
          measures: z
            .array(z.strictObject({ against: Line(200).describe('a role or position, never a name'), measure: Line(500) }))
            .max(100)
            .default([]),
          note: z.string().max(4000).optional(),
        })
        .refine((o) => o.measures.length > 0 || (o.note ?? '').trim().length > 0, { message: 'no measures needs a note saying why', path: ['note'] }),
      takedown: z.strictObject({
        status: z.enum(['requested', 'removed', 'refused', 'unanswered']).describe('done once removed; followed up otherwise'),
        to: Line(200).optional().describe('whom the request went to: the site operator, its host, the registrar'),
        reference: Line(200).optional(),
        note: z.string().max(4000).optional(),
      }),
    }) as const satisfies Record<OutcomeKind, z.ZodType>,
);

/** Outcome kinds that say by themselves what they provide; an outcome of facts says it only by `provides`. */
const PROVIDED_BY_OUTCOME: Partial<Record<OutcomeKind, TaskProvides>> = {
  'contact-desk': 'contact-desk',
  measures: 'recurrence-measures',
  publication: 'publication',
  'investigation-body': 'investigation-body',
  discipline: 'discipline',
};

/** What a task provides: what it declares, or else what its outcome kind is. */
export function provides(task: Pick<PlaybookTask, 'provides' | 'outcome'>): TaskProvides | undefined {
  return task.provides ?? PROVIDED_BY_OUTCOME[task.outcome];
}

/** The first task of a playbook that provides `what`, if any. */
export function taskProviding<T extends Pick<PlaybookTask, 'provides' | 'outcome'>>(tasks: Iterable<T>, what: TaskProvides): T | undefined {
  for (const task of tasks) if (provides(task) === what) return task;
  return undefined;
}

const task = (t: z.input<typeof PlaybookTask>) => t;

/**
 * The default playbook of breaches started before the response plan's stages (patched 'response-plan-stages'): kept
 * as it was, so that their histories replay with the same task clocks.
 */
export const DEFAULT_PLAYBOOK_V1: Playbook = once.data(() =>
  Playbook.parse({
    name: 'Breachline default (personal-data leak response plan)',
    tasks: [
      task({
        id: 'task-force',
        stage: 'initial-response',
        title: 'Convene the emergency task force',
        owner: 'management',
        targetHours: 2,
        escalateTo: 'executive',
      }),
      task({
        id: 'evidence-preserved',
        stage: 'initial-response',
        title: 'Preserve evidence (logs, images, copies) and record a hash of each item',
        owner: 'security',
        targetHours: 4,
        outcome: 'evidence',
      }),
      task({
        id: 'containment',
        stage: 'initial-response',
        title: 'Contain the leak: isolate systems, cut the path, rotate credentials',
        owner: 'security',
        targetHours: 24,
      }),
      task({
        id: 'outside-experts',
        stage: 'initial-response',
        title: 'Engage outside forensic experts and counsel, or decline with a reason',
        owner: 'management',
        targetHours: 24,
        outcome: 'experts',
      }),
      task({
        id: 'scope-confirmed',
        stage: 'investigation',
        title: 'Confirm the scope: which data, how many people, which systems',
        owner: 'security',
        targetHours: 72,
        outcome: 'facts',
        provides: 'scope',
      }),
      task({
        id: 'cause-established',
        stage: 'investigation',
        title: 'Establish the cause, and whether an unfair purpose is involved',
        owner: 'security',
        targetHours: 14 * 24,
        outcome: 'facts',
        provides: 'cause',
      }),
      task({
        id: 'contact-desk',
        stage: 'communication',
        title: 'Open the contact desk before notices go out',
        owner: 'pr',
        targetHours: 72,
        outcome: 'contact-desk',
      }),
      task({
        id: 'partners-notified',
        stage: 'communication',
        title: 'Notify business partners, with an apology',
        owner: 'management',
        targetHours: 7 * 24,
        provides: 'partner-notice',
      }),
      task({
        id: 'press-release',
        stage: 'communication',
        title: 'Draft, approve and publish the press release',
        owner: 'pr',
        targetHours: 7 * 24,
        outcome: 'publication',
      }),
      task({
        id: 'recurrence-plan',
        stage: 'remediation',
        title: 'Plan recurrence-prevention measures, each with an owner and a due date',
        owner: 'security',
        targetHours: 30 * 24,
        outcome: 'measures',
      }),
      task({
        id: 'counsel-review',
        stage: 'remediation',
        title: "Counsel's review of the measures",
        owner: 'legal',
        targetHours: 45 * 24,
        recordableBy: ['manager'],
      }),
      task({ id: 'disciplinary-follow-up', stage: 'remediation', title: 'Disciplinary and contractual follow-up', owner: 'management', targetHours: 60 * 24 }),
      task({
        id: 'progress-report',
        stage: 'remediation',
        title: 'Report progress on the measures to affected people and partners',
        owner: 'pr',
        targetHours: 60 * 24,
        repeatEveryDays: 30,
      }),
    ],
  }),
);

/**
 * Breachline's default playbook, from the response plan in the guidance (targets are its defaults, in hours): the
 * tasks of every breach, and the stages the facts switch on (`when`, `each`; see stages.ts and the README).
 */
export const DEFAULT_PLAYBOOK: Playbook = once.data(() =>
  Playbook.parse({
    name: 'Breachline default (personal-data leak response plan)',
    tasks: [
      ...DEFAULT_PLAYBOOK_V1.tasks.flatMap((t) => {
        switch (t.id) {
          case 'cause-established':
            return [
              task({
                id: 'investigation-body',
                stage: 'investigation',
                title: 'Decide who investigates: an internal team or a third-party committee (第三者委員会), with the criteria',
                owner: 'management',
                recordableBy: ['manager'],
                targetHours: 72,
                outcome: 'investigation-body',
                escalateTo: 'executive',
                when: 'serious',
              }),
              { ...t, title: 'Investigation report: the cause, and whether an unfair purpose is involved', outcome: 'investigation-report' as const },
              task({
                id: 'police-consultation',
                stage: 'investigation',
                title: 'Consult the police (警察への相談), and decide on a damage report or criminal complaint',
                owner: 'legal',
                targetHours: 72,
                outcome: 'police-consultation',
                when: 'crime-suspected',
                after: ['evidence-preserved'],
              }),
              task({
                id: 'police-filing',
                stage: 'investigation',
                title: 'File the damage report or criminal complaint (被害届・刑事告訴) and record its reference',
                owner: 'legal',
                targetHours: 7 * 24,
                outcome: 'police-filing',
                when: 'police-filing-decided',
                after: ['evidence-preserved', 'police-consultation'],
              }),
              task({
                id: 'contractor-report',
                stage: 'investigation',
                title: "Obtain the contractor's incident report (委託先の事故報告)",
                owner: 'security',
                targetHours: 72,
                outcome: 'reference',
                when: 'at-contractor',
              }),
              task({
                id: 'contractor-supervision',
                stage: 'remediation',
                title: "Supervise the contractor's containment and fixes (APPI Art. 25)",
                owner: 'security',
                targetHours: 14 * 24,
                when: 'at-contractor',
                after: ['contractor-report'],
              }),
              task({
                id: 'reporting-party',
                stage: 'investigation',
                title: 'Agree and record which party files the PPC reports and notifies the people',
                owner: 'legal',
                targetHours: 48,
                outcome: 'reporting-party',
                when: 'at-contractor',
              }),
            ];
          case 'contact-desk':
            return [
              task({
                id: 'insurer-notice',
                stage: 'initial-response',
                title: 'Notify the cyber insurer under the policy',
                owner: 'legal',
                targetHours: 72, // replaced by each insurer's notice period
                outcome: 'reference',
                escalateTo: 'executive',
                each: 'insurer',
                kind: 'contractual',
              }),
              t,
            ];
          case 'press-release':
            return [
              t,
              task({
                id: 'holding-statement',
                stage: 'communication',
                title: 'Publish a holding statement (first public statement)',
                owner: 'pr',
                targetHours: 3,
                escalateTo: 'executive',
                when: 'high-public-interest',
                provides: 'holding-statement',
              }),
              task({
                id: 'expected-questions',
                stage: 'communication',
                title: 'Prepare the expected-questions sheet (想定問答) for spokespeople and the contact desk',
                owner: 'pr',
                targetHours: 24,
                when: 'high-public-interest',
              }),
              task({
                id: 'press-conference',
                stage: 'communication',
                title: 'Hold the press conference (記者会見), approved by management and counsel',
                owner: 'management',
                targetHours: 72,
                escalateTo: 'executive',
                when: 'high-public-interest',
                after: ['expected-questions'],
              }),
              task({
                id: 'takedown',
                stage: 'communication',
                title: 'Request the takedown of the published data, and follow it up until removed',
                owner: 'legal',
                targetHours: 24,
                outcome: 'takedown',
                repeatEveryDays: 3,
                each: 'published-location',
              }),
              task({
                id: 'takedown-monitoring',
                stage: 'remediation',
                title: 'Monitor for re-publication until the end of the monitoring period, then record the result',
                owner: 'security',
                targetHours: 90 * 24,
                when: 'published-online',
              }),
            ];
          case 'recurrence-plan':
            return [{ ...t, after: ['cause-established'] }];
          case 'counsel-review':
            return [{ ...t, after: ['recurrence-plan'], provides: 'counsel-review' as const }];
          case 'disciplinary-follow-up':
            return [
              { ...t, title: 'Record the disciplinary and contractual measures against those responsible (関係者の処分)', outcome: 'discipline' as const },
            ];
          default:
            return [t];
        }
      }),
    ],
  }),
);
