// Sending a notification campaign: planning its waves in the store, checking its templates, and sending a wave in
// batches through nodemailer's pooled SMTP at the campaign's rate. The delivery table is the idempotency ledger
// (campaign × person): a person marked sent is never claimed again, so a retried or restarted batch never re-sends
// what was sent; a person left 'sending' by a dead worker is sent again with the same Message-ID.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/activity';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { DataCategory } from '../workflows/domain/facts';
import { returnPath } from './bounces';
import { classifySmtpFailure, type DkimConfig, messageIdFor, type SmtpTls, smtpOptions } from './mail';
import { countMail, mailsBounced, timedStore } from './metrics';
import { checkTemplates, NoticeRenderer, renderNotice, SAMPLE_PERSON, TemplateInvalid } from './notices';
import type { Locale } from './recipients';
import type { Store } from './store';
import type { BatchResult, NoticeInput, PlanCampaignInput, PlannedWave, SendBatchInput, WaveCounts } from './types';
import type { ClaimedDelivery, SettledDelivery } from './store/recipients';
import type { DomainPacing } from '../workflows/definitions';

export interface CampaignMailConfig {
  smtpUrl: string;
  from: string;
  tls?: SmtpTls;
  dkim?: DkimConfig;
  /** Each notice's return path is bounce+<token>@ this domain (VERP), where the bounce listener receives DSNs. */
  bounceDomain?: string;
  /** Connections in the SMTP pool. */
  maxConnections?: number;
  /**
   * How long one call keeps claiming batches of a wave before it returns to the campaign (default 3 s): fewer
   * round trips through the workflow, while a pause or cancel, seen between calls, still takes effect within
   * seconds (or one batch, if a batch takes longer at the campaign's rate). 0: one batch a call.
   */
  sendForMs?: number;
}

/**
 * Settles deliveries in the ledger in groups, one statement each: a group is written 10 ms after its first row, or
 * at 200 rows, and never while the last is still being written; the rows that come meanwhile go together in the
 * next. A person's row is settled within about 10 ms (plus one write) of the server's answer, so a worker that dies
 * can leave only the last few milliseconds' messages unsettled (sent again, with the same Message-ID). One
 * statement per group keeps the ledger from limiting the sending rate (one a message capped it near 1,800/s on
 * PGlite), and a store slowed down (a busy CPU) gets fewer, larger groups rather than a queue of small ones.
 */
class GroupCommit {
  private pending: SettledDelivery[] = [];
  private firstAt = 0;
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  /** The first write that failed; the rows of the others are written all the same. */
  failure?: { error: unknown };

  constructor(private readonly write: (rows: SettledDelivery[]) => Promise<void>) {}

  add(row: SettledDelivery): void {
    if (this.pending.length === 0) this.firstAt = Date.now();
    this.pending.push(row);
    if (!this.writing) this.schedule();
  }

  /** Resolves once every row added so far is written (or its write failed: see `failure`). */
  async written(): Promise<void> {
    while (this.writing || this.pending.length > 0) await this.next();
  }

  private schedule(): void {
    if (this.pending.length >= 200) void this.next();
    else if (this.pending.length > 0) this.timer ??= setTimeout(() => void this.next(), Math.max(0, this.firstAt + 10 - Date.now()));
  }

  private next(): Promise<void> {
    if (this.writing) return this.writing;
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.pending;
    this.pending = [];
    this.writing = this.write(rows)
      .catch((error: unknown) => void (this.failure ??= { error }))
      .finally(() => {
        this.writing = undefined;
        this.schedule();
      });
    return this.writing;
  }
}

type Limit = { concurrency?: number; ratePerSecond?: number };

/**
 * Per-domain caps within a batch: at most `concurrency` messages in flight to a domain, and no faster than its
 * rate (evenly spaced). A lane waiting for its domain's turn waits alone: people are interleaved by domain first.
 */
class DomainGate {
  private readonly inFlight = new Map<string, number>();
  private readonly nextAt = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();

  constructor(private readonly pacing?: DomainPacing) {}

  private limit(domain: string): Limit {
    return this.pacing?.limits[domain] ?? this.pacing?.default ?? {};
  }

  async acquire(domain: string): Promise<void> {
    const { concurrency, ratePerSecond } = this.limit(domain);
    while (concurrency !== undefined && (this.inFlight.get(domain) ?? 0) >= concurrency)
      await new Promise<void>((resolve) => (this.waiters.get(domain) ?? this.waiters.set(domain, []).get(domain)!).push(resolve));
    this.inFlight.set(domain, (this.inFlight.get(domain) ?? 0) + 1);
    if (ratePerSecond !== undefined) {
      const now = Date.now();
      const at = Math.max(now, this.nextAt.get(domain) ?? now);
      this.nextAt.set(domain, at + 1000 / ratePerSecond);
      if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
    }
  }

  release(domain: string): void {
    this.inFlight.set(domain, (this.inFlight.get(domain) ?? 1) - 1);
    this.waiters.get(domain)?.shift()?.();
  }
}

/** People in round-robin order of their domains, so that one slow or capped domain does not hold every lane. */
function interleaveByDomain(people: ClaimedDelivery[]): ClaimedDelivery[] {
  const byDomain = new Map<string, ClaimedDelivery[]>();
  for (const person of people) (byDomain.get(person.domain) ?? byDomain.set(person.domain, []).get(person.domain)!).push(person);
  if (byDomain.size <= 1) return people;
  const queues = [...byDomain.values()];
  const ordered: ClaimedDelivery[] = [];
  for (let i = 0; ordered.length < people.length; i++) for (const queue of queues) if (i < queue.length) ordered.push(queue[i]!);
  return ordered;
}

/**
 * The people one call sends, claimed from the store a batch at a time in person order (keyset: each claim starts
 * after the last person claimed, so it never takes this call's own people, still 'sending', again). The next batch is
 * claimed while the current one is being sent, once half of it is left, so that the lanes never wait on the store.
 * No batch is claimed once `stopped()` says so or after `untilMs`; the first always is.
 */
class ClaimQueue {
  private people: ClaimedDelivery[] = [];
  private index = 0;
  private after?: string;
  private exhausted = false;
  private claiming?: Promise<void>;
  private failure?: { error: unknown };

  constructor(
    private readonly claim: (after: string | undefined) => Promise<ClaimedDelivery[]>,
    private readonly batchSize: number,
    private readonly untilMs: number,
    private readonly stopped: () => boolean,
  ) {}

  /** The next person to send, or undefined when this call has no more. */
  async next(): Promise<ClaimedDelivery | undefined> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      if (this.index < this.people.length) {
        const person = this.people[this.index++]!;
        if (this.people.length - this.index < this.batchSize / 2) this.refill();
        return person;
      }
      this.refill();
      if (!this.claiming) return undefined;
      await this.claiming;
    }
  }

  private refill(): void {
    if (this.claiming || this.exhausted || this.failure || this.stopped()) return;
    if (this.after !== undefined && Date.now() >= this.untilMs) return;
    this.claiming = this.claim(this.after)
      .then(
        (rows) => {
          if (rows.length < this.batchSize) this.exhausted = true;
          if (rows.length > 0) this.after = rows.at(-1)!.person_id;
          this.people = this.people.slice(this.index).concat(rows);
          this.index = 0;
        },
        (error: unknown) => void (this.failure = { error }),
      )
      .finally(() => (this.claiming = undefined));
  }
}

/** Messages in flight per pooled connection: enough to keep each busy, few enough to stop soon in an outage. */
const LANES_PER_CONNECTION = 4;

export class CampaignSender {
  private readonly transports = new Map<number, Transporter>();

  constructor(
    private readonly store: Store,
    private readonly config: CampaignMailConfig,
  ) {}

  /** One pool per rate: nodemailer's own limiter holds the pool to `ratePerSecond`, shared by its connections. */
  private transport(ratePerSecond: number): Transporter {
    let transport = this.transports.get(ratePerSecond);
    if (!transport) {
      // Tenths of a second where the rate allows: an even flow rather than a burst at the top of each second, so
      // few messages are ever between the server's answer and the ledger.
      const rateDelta = ratePerSecond >= 10 ? 100 : ratePerSecond >= 1 ? 1000 : Math.ceil(1000 / ratePerSecond);
      const perDelta = (ratePerSecond * rateDelta) / 1000;
      const options: SMTPPool.Options & { url: string } = {
        ...smtpOptions(this.config.smtpUrl, this.config.tls, this.config.dkim),
        pool: true,
        maxConnections: this.config.maxConnections ?? 5,
        maxMessages: Number.POSITIVE_INFINITY,
        rateDelta,
        rateLimit: Math.max(1, Math.floor(perDelta)),
      };
      transport = nodemailer.createTransport(options);
      this.transports.set(ratePerSecond, transport);
    }
    return transport;
  }

  // Idempotent: the store's planDeliveries inserts each person once (ON CONFLICT DO NOTHING).
  async plan(input: PlanCampaignInput): Promise<PlannedWave[]> {
    const waves = await this.store.recipients.planDeliveries(input.campaignId, input.breachId, input.waveSize);
    const counts = await this.store.recipients.deliveryCounts(input.campaignId);
    return waves.map((w) => ({ ...w, postal: counts[w.wave]?.postal ?? 0 }));
  }

  // Idempotent: pure rendering for a synthetic sample person.
  preview(input: NoticeInput): Record<Locale, { subject: string; text: string }> {
    try {
      const rendered = checkTemplates(input.notice, input.templates);
      return { ja: { subject: rendered.ja.subject, text: rendered.ja.text }, en: { subject: rendered.en.subject, text: rendered.en.text } };
    } catch (error) {
      if (error instanceof TemplateInvalid) throw ApplicationFailure.nonRetryable(error.message, 'TemplateInvalid');
      throw error;
    }
  }

  // Idempotent enough: a test send goes to the approver alone and may be repeated on request.
  async sendTest(input: NoticeInput & { to: string; locale: Locale }): Promise<{ messageId: string }> {
    const rendered = renderNotice(input.notice, SAMPLE_PERSON[input.locale], input.templates);
    try {
      const info = await this.transport(1000).sendMail({
        from: this.config.from,
        to: input.to,
        subject: `[TEST] ${rendered.subject}`,
        text: rendered.text,
        html: rendered.html,
      });
      countMail('test-notice');
      return { messageId: info.messageId };
    } catch (error) {
      const failure = classifySmtpFailure(error);
      countMail('test-notice', failure.type);
      throw failure.retryable ? ApplicationFailure.retryable(failure.reason, failure.type) : ApplicationFailure.nonRetryable(failure.reason, failure.type);
    }
  }

  // Idempotent: only people not yet sent are claimed, and each is settled in the ledger right after the server's answer.
  async sendBatch(input: SendBatchInput): Promise<BatchResult> {
    const result: BatchResult = { claimed: 0, sent: 0, deferred: 0, bounced: 0, wave: { pending: 0, sent: 0, deferred: 0, bounced: 0, postal: 0 } };
    const transport = this.transport(input.ratePerSecond);
    // From the start: a probe of a server that swallows packets waits out nodemailer's connection timeout.
    const heartbeat = setInterval(() => Context.current().heartbeat(result), 1000);
    try {
      const down = input.probe ? await transport.verify().then(() => undefined, classifySmtpFailure) : undefined;
      if (down) result.outage = { reason: down.reason };
      else await this.sendClaimed(input, transport, result);
      result.wave = await this.waveCounts(input);
      const heldDomains = await this.heldDomains(input);
      if (heldDomains) {
        result.heldDomains = heldDomains;
        // Nobody could be tried (every one waiting is at a held domain): counted as deferred, so the wave backs off.
        if (result.claimed === 0 && heldDomains.waiting > 0) result.deferred = heldDomains.waiting;
      }
      return result;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Claims batches and sends them, counting into `result`, for `sendForMs` or until the wave has nobody left to
   * claim; stops at the first sign that the server is out.
   */
  private async sendClaimed(input: SendBatchInput, transport: Transporter, result: BatchResult): Promise<void> {
    await this.store.recipients.giveUpDeferred(input.campaignId, input.wave, input.maxAttempts);
    const ledger = new GroupCommit((rows) => timedStore('deliveries-settle', () => this.store.recipients.settleDeliveries(input.campaignId, rows)));
    const renderer = new NoticeRenderer(input.notice, input.templates);
    const settle = (row: SettledDelivery) => ledger.add(row);
    const unsent: string[] = [];
    const pacing = input.domainPacing;
    const gate = new DomainGate(pacing);
    // Domains whose servers deferred in this call: their other people are put back untried, and the domain is
    // held back for every batch until its backoff ends; domains that took a message are released.
    const held = new Map<string, Promise<number>>();
    const took = new Set<string>();
    const hold = (domain: string, response: string) => {
      if (!held.has(domain) && pacing)
        held.set(domain, this.store.recipients.holdDomain(input.campaignId, domain, response, pacing.backoffSeconds * 1000, pacing.maxBackoffSeconds * 1000));
    };
    const queue = new ClaimQueue(
      async (after) => {
        const claimed = await timedStore('deliveries-claim', () => this.store.recipients.claimDeliveries(input.campaignId, input.wave, input.batchSize, after));
        result.claimed += claimed.length;
        return pacing ? interleaveByDomain(claimed) : claimed;
      },
      input.batchSize,
      Date.now() + (this.config.sendForMs ?? 3000),
      () => result.outage !== undefined,
    );
    // A few messages per pooled connection in flight, no more: when the server goes out, the batch stops after
    // those few rather than after every claimed person has failed in turn.
    const lane = async () => {
      for (let person = await queue.next(); person; person = await queue.next()) {
        if (result.outage || held.has(person.domain)) {
          unsent.push(person.person_id);
          continue;
        }
        await gate.acquire(person.domain);
        if (held.has(person.domain)) {
          // The domain deferred while this lane waited its turn.
          gate.release(person.domain);
          unsent.push(person.person_id);
          continue;
        }
        const messageId = messageIdFor(`${input.campaignId}/${person.person_id}`, this.config.from);
        const rendered = renderer.render({ name: person.name, locale: person.locale, dataCategories: person.data_categories as DataCategory[] });
        try {
          const info = await transport.sendMail({
            from: this.config.from,
            to: person.email,
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            messageId,
            ...(this.config.bounceDomain ? { envelope: { from: returnPath(person.return_token, this.config.bounceDomain), to: person.email } } : {}),
          });
          settle({ personId: person.person_id, status: 'sent', messageId, smtpResponse: info.response ?? '' });
          result.sent++;
          took.add(person.domain);
          countMail('notice');
        } catch (error) {
          const failure = classifySmtpFailure(error);
          countMail('notice', failure.type);
          if (failure.scope === 'server') {
            result.outage ??= { reason: failure.reason };
            unsent.push(person.person_id);
            continue;
          }
          const bounced = failure.type === 'MailRefused';
          const response = (error as { response?: string }).response ?? failure.reason;
          settle({ personId: person.person_id, status: bounced ? 'bounced' : 'deferred', messageId, smtpResponse: response });
          if (bounced) {
            result.bounced++;
            mailsBounced.inc();
          } else {
            result.deferred++;
            hold(person.domain, response);
          }
        } finally {
          gate.release(person.domain);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: LANES_PER_CONNECTION * (this.config.maxConnections ?? 5) }, lane));
    } finally {
      await ledger.written();
      await this.store.recipients.releaseDeliveries(input.campaignId, unsent);
      await Promise.all(held.values());
      if (pacing)
        await this.store.recipients.releaseDomains(
          input.campaignId,
          [...took].filter((d) => !held.has(d)),
        );
    }
    // A failed settlement fails the call once the rest are written: its people, still 'sending', are sent again.
    if (ledger.failure) throw ledger.failure.error;
  }

  /** The domains held back now, as counts; those held `escalateAfterRounds` rounds in a row are stuck. */
  private async heldDomains(input: SendBatchInput): Promise<BatchResult['heldDomains']> {
    if (!input.domainPacing) return undefined;
    const held = await this.store.recipients.heldDomains(input.campaignId, input.wave);
    if (held.length === 0) return undefined;
    const stuck = held.filter((d) => d.rounds >= input.domainPacing!.escalateAfterRounds);
    return { domains: held.length, waiting: held.reduce((n, d) => n + d.waiting, 0), stuck: stuck.length };
  }

  private async waveCounts(input: SendBatchInput): Promise<WaveCounts> {
    const counts = (await this.store.recipients.deliveryCounts(input.campaignId))[input.wave] ?? {};
    const n = (status: string) => counts[status] ?? 0;
    return { pending: n('pending') + n('sending'), sent: n('sent'), deferred: n('deferred'), bounced: n('bounced'), postal: n('postal') };
  }

  async counts(campaignId: string): Promise<Record<number, Record<string, number>>> {
    return this.store.recipients.deliveryCounts(campaignId);
  }

  close(): void {
    for (const transport of this.transports.values()) transport.close();
  }
}
