// Mail through SMTP (nodemailer), exactly once per idempotency key as far as SMTP allows: the ledger in the
// store is consulted before sending and settled after; every message carries a Message-ID derived from its
// key, so the rare resend after a crash between the server's acceptance and the ledger's update is the same
// message to the receiving side, not a new one.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import nodemailer, { type Transporter } from 'nodemailer';
import { inZone } from '../workflows/domain/calendar';
import type { Store } from './store';
import type { Audience, EscalationNotice, Notice, SendMailInput, SendMailResult } from './types';

export interface MailConfig {
  /** smtp://user:pass@host:587 (STARTTLS when offered), smtps://host:465 (TLS); nodemailer URL options apply. */
  smtpUrl: string;
  from: string;
  responders: string[];
  /** Each escalation audience's addresses; the responders when not set. */
  owner?: string[];
  dpo?: string[];
  executive?: string[];
  /** Where people can read the breach's status, for links in mails. */
  statusBaseUrl?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
}

const AUDIENCE_NAMES: Record<Audience, string> = { responders: 'the responders', owner: 'the breach owner', dpo: 'the DPO', executive: 'the executive' };

function renderEscalation(notice: EscalationNotice, statusBaseUrl?: string, audience: Audience = 'responders'): RenderedMail {
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
  if (statusBaseUrl) lines.push(`Status: ${statusBaseUrl.replace(/\/$/, '')}/breaches/${encodeURIComponent(notice.breachId)}`);
  return { subject: `[Breachline] ${headline}: ${notice.title} — ${notice.breachId}`, text: `${lines.join('\n')}\n` };
}

export function render(notice: Notice, statusBaseUrl?: string, audience?: Audience): RenderedMail {
  switch (notice.template) {
    case 'escalation':
      return renderEscalation(notice, statusBaseUrl, audience);
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
}

/** A 5xx refusal of the envelope or the message: permanent for this mail (RFC 5321 §4.2.1); all else is retried. */
export function isPermanentRefusal(error: SmtpError): boolean {
  return (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') && error.responseCode !== undefined && error.responseCode >= 500;
}

export class Mailer {
  readonly transport: Transporter;

  constructor(
    readonly config: MailConfig,
    private readonly store: Store,
  ) {
    this.transport = nodemailer.createTransport(config.smtpUrl);
  }

  private addresses(audience: Audience): string[] {
    return this.config[audience] ?? this.config.responders;
  }

  // Idempotent: a key already sent returns the first send's Message-ID without sending.
  async send(input: SendMailInput): Promise<SendMailResult> {
    const to = this.addresses(input.audience);
    if (to.length === 0) throw ApplicationFailure.nonRetryable(`no address is configured for ${input.audience} (set BREACHLINE_${input.audience.toUpperCase()})`, 'MailConfig');
    const messageId = messageIdFor(input.idempotencyKey, this.config.from);
    const previous = await this.store.claimMail(input.idempotencyKey, input.notice.breachId, messageId);
    if (previous?.status === 'sent') return { messageId: previous.message_id, status: 'already-sent', accepted: to.length };
    if (previous?.status === 'failed') {
      throw ApplicationFailure.nonRetryable(`mail ${input.idempotencyKey} was refused for good earlier: ${previous.smtp_response}`, 'MailRefused');
    }
    const mail = render(input.notice, this.config.statusBaseUrl, input.audience);
    try {
      const info = await this.transport.sendMail({ from: this.config.from, to, subject: mail.subject, text: mail.text, messageId });
      await this.store.settleMail(input.idempotencyKey, 'sent', info.response ?? '');
      return { messageId, status: 'sent', accepted: info.accepted?.length ?? 0 };
    } catch (error) {
      const smtp = error as SmtpError;
      // A 5xx refusal of the envelope or the message is permanent for this mail (RFC 5321 §4.2.1). Anything else
      // is retried: 4xx, a lost connection, and also a refused login (EAUTH), which is the worker's configuration
      // to fix, not a reason to give up on the mail.
      if (isPermanentRefusal(smtp)) {
        await this.store.settleMail(input.idempotencyKey, 'failed', smtp.response ?? smtp.message);
        throw ApplicationFailure.nonRetryable(`SMTP refused mail ${input.idempotencyKey}: ${smtp.response ?? smtp.message}`, 'MailRefused');
      }
      throw error;
    }
  }

  close(): void {
    this.transport.close();
  }
}
