// Mail through SMTP (nodemailer), exactly once per idempotency key as far as SMTP allows: the ledger in the
// store is consulted before sending and settled after; every message carries a Message-ID derived from its
// key, so the rare resend after a crash between the server's acceptance and the ledger's update is the same
// message to the receiving side, not a new one.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { inZone } from '../workflows/domain/calendar';
import { type EscalationLinks, LINK_SNOOZE_MINUTES, LINK_TTL_HOURS } from './links';
import { channelDeliveries, countMail, timedStore } from './metrics';
import type { Store } from './store';
import type { Audience, EscalationNotice, EscalationSummaryNotice, Notice, SendMailInput, SendMailResult, WaveOutageNotice } from './types';

/** How the SMTP server's certificate is checked: the worker's BREACHLINE_SMTP_* TLS settings. */
export interface SmtpTls {
  /** PEM certificates trusted for the server's certificate (BREACHLINE_SMTP_CA_FILE). */
  ca?: string;
  /** Refuse to send unless the session is encrypted (BREACHLINE_SMTP_REQUIRE_TLS=true). */
  requireTLS?: boolean;
  /** Accept a certificate nobody vouches for (BREACHLINE_SMTP_TLS_SELF_SIGNED=allow). */
  allowSelfSigned?: boolean;
}

export interface MailConfig {
  /** smtp://user:pass@host:587 (STARTTLS when offered), smtps://host:465 (TLS); nodemailer URL options apply. */
  smtpUrl: string;
  tls?: SmtpTls;
  from: string;
  responders: string[];
  /** Each escalation audience's addresses; the responders when not set. */
  owner?: string[];
  dpo?: string[];
  executive?: string[];
  /** Where people can read the breach's status, for links in mails. */
  statusBaseUrl?: string;
  /** Signs the acknowledge and snooze links of escalation mails (with statusBaseUrl); no links without. */
  links?: EscalationLinks;
}

/** The acknowledge and snooze links of one escalation mail. */
export interface AnswerLinks {
  acknowledge: string;
  snooze: string;
  expiresAt: number;
}

export interface RenderedMail {
  subject: string;
  text: string;
}

const AUDIENCE_NAMES: Record<Audience, string> = { responders: 'the responders', owner: 'the breach owner', dpo: 'the DPO', executive: 'the executive' };

function renderEscalation(notice: EscalationNotice, statusBaseUrl?: string, audience: Audience = 'responders', links?: AnswerLinks): RenderedMail {
  const due = inZone(notice.dueAt, notice.zone);
  const headline = notice.overdue ? `OVERDUE (${notice.step})` : `Due soon (${notice.step})`;
  const lines = [
    notice.overdue
      ? `The deadline for "${notice.title}" has passed and no approval has been recorded.`
      : `The deadline for "${notice.title}" is approaching and no approval has been recorded yet.`,
    '',
    `Breach:      ${notice.breachId}`,
    `Obligation:  ${notice.obligationId}`,
    `Due:         ${due} (${notice.zone})${notice.guidance ? " — the regulator's guidance, not a statutory limit" : ''}`,
    `Legal basis: ${notice.citation}`,
    `Sent to:     ${AUDIENCE_NAMES[audience]}, step ${notice.step} of the escalation ladder`,
    '',
    'Record the submission in Breachline when it is done; the escalations stop then.',
  ];
  if (links) {
    lines.push(
      '',
      `Seen it? Each link works once, until ${new Date(links.expiresAt).toISOString()}; neither meets the obligation:`,
      `Acknowledge (the ladder stops climbing; the deadline's own reminders remain): ${links.acknowledge}`,
      `Snooze ${LINK_SNOOZE_MINUTES / 60} hours (never past the deadline): ${links.snooze}`,
    );
  }
  if (statusBaseUrl) lines.push(`Status: ${statusBaseUrl.replace(/\/$/, '')}/breaches/${encodeURIComponent(notice.breachId)}`);
  return { subject: `[Breachline] ${headline}: ${notice.title} — ${notice.breachId}`, text: `${lines.join('\n')}\n` };
}

function renderSummary(notice: EscalationSummaryNotice, statusBaseUrl?: string, audience: Audience = 'responders'): RenderedMail {
  const overdue = notice.items.filter((i) => i.overdue).length;
  const headline = overdue ? `OVERDUE: ${overdue} of ${notice.items.length}` : `Due soon: ${notice.items.length}`;
  const titles =
    notice.items
      .slice(0, 3)
      .map((i) => i.title)
      .join('; ') + (notice.items.length > 3 ? `; and ${notice.items.length - 3} more` : '');
  const lines = [
    `${notice.items.length} deadlines of this breach need you at once; no approval or record has been made for them yet.`,
    '',
    `Breach:   ${notice.breachId}`,
    `Sent to:  ${AUDIENCE_NAMES[audience]}`,
    '',
    ...notice.items.flatMap((i) => [
      `${i.overdue ? 'OVERDUE' : 'Due soon'} (${i.step}): ${i.title}`,
      `  ${i.obligationId}, due ${inZone(i.dueAt, i.zone)} (${i.zone})${i.guidance ? " — the regulator's guidance, not a statutory limit" : ''}`,
      `  ${i.citation}`,
    ]),
    '',
    'Record each in Breachline when it is done; its escalations stop then.',
  ];
  if (statusBaseUrl) lines.push(`Status: ${statusBaseUrl.replace(/\/$/, '')}/breaches/${encodeURIComponent(notice.breachId)}`);
  return { subject: `[Breachline] ${headline}: ${titles} — ${notice.breachId}`, text: `${lines.join('\n')}\n` };
}

function renderWaveOutage(notice: WaveOutageNotice, statusBaseUrl?: string): RenderedMail {
  const lines = [
    `The mail server stopped answering while wave ${notice.wave} of ${notice.campaignId} was being sent.`,
    'The wave is paused: nobody is counted as unreachable for it, and sending resumes by itself once the server answers again.',
    '',
    `Breach:   ${notice.breachId}`,
    `Campaign: ${notice.campaignId}, wave ${notice.wave}`,
    `Since:    ${new Date(notice.since).toISOString()}`,
    `Cause:    ${notice.reason}`,
    `Waiting:  ${notice.waiting} people of the wave`,
    '',
    'Check the SMTP server the worker sends through (BREACHLINE_SMTP_URL).',
  ];
  if (statusBaseUrl) lines.push(`Status: ${statusBaseUrl.replace(/\/$/, '')}/breaches/${encodeURIComponent(notice.breachId)}`);
  return { subject: `[Breachline] Mail server down: wave ${notice.wave} paused — ${notice.breachId}`, text: `${lines.join('\n')}\n` };
}

export function render(notice: Notice, statusBaseUrl?: string, audience?: Audience, links?: AnswerLinks): RenderedMail {
  switch (notice.template) {
    case 'escalation':
      return renderEscalation(notice, statusBaseUrl, audience, links);
    case 'wave-outage':
      return renderWaveOutage(notice, statusBaseUrl);
    case 'escalation-summary':
      return renderSummary(notice, statusBaseUrl, audience);
  }
}

/** A deterministic Message-ID for an idempotency key. */
export function messageIdFor(key: string, from: string): string {
  const domain = from.match(/@([^>\s]+)/)?.[1] ?? 'breachline.invalid';
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
}

export interface SmtpError extends Error {
  responseCode?: number;
  response?: string;
  code?: string;
  /** The system error nodemailer wrapped, e.g. ECONNREFUSED or DEPTH_ZERO_SELF_SIGNED_CERT. */
  originalCode?: string;
  /** The SMTP command that failed: CONN, EHLO, STARTTLS, AUTH …, MAIL FROM, RCPT TO, DATA, API. */
  command?: string;
}

/**
 * A failed SMTP send, told apart by what it means. `server`: the server (or the way to it) is out, so nothing
 * can be sent now and no recipient is to blame; `recipient`: this one message was refused or deferred.
 */
export interface MailFailure {
  type: 'MailTransport' | 'MailTls' | 'MailAuth' | 'MailRefused';
  scope: 'server' | 'recipient';
  retryable: boolean;
  /** One line naming the cause, without addresses: it may enter workflow history. */
  reason: string;
}

const TLS_FIX = 'set BREACHLINE_SMTP_CA_FILE or, knowingly, BREACHLINE_SMTP_TLS_SELF_SIGNED=allow';
const CERTIFICATE_PROBLEM = /certificate|self[- ]signed|unable to (get|verify)|CERT_|ALTNAME/i;

/** Addresses in a server's answer are replaced: a reason goes into workflow history, personal data never does. */
function withoutAddresses(text: string): string {
  return text.replace(/<?[^\s<>@]+@[^\s<>@]+>?/g, '<address>');
}

function oneLine(error: SmtpError): string {
  const line = (error.message || String(error)).split('\n')[0]!.trim();
  return withoutAddresses(line.length > 300 ? `${line.slice(0, 297)}...` : line);
}

/** What a nodemailer failure means for the mail and for the server (RFC 5321 §4.2.1: 4yz transient, 5yz permanent). */
export function classifySmtpFailure(error: unknown): MailFailure {
  const smtp = (error instanceof Error ? error : new Error(String(error))) as SmtpError;
  const line = oneLine(smtp);
  const code = smtp.responseCode;
  if (smtp.code === 'EAUTH' || smtp.code === 'ENOAUTH') {
    return {
      type: 'MailAuth',
      scope: 'server',
      retryable: false,
      reason: `the SMTP server refused the login (${line}): check the user and password in BREACHLINE_SMTP_URL`,
    };
  }
  if ((smtp.code === 'ETLS' || smtp.code === 'ESOCKET') && (CERTIFICATE_PROBLEM.test(smtp.message) || CERTIFICATE_PROBLEM.test(smtp.originalCode ?? ''))) {
    return { type: 'MailTls', scope: 'server', retryable: false, reason: `the SMTP server's certificate is not trusted (${line}): ${TLS_FIX}` };
  }
  if (smtp.code === 'EREQUIRETLS' || (smtp.code === 'ETLS' && smtp.command === 'STARTTLS' && code !== undefined && code >= 500)) {
    return {
      type: 'MailTls',
      scope: 'server',
      retryable: false,
      reason: `the SMTP server does not offer STARTTLS, and BREACHLINE_SMTP_REQUIRE_TLS=true refuses to send without it (${line})`,
    };
  }
  // 421: the server is closing the session (RFC 5321 §3.8), whatever the command it answered.
  // A message over the server's SIZE limit is refused before MAIL FROM is sent: this message's fate, not the server's.
  const perMessage = (smtp.code === 'EENVELOPE' || smtp.code === 'EMESSAGE') && code !== 421 && (smtp.command !== 'MAIL FROM' || code === undefined);
  if (perMessage && (code === undefined || code >= 500))
    return { type: 'MailRefused', scope: 'recipient', retryable: false, reason: `refused by the SMTP server: ${line}` };
  if (perMessage) return { type: 'MailTransport', scope: 'recipient', retryable: true, reason: `deferred by the SMTP server: ${line}` };
  if (smtp.command === 'MAIL FROM' && code !== undefined && code >= 500) {
    return { type: 'MailRefused', scope: 'server', retryable: false, reason: `the SMTP server refuses the sender (${line}): check BREACHLINE_MAIL_FROM` };
  }
  const cause = smtp.code === 'ETIMEDOUT' ? 'timed out' : code !== undefined ? 'is unavailable' : 'cannot be reached';
  return { type: 'MailTransport', scope: 'server', retryable: true, reason: `the SMTP server ${cause}: ${line}` };
}

/** A 5xx refusal of the envelope or the message: permanent for this mail (RFC 5321 §4.2.1); all else is retried. */
export function isPermanentRefusal(error: SmtpError): boolean {
  const failure = classifySmtpFailure(error);
  return failure.type === 'MailRefused' && failure.scope === 'recipient';
}

let warnedSelfSigned = false;

/** nodemailer's options for the configured server and TLS settings; both transports (Mailer, CampaignSender) use them. */
export function smtpOptions(smtpUrl: string, tls: SmtpTls = {}): SMTPTransport.Options & { url: string } {
  if (tls.allowSelfSigned && !warnedSelfSigned) {
    warnedSelfSigned = true;
    console.warn(
      "BREACHLINE_SMTP_TLS_SELF_SIGNED=allow: the SMTP server's certificate is not checked, so mail (and the SMTP password) can be read by anyone between here and the server",
    );
  }
  return {
    url: smtpUrl,
    ...(tls.requireTLS ? { requireTLS: true } : {}),
    ...(tls.ca || tls.allowSelfSigned ? { tls: { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.allowSelfSigned ? { rejectUnauthorized: false } : {}) } } : {}),
  };
}

export class Mailer {
  readonly transport: Transporter;

  constructor(
    readonly config: MailConfig,
    private readonly store: Store,
  ) {
    this.transport = nodemailer.createTransport(smtpOptions(config.smtpUrl, config.tls));
  }

  private addresses(audience: Audience): string[] {
    return this.config[audience] ?? this.config.responders;
  }

  /** Signed links to acknowledge or snooze an escalation, for whom the mail goes to; none for the store's alerts. */
  private answerLinks(notice: Notice, to: string[], now: number): AnswerLinks | undefined {
    const { links, statusBaseUrl } = this.config;
    if (!links || !statusBaseUrl || notice.template !== 'escalation' || notice.step === 'store-failed') return undefined;
    const expiresAt = now + LINK_TTL_HOURS * 3_600_000;
    const claim = { breachId: notice.breachId, escalationId: notice.obligationId, recipient: to.join(', ').slice(0, 128), expiresAt };
    const url = (token: string) => `${statusBaseUrl.replace(/\/$/, '')}/escalations/answer?link=${token}`;
    return {
      acknowledge: url(links.sign({ ...claim, action: 'acknowledge' })),
      snooze: url(links.sign({ ...claim, action: 'snooze', snoozeMinutes: LINK_SNOOZE_MINUTES })),
      expiresAt,
    };
  }

  // Idempotent: a key already sent returns the first send's Message-ID without sending.
  /** `now`: the workflow's time the mail was asked at (the activity's schedule time), which links expire from. */
  async send(input: SendMailInput, now: number = Date.now()): Promise<SendMailResult> {
    const to = this.addresses(input.audience);
    if (to.length === 0)
      throw ApplicationFailure.nonRetryable(`no address is configured for ${input.audience} (set BREACHLINE_${input.audience.toUpperCase()})`, 'MailConfig');
    const messageId = messageIdFor(input.idempotencyKey, this.config.from);
    const previous = await timedStore('mail-claim', () => this.store.mail.claim(input.idempotencyKey, input.notice.breachId, messageId));
    if (previous?.status === 'sent') return { messageId: previous.message_id, status: 'already-sent', accepted: to.length };
    if (previous?.status === 'failed') {
      throw ApplicationFailure.nonRetryable(`mail ${input.idempotencyKey} was refused for good earlier: ${previous.smtp_response}`, 'MailRefused');
    }
    const mail = render(input.notice, this.config.statusBaseUrl, input.audience, this.answerLinks(input.notice, to, now));
    try {
      const info = await this.transport.sendMail({ from: this.config.from, to, subject: mail.subject, text: mail.text, messageId });
      countMail(input.notice.template);
      channelDeliveries.inc({ channel: 'mail', outcome: 'delivered' });
      await timedStore('mail-settle', () => this.store.mail.settle(input.idempotencyKey, 'sent', info.response ?? ''));
      return { messageId, status: 'sent', accepted: info.accepted?.length ?? 0 };
    } catch (error) {
      const failure = classifySmtpFailure(error);
      countMail(input.notice.template, failure.type);
      channelDeliveries.inc({ channel: 'mail', outcome: failure.retryable ? 'failed' : 'refused' });
      // A refusal is this mail's fate for good; any other failure is noted on its row, which stays claimable.
      if (failure.type === 'MailRefused') await this.store.mail.settle(input.idempotencyKey, 'failed', failure.reason);
      else await this.store.mail.noteFailure(input.idempotencyKey, failure.reason);
      const message = `mail ${input.idempotencyKey}: ${failure.reason}`;
      throw failure.retryable ? ApplicationFailure.retryable(message, failure.type) : ApplicationFailure.nonRetryable(message, failure.type);
    }
  }

  close(): void {
    this.transport.close();
  }
}
