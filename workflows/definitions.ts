// The breach workflow's interface, defined once and imported by both the workflow and its clients:
// its updates, its query, their input schemas and the shape of the status.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { z } from 'zod';
import { type EscalationAudience, LadderOverrides } from './domain/escalation';
import type { Facts, FactsUpdate, FieldError } from './domain/facts';
import { type Assessment, Duration, type Obligation, ObligationKind, Recipient } from './domain/obligations';
import { RULE_PACKS } from './domain/regimes';

export const TASK_QUEUE = 'breachline';

export const Approver = z.strictObject({
  id: z.string().min(1).max(128).describe('who approves: a user id or e-mail from the identity provider'),
  role: z.string().min(1).max(64).optional(),
});

export const ApprovalRequest = z.strictObject({
  obligationId: z.string().min(1).max(128).describe('the obligation this approval satisfies, e.g. "JP-APPI/ppc-final"'),
  approver: Approver,
  filingReference: z.string().min(1).max(200).optional().describe("the regulator's receipt or reference number"),
  note: z.string().max(2000).optional(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

export const CloseRequest = z.strictObject({
  by: Approver,
  reason: z.string().min(1).max(2000),
});
export type CloseRequest = z.infer<typeof CloseRequest>;

const OBLIGATION_IDS = new Set(RULE_PACKS.flatMap((pack) => pack.rules.map((rule) => `${pack.regime}/${rule.id}`)));
const INTERNAL_TARGET_IDS = new Set(RULE_PACKS.flatMap((pack) => pack.rules.filter((r) => r.internalTarget).map((r) => `${pack.regime}/${r.id}`)));

/**
 * A deployment's response policy, given to each breach at its start: escalation ladders by obligation id or kind,
 * and its own internal targets for obligations the law leaves open ("without undue delay").
 */
export const ResponsePolicy = z.strictObject({
  fourEyes: z
    .array(Recipient)
    .default(['regulator'])
    .describe('recipients whose obligations need two different approvers before they count as filed'),
  ladders: LadderOverrides.default({}).superRefine((ladders, ctx) => {
    for (const key of Object.keys(ladders)) {
      if (!ObligationKind.safeParse(key).success && !OBLIGATION_IDS.has(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `not an obligation kind (${ObligationKind.options.join(', ')}) nor a known obligation id like "JP-APPI/ppc-final"` });
      }
    }
  }),
  internalTargets: z
    .record(z.string(), Duration)
    .default({})
    .superRefine((targets, ctx) => {
      for (const key of Object.keys(targets)) {
        if (!INTERNAL_TARGET_IDS.has(key)) ctx.addIssue({ code: 'custom', path: [key], message: `not an obligation with an internal target (${[...INTERNAL_TARGET_IDS].join(', ')})` });
      }
    }),
});
export type ResponsePolicy = z.output<typeof ResponsePolicy>;

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
    | 'facts-updated'
    | 'obligation-opened'
    | 'deadline-moved'
    | 'obligation-withdrawn'
    | 'obligation-reopened'
    | 'escalation-sent'
    | 'approval-recorded'
    | 'closed';
  obligationId?: string;
  actor?: string;
  detail: string;
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
  escalations: { step: string; at: string; audience: EscalationAudience; overdue: boolean }[];
  /** The next step of the escalation ladder while the obligation is open. */
  nextEscalation?: { step: string; at: string; audience: EscalationAudience };
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
  approvals: (Omit<ApprovalRecord, 'at'> & { at: string })[];
  timeline: (Omit<TimelineEntry, 'at'> & { at: string })[];
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

export const updateFacts = defineUpdate<FactsUpdateResult, [FactsUpdate]>('updateFacts');
export const approve = defineUpdate<ApprovalRecord, [ApprovalRequest]>('approve');
export const closeBreach = defineUpdate<BreachClosure, [CloseRequest]>('close');
export const statusQuery = defineQuery<BreachStatus>('status');

/** Custom search attributes, registered on the dev server and kept current by the workflow. */
export const searchAttributes = {
  phase: defineSearchAttributeKey('BreachPhase', SearchAttributeType.KEYWORD),
  regimes: defineSearchAttributeKey('BreachRegimes', SearchAttributeType.KEYWORD_LIST),
  nextDeadlineAt: defineSearchAttributeKey('BreachNextDeadlineAt', SearchAttributeType.DATETIME),
  /** Set once at start from the detection's severity. */
  severity: defineSearchAttributeKey('BreachSeverity', SearchAttributeType.KEYWORD),
};

export type { FieldError };
