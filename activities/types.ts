// The contracts of the activities: what the workflow may ask of the outside world. Types only, so the workflow
// can import them without pulling side-effecting code into its sandbox.
import type { TimelineEntry } from '../workflows/definitions';
import type { EscalationAudience } from '../workflows/domain/escalation';
import type { BatchResult, NoticeInput, PlanCampaignInput, PlannedWave, SendBatchInput } from './campaign';
import type { Locale } from './recipients';

/** Who a mail goes to. Addresses are configuration of the worker, never workflow data. */
export type Audience = 'responders' | EscalationAudience;

export interface EscalationNotice {
  template: 'escalation';
  breachId: string;
  obligationId: string;
  title: string;
  citation: string;
  /** Epoch ms. */
  dueAt: number;
  zone: string;
  guidance: boolean;
  step: string;
  overdue: boolean;
}

/** To the breach owner: a wave is paused because the SMTP server is out. Counts and ids only, never a person. */
export interface WaveOutageNotice {
  template: 'wave-outage';
  breachId: string;
  campaignId: string;
  wave: number;
  /** Epoch ms, workflow time: when the outage was first seen. */
  since: number;
  reason: string;
  /** People of the wave not yet sent. */
  waiting: number;
}

/** Several escalations due at one moment to one audience (a breach found days late): one mail that lists them. */
export interface EscalationSummaryNotice {
  template: 'escalation-summary';
  breachId: string;
  items: Omit<EscalationNotice, 'template' | 'breachId'>[];
}

export type Notice = EscalationNotice | WaveOutageNotice | EscalationSummaryNotice;

export interface SendMailInput {
  /** One key per mail that must leave at most once; a repeat returns the first send's result. */
  idempotencyKey: string;
  audience: Audience;
  notice: Notice;
}

export interface SendMailResult {
  messageId: string;
  /** `already-sent`: an earlier attempt with the same key was accepted by the SMTP server. */
  status: 'sent' | 'already-sent';
  accepted: number;
}

/** What happened: the audit timeline's entry kinds are the outcomes' kinds. */
export type OutcomeKind = TimelineEntry['kind'];

export interface OutcomeInput {
  /** One key per outcome; recording it again changes nothing. */
  idempotencyKey: string;
  breachId: string;
  kind: OutcomeKind;
  /** Epoch ms, workflow time. */
  at: number;
  obligationId?: string;
  actor?: string;
  detail: Record<string, unknown>;
}

export interface OutcomeResult {
  recorded: 'new' | 'duplicate';
}

export interface Activities {
  sendMail(input: SendMailInput): Promise<SendMailResult>;
  recordOutcome(input: OutcomeInput): Promise<OutcomeResult>;
  planCampaign(input: PlanCampaignInput): Promise<PlannedWave[]>;
  previewCampaign(input: NoticeInput): Promise<Record<Locale, { subject: string; text: string }>>;
  sendTestNotice(input: NoticeInput & { to: string; locale: Locale }): Promise<{ messageId: string }>;
  sendWaveBatch(input: SendBatchInput): Promise<BatchResult>;
  campaignCounts(campaignId: string): Promise<Record<number, Record<string, number>>>;
}

export type { BatchResult, NoticeInput, PlanCampaignInput, PlannedWave, SendBatchInput } from './campaign';
export type { Locale } from './recipients';
