// Escalations and wave alerts through channels other than mail: a generic webhook (HMAC-SHA256 signed), Slack and
// Microsoft Teams incoming webhooks in their own message formats, and PagerDuty's Events API v2 (trigger, acknowledge,
// resolve, one dedup key per escalation). Each is its own activity with its own retry policy (workflows/breach/
// escalations.ts): a receiver that is down or rate-limiting is retried; one that refuses the message (4xx) is not.
// Messages carry ids, titles and deadlines only, never a person; failures name the channel, never its URL.
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Channel } from '../workflows/domain/channels';
import { inZone } from '../workflows/domain/calendar';
import { render } from './mail';
import { channelDeliveries } from './metrics';
import type { ChannelDeliveryInput, ChannelDeliveryResult, Notice } from './types';

/** A receiver slower than this counts as down for this attempt. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface ChannelOptions {
  /** Where people can read the breach's status, for links. */
  statusBaseUrl?: string;
  /** Where secrets named by the policy are read: the worker's environment. */
  env?: Record<string, string | undefined>;
}

/** The webhook's signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe's. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

interface Summary {
  headline: string;
  text: string;
  fields: [string, string][];
  overdue: boolean;
  statusUrl?: string;
}

const AUDIENCE = { responders: 'the responders', owner: 'the breach owner', dpo: 'the DPO', executive: 'the executive' } as const;

/** What any channel shows: a headline, the mail's text, and the facts as fields. */
function summarize(notice: Notice, audience: ChannelDeliveryInput['audience'], statusBaseUrl?: string): Summary {
  const mail = render(notice, statusBaseUrl, audience);
  const statusUrl = statusBaseUrl && `${statusBaseUrl.replace(/\/$/, '')}/breaches/${encodeURIComponent(notice.breachId)}`;
  const headline = mail.subject.replace(/^\[Breachline\] /, '');
  if (notice.template === 'escalation') {
    return {
      headline,
      text: mail.text,
      overdue: notice.overdue,
      statusUrl,
      fields: [
        ['Breach', notice.breachId],
        ['Escalation', notice.obligationId],
        ['Due', `${inZone(notice.dueAt, notice.zone)} (${notice.zone})`],
        ['Legal basis', notice.citation],
        ['Step', `${notice.step}, to ${AUDIENCE[audience]}`],
      ],
    };
  }
  if (notice.template === 'escalation-summary') {
    return { headline, text: mail.text, overdue: notice.items.some((i) => i.overdue), statusUrl, fields: [['Breach', notice.breachId]] };
  }
  return {
    headline,
    text: mail.text,
    overdue: true,
    statusUrl,
    fields: [
      ['Breach', notice.breachId],
      ['Campaign', `${notice.campaignId}, wave ${notice.wave}`],
    ],
  };
}

export class ChannelSender {
  private readonly env: Record<string, string | undefined>;

  constructor(private readonly options: ChannelOptions = {}) {
    this.env = options.env ?? process.env;
  }

  // Idempotent for the receiver: the Idempotency-Key header (the same on every retry) lets it drop repeats.
  async webhook(input: ChannelDeliveryInput): Promise<ChannelDeliveryResult> {
    const definition = this.definition(input, 'webhook');
    const secret = this.secret(input, definition.secretEnv);
    const summary = summarize(input.notice, input.audience, this.options.statusBaseUrl);
    const body = JSON.stringify({
      type: input.notice.template,
      idempotencyKey: input.idempotencyKey,
      audience: input.audience,
      headline: summary.headline,
      text: summary.text,
      statusUrl: summary.statusUrl,
      notice: input.notice,
    });
    const timestamp = Math.floor(Date.now() / 1000);
    return this.post(input, definition.url, body, {
      'idempotency-key': input.idempotencyKey,
      'x-breachline-signature': webhookSignature(secret, timestamp, body),
    });
  }

  // Not idempotent on Slack's side (it has no key): a retry after a lost answer can post twice, never zero times.
  async slack(input: ChannelDeliveryInput): Promise<ChannelDeliveryResult> {
    const definition = this.definition(input, 'slack');
    const s = summarize(input.notice, input.audience, this.options.statusBaseUrl);
    const body = {
      text: s.headline, // the notification's text, and what clients without blocks show
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: s.headline.slice(0, 150) } },
        { type: 'section', fields: s.fields.map(([name, value]) => ({ type: 'mrkdwn', text: `*${name}*\n${value}` })).slice(0, 10) },
        ...(s.statusUrl ? [{ type: 'section', text: { type: 'mrkdwn', text: `<${s.statusUrl}|Open the breach in Breachline>` } }] : []),
      ],
    };
    return this.post(input, definition.url, JSON.stringify(body));
  }

  // Not idempotent on Teams' side, as Slack.
  async teams(input: ChannelDeliveryInput): Promise<ChannelDeliveryResult> {
    const definition = this.definition(input, 'teams');
    const s = summarize(input.notice, input.audience, this.options.statusBaseUrl);
    const facts = s.fields.map(([name, value]) => ({ name, value }));
    const body =
      definition.format === 'adaptive-card'
        ? {
            type: 'message',
            attachments: [
              {
                contentType: 'application/vnd.microsoft.card.adaptive',
                content: {
                  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
                  type: 'AdaptiveCard',
                  version: '1.4',
                  body: [
                    { type: 'TextBlock', text: s.headline, weight: 'Bolder', size: 'Medium', wrap: true, color: s.overdue ? 'Attention' : 'Warning' },
                    { type: 'FactSet', facts: facts.map((f) => ({ title: f.name, value: f.value })) },
                  ],
                  ...(s.statusUrl ? { actions: [{ type: 'Action.OpenUrl', title: 'Open in Breachline', url: s.statusUrl }] } : {}),
                },
              },
            ],
          }
        : {
            '@type': 'MessageCard',
            '@context': 'https://schema.org/extensions',
            summary: s.headline,
            themeColor: s.overdue ? 'D70000' : 'FFA500',
            title: s.headline,
            sections: [{ facts }],
            ...(s.statusUrl ? { potentialAction: [{ '@type': 'OpenUri', name: 'Open in Breachline', targets: [{ os: 'default', uri: s.statusUrl }] }] } : {}),
          };
    return this.post(input, definition.url, JSON.stringify(body));
  }

  // Idempotent: PagerDuty folds every event with one dedup key into one incident.
  async pagerDuty(input: ChannelDeliveryInput): Promise<ChannelDeliveryResult> {
    const definition = this.definition(input, 'pagerduty');
    const routingKey = this.secret(input, definition.routingKeyEnv);
    const action = input.event ?? 'trigger';
    const s = summarize(input.notice, input.audience, this.options.statusBaseUrl);
    const body = {
      routing_key: routingKey,
      event_action: action,
      dedup_key: input.dedupKey ?? input.idempotencyKey,
      ...(action === 'trigger'
        ? {
            payload: {
              summary: s.headline.slice(0, 1024),
              source: 'breachline',
              severity: s.overdue ? 'critical' : 'warning',
              component: input.notice.breachId,
              custom_details: Object.fromEntries(s.fields),
            },
            client: 'Breachline',
            ...(s.statusUrl ? { client_url: s.statusUrl, links: [{ href: s.statusUrl, text: 'Open the breach in Breachline' }] } : {}),
          }
        : {}),
    };
    return this.post(input, definition.url, JSON.stringify(body));
  }

  private definition<T extends Channel['type']>(input: ChannelDeliveryInput, type: T): Extract<Channel, { type: T }> {
    if (input.definition.type !== type)
      throw ApplicationFailure.nonRetryable(`channel "${input.channel}" is ${input.definition.type}, not ${type}`, 'ChannelConfig');
    return input.definition as Extract<Channel, { type: T }>;
  }

  private secret(input: ChannelDeliveryInput, name: string): string {
    const value = this.env[name];
    if (!value) {
      channelDeliveries.inc({ channel: input.definition.type, outcome: 'refused' });
      throw ApplicationFailure.nonRetryable(`${input.definition.type} channel "${input.channel}": the worker has no ${name} set`, 'ChannelConfig');
    }
    return value;
  }

  /** POSTs JSON; 2xx delivered, 408/429/5xx or no answer retried, any other answer refused for good. */
  private async post(input: ChannelDeliveryInput, url: string, body: string, headers: Record<string, string> = {}): Promise<ChannelDeliveryResult> {
    const channel = input.definition.type;
    const what = `${channel} channel "${input.channel}"`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Breachline', ...headers },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (error) {
      channelDeliveries.inc({ channel, outcome: 'failed' });
      const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw ApplicationFailure.retryable(`${what} cannot be reached (${cause})`, 'ChannelUnavailable');
    }
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) {
      channelDeliveries.inc({ channel, outcome: 'delivered' });
      return { status: response.status };
    }
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      channelDeliveries.inc({ channel, outcome: 'failed' });
      throw ApplicationFailure.retryable(`${what} answered HTTP ${response.status}`, 'ChannelUnavailable');
    }
    channelDeliveries.inc({ channel, outcome: 'refused' });
    throw ApplicationFailure.nonRetryable(`${what} refused the message: HTTP ${response.status}`, 'ChannelRefused');
  }
}
