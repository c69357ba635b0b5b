// Mail through SMTP (nodemailer), exactly once per idempotency key as far as SMTP allows: the ledger in the
// store is consulted before sending and settled after; every message carries a Message-ID derived from its
// key, so the rare resend after a crash between the server's acceptance and the ledger's update is the same
// message to the receiving side, not a new one.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { inZone } from '../workflows/domain/calendar';
import { type Lang, titleIn, type Translate, translator } from './i18n';
import { type EscalationLinks, LINK_SNOOZE_MINUTES, LINK_TTL_HOURS } from './links';
import { channelDeliveries, countMail, timedStore } from './metrics';
import type { Store } from './store';
import type {
  Audience,
  DomainsDeferringNotice,
  EscalationNotice,
  EscalationSummaryNotice,
  Notice,
  SendMailInput,
  SendMailResult,
  WaveOutageNotice,
} from './types';

/** How the SMTP server's certificate is checked: the worker's BREACHLINE_SMTP_* TLS settings. */
export interface SmtpTls {
  /** PEM certificates trusted for the server's certificate (BREACHLINE_SMTP_CA_FILE). */
  ca?: string;
  /** Refuse to send unless the session is encrypted (BREACHLINE_SMTP_REQUIRE_TLS=true). */
  requireTLS?: boolean;
  /** Accept a certificate nobody vouches for (BREACHLINE_SMTP_TLS_SELF_SIGNED=allow). */
  allowSelfSigned?: boolean;
}

/**
 * DKIM signing (RFC 6376) of every message Breachline sends: a notice that fails DMARC at a large mailbox provider
 * lands in spam or is refused, and a notice never read is a notice not given. The signing domain must align with the
 * From address's (DMARC, RFC 7489 s. 3.1.1); the public key is published at `<selector>._domainkey.<domain>`.
 */
export interface DkimConfig {
  domainName: string;
  keySelector: string;
  /** PEM private key (BREACHLINE_DKIM_KEY_FILE). */
  privateKey: string;
}

export interface MailConfig {
  /** smtp://user:pass@host:587 (STARTTLS when offered), smtps://host:465 (TLS); nodemailer URL options apply. */
  smtpUrl: string;
  tls?: SmtpTls;
  dkim?: DkimConfig;
  /** Asynchronous bounces: notices' return paths in this domain, and where the listener for its DSNs runs. */
  bounces?: { domain: string; port?: number; host?: string };
  from: string;
  responders: string[];
  /** Each escalation audience's addresses; the responders when not set. */
  owner?: string[];
  dpo?: string[];
  executive?: string[];
  /** Where people can read the breach's status, for links in mails. */
  statusBaseUrl?: string;
  /** The language of escalation and task mails, per audience; English when not set. */
  languages?: Partial<Record<Audience, Lang>>;
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

/** A playbook task's reminder: the workflow's task clock sends it as an escalation of `task/<id>`. */
const isTask = (notice: Pick<EscalationNotice, 'obligationId'>) => notice.obligationId.startsWith('task/');

const statusLine = (t: Translate, breachId: string, statusBaseUrl?: string) =>
  statusBaseUrl ? [t('mail.status', { url: `${statusBaseUrl.replace(/\/$/, '')}/breaches/${encodeURIComponent(breachId)}` })] : [];

/** A deadline's reminder in filing terms; a task's in task terms (a target to record, not a submission to approve). */
function renderEscalation(notice: EscalationNotice, lang: Lang, statusBaseUrl?: string, audience: Audience = 'responders', links?: AnswerLinks): RenderedMail {
  const t = translator(lang);
  const due = inZone(notice.dueAt, notice.zone);
  const values = { overdue: notice.overdue, step: notice.step, title: titleIn(lang, notice.title), breachId: notice.breachId };
  const task = isTask(notice);
  const lines = [
    t(task ? 'mail.task.lead' : 'mail.obligation.lead', values),
    '',
    t('mail.breach', values),
    ...(task
      ? [
          t('mail.task.id', {
            id: notice.obligationId,
            stage: notice.task ? t('taskStage', { stage: notice.task.stage }) : notice.citation,
            owner: notice.task ? t('owner', { owner: notice.task.owner }) : '',
          }),
          t('mail.task.due', { due, zone: notice.zone }),
        ]
      : [
          t('mail.obligation.id', { id: notice.obligationId }),
          t('mail.obligation.due', { due, zone: notice.zone, guidance: notice.guidance }),
          t('mail.obligation.basis', { citation: notice.citation }),
        ]),
    t('mail.sentTo', { audience: t('audienceLong', { audience }), step: notice.step }),
    '',
    t(task ? 'mail.task.close' : 'mail.obligation.close'),
    ...answerLines(t, links),
    ...statusLine(t, notice.breachId, statusBaseUrl),
  ];
  return { subject: t(task ? 'mail.task.subject' : 'mail.obligation.subject', values), text: `${lines.join('\n')}\n` };
}

/** The acknowledge and snooze links, when the mail has them: neither meets the obligation nor records the task. */
const answerLines = (t: Translate, links?: AnswerLinks) =>
  links
    ? [
        '',
        t('mail.answer.lead', { expires: new Date(links.expiresAt).toISOString() }),
        t('mail.answer.acknowledge', { url: links.acknowledge }),
        t('mail.answer.snooze', { hours: LINK_SNOOZE_MINUTES / 60, url: links.snooze }),
      ]
    : [];

function renderSummary(notice: EscalationSummaryNotice, lang: Lang, statusBaseUrl?: string, audience: Audience = 'responders'): RenderedMail {
  const t = translator(lang);
  const overdue = notice.items.filter((i) => i.overdue).length;
  const total = notice.items.length;
  const titles = t('mail.summary.titles', {
    titles: notice.items
      .slice(0, 3)
      .map((i) => titleIn(lang, i.title))
      .join('; '),
    more: Math.max(0, total - 3),
  });
  const lines = [
    t('mail.summary.lead', { total }),
    '',
    t('mail.summary.breach', { breachId: notice.breachId }),
    t('mail.summary.sentTo', { audience: t('audienceLong', { audience }) }),
    '',
    ...notice.items.flatMap((i) => [
      t('mail.summary.item', { overdue: i.overdue, step: i.step, title: titleIn(lang, i.title) }),
      t(isTask(i) ? 'mail.summary.taskDue' : 'mail.summary.itemDue', {
        id: i.obligationId,
        due: inZone(i.dueAt, i.zone),
        zone: i.zone,
        guidance: i.guidance,
      }),
      ...(isTask(i) ? [] : [`  ${i.citation}`]),
    ]),
    '',
    t('mail.summary.close'),
    ...statusLine(t, notice.breachId, statusBaseUrl),
  ];
  return { subject: t('mail.summary.subject', { overdue, total, titles, breachId: notice.breachId }), text: `${lines.join('\n')}\n` };
}

function renderDomainsDeferring(notice: DomainsDeferringNotice, held: HeldDomain[], t: Translate, statusBaseUrl?: string): RenderedMail {
  const lines = [
    t('mail.domains.lead', { ...notice }),
    t('mail.domains.held'),
    '',
    t('mail.outage.breach', { ...notice }),
    t('mail.outage.campaign', { ...notice }),
    t('mail.domains.waiting', { ...notice }),
    '',
    ...held.map((d) => t('mail.domains.item', { ...d, lastResponse: d.lastResponse ?? '-' })),
    '',
    t('mail.domains.advice'),
    ...statusLine(t, notice.breachId, statusBaseUrl),
  ];
  return { subject: t('mail.domains.subject', { ...notice }), text: `${lines.join('\n')}\n` };
}

function renderWaveOutage(notice: WaveOutageNotice, t: Translate, statusBaseUrl?: string): RenderedMail {
  const values = { ...notice, since: new Date(notice.since).toISOString() };
  const lines = [
    t('mail.outage.lead', values),
    t('mail.outage.paused'),
    '',
    t('mail.outage.breach', values),
    t('mail.outage.campaign', values),
    t('mail.outage.since', values),
    t('mail.outage.cause', values),
    t('mail.outage.waiting', values),
    '',
    t('mail.outage.check'),
    ...statusLine(t, notice.breachId, statusBaseUrl),
  ];
  return { subject: t('mail.outage.subject', values), text: `${lines.join('\n')}\n` };
}

/** A domain held back, as the owner's mail lists it. */
export type HeldDomain = { domain: string; rounds: number; until: string; waiting: number; lastResponse: string | null };

/** A notice as mail, in `lang` (the audience's language: BREACHLINE_MAIL_LANGUAGE or BREACHLINE_<AUDIENCE>_LANGUAGE). */
export function render(
  notice: Notice,
  statusBaseUrl?: string,
  audience?: Audience,
  lang: Lang = 'en',
  held: HeldDomain[] = [],
  links?: AnswerLinks,
): RenderedMail {
  switch (notice.template) {
    case 'escalation':
      return renderEscalation(notice, lang, statusBaseUrl, audience, links);
    case 'wave-outage':
      return renderWaveOutage(notice, translator(lang), statusBaseUrl);
    case 'escalation-summary':
      return renderSummary(notice, lang, statusBaseUrl, audience);
    case 'domains-deferring':
      return renderDomainsDeferring(notice, held, translator(lang), statusBaseUrl);
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
export function smtpOptions(smtpUrl: string, tls: SmtpTls = {}, dkim?: DkimConfig): SMTPTransport.Options & { url: string } {
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
    ...(dkim ? { dkim: { domainName: dkim.domainName, keySelector: dkim.keySelector, privateKey: dkim.privateKey } } : {}),
  };
}

export class Mailer {
  readonly transport: Transporter;

  constructor(
    readonly config: MailConfig,
    private readonly store: Store,
  ) {
    this.transport = nodemailer.createTransport(smtpOptions(config.smtpUrl, config.tls, config.dkim));
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
    // The domains' names come from the store, here, and never pass through the workflow.
    const held = input.notice.template === 'domains-deferring' ? await this.store.recipients.heldDomains(input.notice.campaignId, input.notice.wave) : [];
    const mail = render(
      input.notice,
      this.config.statusBaseUrl,
      input.audience,
      this.config.languages?.[input.audience],
      held,
      this.answerLinks(input.notice, to, now),
    );
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
