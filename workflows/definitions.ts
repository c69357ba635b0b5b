// The breach workflow's interface, defined once and imported by both the workflow and its clients:
// its updates, its query, their input schemas and the shape of the status.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { z } from 'zod';
import { ChannelPolicy } from './domain/channels';
import { EscalationAction, type EscalationAudience, LadderOverrides } from './domain/escalation';
import type { Detection, Facts, FactsUpdate, FieldError } from './domain/facts';
import { Line, Prose } from './domain/text';
import { type Assessment, Duration, type Obligation, ObligationKind, Recipient } from './domain/obligations';
import { Playbook, type PlaybookTask, type RecordTaskRequest } from './domain/playbook';
import type { DamageEstimate } from './domain/damage';
import type { ReportContent } from './domain/report';
import { LocalizedText } from './domain/i18n';
import { RULE_PACKS } from './domain/regimes';
import { type AnnouncementContent, ContactDeskPolicy, type DeskSizing, type ExpectedQuestion, Insurer, type InvestigationBodyCriteria } from './domain/stages';
import { DEFAULT_REGISTER_RETENTION_YEARS } from './domain/register';
import { buildOnce } from './built-once';

const once = buildOnce('definitions');

export const TASK_QUEUE = 'breachline';

export const Approver = once(() =>
  z.strictObject({
    id: Line(128).describe('who approves: a user id or e-mail from the identity provider'),
    role: Line(64).optional(),
    subject: Line(600)
      .optional()
      .describe('the identity provider\'s issuer and subject ("<iss>#<sub>") of an approver signed in with SSO: who they are for four eyes'),
  }),
);
export type Approver = z.infer<typeof Approver>;

export const ApprovalRequest = once(() =>
  z.strictObject({
    obligationId: Line(128).describe('the obligation this approval satisfies, e.g. "JP-APPI/ppc-final"'),
    approver: Approver,
    filingReference: Line(200).optional().describe("the regulator's receipt or reference number"),
    note: Prose(2000).optional(),
  }),
);
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

export const CloseRequest = once(() =>
  z.strictObject({
    by: Approver,
    reason: Prose(2000),
  }),
);
export type CloseRequest = z.infer<typeof CloseRequest>;

const OBLIGATION_IDS = new Set(RULE_PACKS.flatMap((pack) => pack.rules.map((rule) => `${pack.regime}/${rule.id}`)));
const INTERNAL_TARGET_IDS = new Set(RULE_PACKS.flatMap((pack) => pack.rules.filter((r) => r.internalTarget).map((r) => `${pack.regime}/${r.id}`)));

const DomainLimit = once(() =>
  z.strictObject({
    concurrency: z.number().int().min(1).max(100).optional().describe('messages in flight at once to this domain'),
    ratePerSecond: z.number().positive().max(10_000).optional().describe('messages per second to this domain'),
  }),
);

/**
 * Per-domain pacing: large mailbox providers throttle each sender per destination domain, and answer a sender that
 * goes too fast with 4xx deferrals. Caps per recipient domain; a domain that defers is held back (its own backoff,
 * doubling) while the rest of the wave goes on; one that keeps deferring is escalated to the breach owner.
 */
export const DomainPacing = once(() =>
  z.strictObject({
    limits: z
      .record(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'a mail domain, e.g. docomo.ne.jp'), DomainLimit)
      .default({})
      .describe('caps for named recipient domains'),
    default: DomainLimit.optional().describe('caps for every other domain'),
    backoffSeconds: z.number().min(1).max(3600).default(60).describe('how long a domain that deferred is held back at first; doubling each round in a row'),
    maxBackoffSeconds: z.number().min(1).max(86_400).default(1800),
    escalateAfterRounds: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(4)
      .describe('rounds of deferral in a row after which the domain is escalated to the breach owner'),
  }),
);
export type DomainPacing = z.output<typeof DomainPacing>;

/** The reporting business, as the PPC report and every notice name it: text in Japanese, English or both. */
export const Organisation = once(() =>
  z.strictObject({
    name: LocalizedText(200).describe('the business operator\'s name, e.g. {"ja": "株式会社見本商事", "en": "Mihon Shoji Co., Ltd."}'),
    representative: LocalizedText(200).describe('the representative: title and name, e.g. {"ja": "代表取締役社長 見本 一郎"}'),
    address: LocalizedText(500),
    contact: z
      .strictObject({
        name: LocalizedText(200).describe('the person the PPC may call about the report'),
        department: LocalizedText(200).optional(),
        phone: Line(50).optional(),
        email: z.email().optional(),
      })
      .describe("the report's contact person (担当者)"),
  }),
);
export type Organisation = z.infer<typeof Organisation>;

/**
 * A deployment's response policy, given to each breach at its start: escalation ladders by obligation id or kind,
 * and its own internal targets for obligations the law leaves open ("without undue delay").
 */
export const ResponsePolicy = once(() =>
  z.strictObject({
    organisation: Organisation.optional().describe("the reporting business: the PPC report's reporter and the sender of every notice"),
    playbook: Playbook.optional().describe("the response plan's tasks; Breachline's default playbook when absent"),
    fourEyes: z.array(Recipient).default(['regulator']).describe('recipients whose obligations need two different approvers before they count as filed'),
    ladders: LadderOverrides.default({}).superRefine((ladders, ctx) => {
      for (const key of Object.keys(ladders)) {
        if (!ObligationKind.safeParse(key).success && !OBLIGATION_IDS.has(key)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `not an obligation kind (${ObligationKind.options.join(', ')}) nor a known obligation id like "JP-APPI/ppc-final"`,
          });
        }
      }
    }),
    domainPacing: DomainPacing.optional().describe("campaigns' per recipient domain caps and backoff, unless a campaign sets its own"),
    registerRetentionYears: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(DEFAULT_REGISTER_RETENTION_YEARS)
      .describe("years a closed breach's register entry and timeline are kept after closure, before `breachline register purge` removes them"),
    testRecipients: z.array(z.email()).default([]).describe("addresses a test notice may go to besides the requesting operator's own"),
    intake: z
      .strictObject({
        perTokenPerMinute: z.number().int().min(1).default(600).describe('requests per minute one API token may make'),
        perSourcePerMinute: z.number().int().min(1).default(120).describe('detections per minute one detecting source may send'),
      })
      .prefault({})
      .describe("the HTTP API's rate limits: an alert storm or a stolen detector token cannot start breaches without bound"),
    insurers: z
      .array(Insurer)
      .max(20)
      .default([])
      .describe("cyber insurers: each one's notice period is a contractual clock of every breach, shown apart from the legal obligations"),
    contactDesk: ContactDeskPolicy.prefault({}).describe("the contact desk's sizing assumptions: contact rate, daily shares, handling time, hours"),
    maxSnoozeMinutes: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60)
      .optional()
      .describe('the longest an escalation may be snoozed (a day when absent); a snooze never passes the legal deadline'),
    channels: ChannelPolicy.optional().describe('escalations and wave alerts through webhooks, Slack, Teams or PagerDuty besides mail; mail only when absent'),
    internalTargets: z
      .record(z.string(), Duration)
      .default({})
      .superRefine((targets, ctx) => {
        for (const key of Object.keys(targets)) {
          if (!INTERNAL_TARGET_IDS.has(key))
            ctx.addIssue({ code: 'custom', path: [key], message: `not an obligation with an internal target (${[...INTERNAL_TARGET_IDS].join(', ')})` });
        }
      }),
  }),
);
export type ResponsePolicy = z.output<typeof ResponsePolicy>;

/** Acknowledge an escalation (its ladder stops climbing) or snooze it (its ladder holds for a while); neither meets the obligation. */
export const EscalationAnswerRequest = once(() =>
  z
    .strictObject({
      escalationId: Line(160).describe('the escalation: its obligation\'s id ("JP-APPI/ppc-final"), or "task/<task id>" for a playbook task'),
      action: EscalationAction,
      snoozeMinutes: z
        .number()
        .int()
        .min(1)
        .max(30 * 24 * 60)
        .optional()
        .describe('how long to snooze; capped by the policy and by the deadline'),
      by: Approver,
      via: z.enum(['api', 'cli', 'dashboard', 'link', 'pagerduty']).default('api').describe('where the answer came from, for the timeline'),
    })
    .superRefine((request, ctx) => {
      if (request.action === 'snooze' && request.snoozeMinutes === undefined)
        ctx.addIssue({ code: 'custom', path: ['snoozeMinutes'], message: 'a snooze needs its length in minutes' });
      if (request.action === 'acknowledge' && request.snoozeMinutes !== undefined)
        ctx.addIssue({ code: 'custom', path: ['snoozeMinutes'], message: 'only a snooze has a length' });
    }),
);
export type EscalationAnswerRequest = z.input<typeof EscalationAnswerRequest>;

/** An answer in force, as the status and the update's result show it. */
export interface EscalationAnswerStatus {
  escalationId: string;
  action: z.infer<typeof EscalationAction>;
  by: string;
  via: string;
  at: string;
  /** A snooze's end. */
  until?: string;
}

/** What an answer put in force, and the escalation's next step now (none: nothing more before the deadline). */
export type EscalationAnswerResult = EscalationAnswerStatus & { nextEscalation?: { step: string; at: string } };

export interface ApprovalRecord extends ApprovalRequest {
  /** Epoch ms. */
  at: number;
  /** `approved`: the first of two approvals of a four-eyes obligation, which stays open until the second. */
  action: 'approved' | 'submitted' | 'notified';
}

export type Phase = 'triage' | 'reporting' | 'remediation' | 'closed';

export type ObligationState = 'open' | 'satisfied' | 'withdrawn';

export interface TimelineEntry {
  /** Epoch ms. */
  at: number;
  kind:
    | 'detected'
    | 'detection-attached'
    | 'store-failed'
    | 'escalation-failed'
    | 'facts-updated'
    | 'obligation-opened'
    | 'deadline-moved'
    | 'obligation-withdrawn'
    | 'obligation-reopened'
    | 'escalation-sent'
    | 'escalation-acknowledged'
    | 'escalation-snoozed'
    | 'approval-recorded'
    | 'campaign-started'
    | 'wave-ready'
    | 'wave-approved'
    | 'wave-sent'
    | 'campaign-controlled'
    | 'wave-outage'
    | 'wave-resumed'
    | 'campaign-finished'
    | 'public-notice-required'
    | 'task-opened'
    | 'task-recorded'
    | 'task-waived'
    | 'task-overdue'
    | 'closed';
  obligationId?: string;
  actor?: string;
  detail: string;
  /** Why the store could not keep this entry: it is in the workflow's timeline only. */
  unrecorded?: string;
}

export interface ObligationStatus extends Omit<Obligation, 'startAt' | 'dueAt' | 'targetAt'> {
  startAt: string;
  state: ObligationState;
  /** ISO 8601 in the regime's zone, with its offset. */
  dueAt: string;
  targetAt?: string;
  /** Milliseconds from `asOf` to dueAt; negative once missed. */
  timeLeftMs: number;
  overdue: boolean;
  satisfiedAt?: string;
  satisfiedBy?: string;
  /** Two for a four-eyes obligation (regulator filings by default), else one. */
  approvalsNeeded: number;
  approvedBy: string[];
  withdrawnBecause?: string;
  /** `failed`: why the mail could not be sent to one audience or more (the audience is then who got it, if anyone). */
  escalations: { step: string; at: string; audience: EscalationAudience; overdue: boolean; failed?: string; channel?: string }[];
  /** The next step of the escalation ladder while the obligation is open. */
  nextEscalation?: { step: string; at: string; audience: EscalationAudience };
  /** The acknowledgement or snooze in force for the current deadline. */
  answer?: EscalationAnswerStatus;
}

export interface BreachStatus {
  breachId: string;
  phase: Phase;
  /** The workflow time this status was read at. */
  asOf: string;
  detection: { source: string; eventId: string; detectedAt: string; summary: string; severity?: string };
  facts: Facts;
  obligations: ObligationStatus[];
  notApplicable: Assessment['notApplicable'];
  campaigns: CampaignStatus[];
  /** The playbook's tasks; empty for a breach started before the playbook existed. */
  tasks: TaskStatus[];
  /** The response plan's stages computed from the breach: for people and for the document renderers. */
  plan: ResponsePlanStatus;
  /** The JNSA damage-operation model's estimate, with its inputs. */
  damage: DamageEstimate;
  /** For each report to a regulator whose form Breachline knows: its items, filled from facts and tasks, and what is missing. */
  reports: ReportContent[];
  /** The reporting business, from the breach's response policy, when it names one. */
  organisation?: Organisation;
  approvals: (Omit<ApprovalRecord, 'at'> & { at: string })[];
  timeline: (Omit<TimelineEntry, 'at'> & { at: string })[];
  /** Timeline entries the store could not keep, with the reason: the owner must see them, and fix the store. */
  storeFailures: { entry: number; kind: string; reason: string; at: string }[];
  /** The breach's latest revision in the register, and why its last write failed (the owner is alerted). */
  register?: { revision: number; failed?: string };
}

export interface ResponsePlanStatus {
  investigationBody: InvestigationBodyCriteria;
  contactDesk: DeskSizing;
  /** The contact desk's FAQ, from the same facts as the notice. */
  faq: ExpectedQuestion[];
  /** The spokespeople's expected-questions sheet (想定問答): only for a breach of high public interest. */
  expectedQuestions?: ExpectedQuestion[];
  announcement: AnnouncementContent;
  /** Where the data was found published, and when the monitoring for re-publication ends. */
  takedown?: { locations: number; monitoringEndsAt?: string };
}

export interface TaskStatus extends Pick<PlaybookTask, 'id' | 'stage' | 'title' | 'owner' | 'outcome' | 'provides'> {
  /** `contractual`: a contract term (an insurer's notice period), not a law. */
  kind: 'response' | 'contractual';
  /** Why a task the facts switch on was opened. */
  openedBecause?: string;
  /** Tasks that must be recorded or waived before this one. */
  after?: string[];
  state: 'open' | 'done' | 'waived';
  targetAt: string;
  overdue: boolean;
  records: { at: string; by: string; outcome?: unknown; waived?: string }[];
  escalations: string[];
  /** The acknowledgement or snooze in force for the current target. */
  answer?: EscalationAnswerStatus;
}

export interface FactsUpdateResult {
  changed: string[];
  opened: string[];
  moved: string[];
  withdrawn: string[];
}

export interface BreachClosure {
  breachId: string;
  closedAt: string;
  closedBy: string;
  reason: string;
}

// Customer-notification campaigns: a child workflow per campaign sends waves of notices, each wave approved by an
// operator first. The workflows carry ids, counts and the notice's text for everyone; each person's data stays
// in the store and is merged into the notice only inside the sending activity.

export const NoticeTemplate = once(() =>
  z.strictObject({
    subject: z.string().min(1).max(500),
    text: z.string().min(1).max(20_000),
    html: z.string().min(1).max(40_000),
  }),
);
export type NoticeTemplate = z.infer<typeof NoticeTemplate>;

export const CampaignNotice = once(() =>
  z.strictObject({
    companyName: LocalizedText(200).optional().describe("the sender; by default the policy's organisation"),
    representative: LocalizedText(200).optional().describe("who signs for the sender; by default the policy's organisation"),
    incident: LocalizedText(4000).optional().describe('what happened (概要); by default the overview the investigation recorded'),
    cause: LocalizedText(4000).optional().describe('the cause (原因); by default the one the investigation recorded'),
    secondaryDamage: LocalizedText(4000).optional().describe("secondary damage or its risk (二次被害又はそのおそれ); by default the investigation's"),
    measures: LocalizedText(4000).optional().describe('what the company has done'),
    advice: LocalizedText(4000).optional().describe('what the person should do; by default advice for the data categories that leaked'),
    recurrence: LocalizedText(4000).optional().describe('measures to prevent recurrence (再発防止策); by default those the recurrence plan recorded'),
    contactDesk: z
      .strictObject({
        name: LocalizedText(200),
        phone: z.string().max(50).optional(),
        email: z.email().optional(),
        url: z.url().optional(),
        hours: LocalizedText(200).describe('e.g. {"ja": "平日9時〜18時", "en": "weekdays 9:00-18:00 JST"}'),
      })
      .optional()
      .describe("the desk's name, channels and hours; by default those recorded on the playbook task that provides the contact desk"),
  }),
);
export type CampaignNotice = z.infer<typeof CampaignNotice>;

export const CampaignRequest = once(() =>
  z.strictObject({
    notice: CampaignNotice,
    templates: z
      .strictObject({ ja: NoticeTemplate.optional(), en: NoticeTemplate.optional() })
      .default({})
      .describe('per-locale templates; the defaults otherwise'),
    waveSize: z.number().int().min(1).max(1_000_000).default(10_000),
    ratePerSecond: z.number().positive().max(100_000).default(50).describe("messages per second, per the mail provider's limits"),
    batchSize: z.number().int().min(1).max(5000).default(500),
    consolation: z
      .strictObject({ gesture: Line(200).describe('e.g. "a ¥500 gift code"'), valueYen: z.number().int().min(1).max(1_000_000) })
      .optional()
      .describe(
        'a per-person gesture (お詫びの品・見舞金) issued with this campaign: once per person, as every notice is; its cost goes into the damage estimate',
      ),
    unreachableThreshold: z.number().min(0).max(1).default(0.05).describe('share of people unreachable by mail above which the public notice is required'),
    historyLimit: z.number().int().min(50).max(10_000).default(2_000).describe('events after which a campaign run continues as new: the bound on its history'),
    domainPacing: DomainPacing.optional().describe("per recipient domain caps and backoff; the policy's otherwise"),
    requestedBy: Approver,
  }),
);
export type CampaignRequest = z.input<typeof CampaignRequest>;
export type CampaignPlan = z.output<typeof CampaignRequest>;

export const WaveApproval = once(() => z.strictObject({ campaignId: z.string().min(1), wave: z.number().int().min(1), approver: Approver }));
export type WaveApproval = z.infer<typeof WaveApproval>;
export const CampaignControl = once(() => z.strictObject({ campaignId: z.string().min(1), action: z.enum(['pause', 'resume', 'cancel']), by: Approver }));
export type CampaignControl = z.infer<typeof CampaignControl>;

export const TestNoticeRequest = once(() =>
  z.strictObject({
    campaignId: z.string().min(1),
    to: z.email().describe("the requesting operator's own address, or one the policy's testRecipients lists"),
    locale: z.enum(['ja', 'en']).default('ja'),
    requestedBy: Approver,
  }),
);
export type TestNoticeRequest = z.input<typeof TestNoticeRequest>;

export type WaveState = 'planned' | 'awaiting-approval' | 'sending' | 'done' | 'cancelled';

/** A wave paused because the SMTP server is out: shown in the campaign's status while it lasts. */
export interface WaveOutage {
  /** ISO instant the outage was first seen. */
  since: string;
  /** The latest failure, one line without addresses. */
  reason: string;
  /** The breach owner told once per outage: `failed` when that mail could not leave either. */
  escalation: 'sending' | 'sent' | 'failed';
  escalationError?: string;
}

export interface WaveProgress {
  wave: number;
  state: WaveState;
  total: number;
  sent: number;
  deferred: number;
  bounced: number;
  postal: number;
  pending: number;
  approvedBy?: string;
  /** The SMTP server cannot be reached: the wave waits, probing, and resumes when it answers. */
  outage?: WaveOutage;
  /** The template could not be rendered: the wave cannot be approved until the campaign is restarted with a fixed one. */
  templateError?: string;
  /** Recipient domains held back after deferring (counts; names in the store), and whether the owner was told of stuck ones. */
  heldDomains?: { domains: number; waiting: number; stuck: number; escalation?: 'sent' | 'failed' };
  startedAt?: string;
  finishedAt?: string;
  /** Messages per second over the wave so far, and when it should finish at that rate. */
  rate?: number;
  estimatedFinishAt?: string;
}

export interface CampaignStatus {
  campaignId: string;
  state: 'planning' | 'running' | 'paused' | 'cancelled' | 'done';
  total: number;
  waves: WaveProgress[];
  unreachable: number;
  /** The rendered notice for a synthetic sample person, per locale: what the approver is asked to approve. */
  preview?: Record<string, { subject: string; text: string }>;
}

/** Who did something to a breach, for the timeline; updates sent before actors were recorded have none. */
export interface Actor {
  id: string;
}
export const updateFacts = defineUpdate<FactsUpdateResult, [FactsUpdate, Actor?]>('updateFacts');
/** A further detection of the same incident (same correlation key): recorded on the timeline, its facts learned. */
export const attachDetection = defineUpdate<{ attached: boolean }, [Detection]>('attachDetection');
export const approve = defineUpdate<ApprovalRecord, [ApprovalRequest]>('approve');
export const closeBreach = defineUpdate<BreachClosure, [CloseRequest]>('close');
export const statusQuery = defineQuery<BreachStatus>('status');
export const startCampaign = defineUpdate<{ campaignId: string }, [CampaignRequest]>('startCampaign');
export const approveWave = defineUpdate<WaveProgress, [WaveApproval]>('approveWave');
export const controlCampaign = defineUpdate<CampaignStatus['state'], [CampaignControl]>('controlCampaign');
/** From a campaign to its breach: its progress, at each change of state and at most every 30 s while sending. */
export const campaignProgress = defineSignal<[CampaignStatus]>('campaignProgress');
/** From a breach to its campaign. */
export const waveApproved = defineSignal<[{ wave: number; by: string }]>('waveApproved');
export const campaignControl = defineSignal<[{ action: 'pause' | 'resume' | 'cancel'; by: string }]>('campaignControl');
export const campaignQuery = defineQuery<CampaignStatus>('campaign');
export const recordTask = defineUpdate<TaskStatus, [RecordTaskRequest]>('recordTask');
export const answerEscalation = defineUpdate<EscalationAnswerResult, [EscalationAnswerRequest]>('answerEscalation');
export const sendTestNotice = defineUpdate<{ messageId: string }, [TestNoticeRequest]>('sendTestNotice');

/** Custom search attributes, registered on the dev server and kept current by the workflow. */
export const searchAttributes = {
  phase: defineSearchAttributeKey('BreachPhase', SearchAttributeType.KEYWORD),
  regimes: defineSearchAttributeKey('BreachRegimes', SearchAttributeType.KEYWORD_LIST),
  nextDeadlineAt: defineSearchAttributeKey('BreachNextDeadlineAt', SearchAttributeType.DATETIME),
  /** Set once at start from the detection's severity. */
  severity: defineSearchAttributeKey('BreachSeverity', SearchAttributeType.KEYWORD),
};

export type { FieldError };
