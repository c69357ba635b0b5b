// The contracts of the activities: what the workflow may ask of the outside world. Types only, so the workflow
// can import them without pulling side-effecting code into its sandbox.
import type { Channel } from '../workflows/domain/channels';
import type { EscalationAudience } from '../workflows/domain/escalation';
import type { CampaignNotice, DomainPacing, NoticeTemplate, TimelineEntry } from '../workflows/definitions';
import type { RegisterEntry } from '../workflows/domain/register';
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
  /** A playbook task's reminder (obligationId `task/<id>`): its stage and owner, for task wording in the mail. */
  task?: { stage: string; owner: string };
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

/** Recipient domains that keep deferring a wave's notices: the owner is told once per wave. */
export interface DomainsDeferringNotice {
  template: 'domains-deferring';
  breachId: string;
  campaignId: string;
  wave: number;
  /** Domains held back for `escalateAfterRounds` rounds or more, and the people of the wave waiting on them. */
  domains: number;
  waiting: number;
}

/** Several escalations due at one moment to one audience (a breach found days late): one mail that lists them. */
export interface EscalationSummaryNotice {
  template: 'escalation-summary';
  breachId: string;
  items: Omit<EscalationNotice, 'template' | 'breachId'>[];
}

export type Notice = EscalationNotice | WaveOutageNotice | EscalationSummaryNotice | DomainsDeferringNotice;

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

/** An escalation or wave alert through a channel other than mail (webhook, Slack, Teams, PagerDuty). */
export interface ChannelDeliveryInput {
  /** The channel's name in the policy, for messages. */
  channel: string;
  definition: Channel;
  /** Sent along (webhook: Idempotency-Key) so that a receiver can drop a retry's repeat. */
  idempotencyKey: string;
  audience: Audience;
  notice: Notice;
  /** PagerDuty: trigger (the default), or acknowledge or resolve the escalation's incident. */
  event?: 'trigger' | 'acknowledge' | 'resolve';
  /** PagerDuty: one incident per escalation. */
  dedupKey?: string;
}

export interface ChannelDeliveryResult {
  /** The receiver's HTTP status. */
  status: number;
}

export interface Activities {
  sendMail(input: SendMailInput): Promise<SendMailResult>;
  sendWebhook(input: ChannelDeliveryInput): Promise<ChannelDeliveryResult>;
  sendSlack(input: ChannelDeliveryInput): Promise<ChannelDeliveryResult>;
  sendTeams(input: ChannelDeliveryInput): Promise<ChannelDeliveryResult>;
  sendPagerDuty(input: ChannelDeliveryInput): Promise<ChannelDeliveryResult>;
  recordOutcome(input: OutcomeInput): Promise<OutcomeResult>;
  /** Appends a revision of the breach's register entry; the same revision again changes nothing. */
  recordRegisterEntry(entry: RegisterEntry): Promise<OutcomeResult>;
  planCampaign(input: PlanCampaignInput): Promise<PlannedWave[]>;
  previewCampaign(input: NoticeInput): Promise<Record<Locale, { subject: string; text: string }>>;
  sendTestNotice(input: NoticeInput & { to: string; locale: Locale }): Promise<{ messageId: string }>;
  sendWaveBatch(input: SendBatchInput): Promise<BatchResult>;
  campaignCounts(campaignId: string): Promise<Record<number, Record<string, number>>>;
}

export type { Locale } from './recipients';

// The campaign's contracts: what the campaign workflow asks of its activities.

export interface PlanCampaignInput {
  breachId: string;
  campaignId: string;
  waveSize: number;
}

export interface PlannedWave {
  wave: number;
  total: number;
  postal: number;
}

export interface NoticeInput {
  notice: CampaignNotice;
  templates: Partial<Record<Locale, NoticeTemplate>>;
}

export interface SendBatchInput extends NoticeInput {
  breachId: string;
  campaignId: string;
  wave: number;
  batchSize: number;
  ratePerSecond: number;
  /** A person deferred this many times is given up on: bounced, to the postal list. */
  maxAttempts: number;
  /** After an outage: ask the server whether it answers before claiming anyone. */
  probe?: boolean;
  /** Per recipient domain caps and backoff. */
  domainPacing?: DomainPacing;
}

export interface WaveCounts {
  pending: number;
  sent: number;
  deferred: number;
  bounced: number;
  postal: number;
}

export interface BatchResult {
  claimed: number;
  sent: number;
  deferred: number;
  bounced: number;
  /**
   * The SMTP server is out (refused connection, timeout, TLS or login failure, 421): the batch stopped, and the
   * people it had claimed but not sent were put back without using one of their attempts.
   */
  outage?: { reason: string };
  /** The whole wave's counts after this batch, from the ledger. */
  wave: WaveCounts;
  /** Recipient domains held back after deferring (counts only: domain names stay in the store). */
  heldDomains?: { domains: number; waiting: number; stuck: number };
}
