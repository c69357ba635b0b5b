// Where escalations and wave alerts go besides mail: a generic webhook, Slack, Microsoft Teams, PagerDuty. The policy
// names channels and gives each audience an ordered list of them; the first that takes a message wins, a failing one
// falls back to the next. Secrets (HMAC keys, routing keys) stay in the worker's environment: the policy names the
// variable, so they never enter workflow history. Pure: the schema and the rules of routing.
import { z } from 'zod';
import { EscalationAudience } from './escalation';
import { buildOnce } from '../built-once';

const once = buildOnce('domain/channels');

const EnvName = once(() =>
  z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,99}$/, 'an environment variable name, e.g. BREACHLINE_WEBHOOK_SECRET')
    .describe("the worker's environment variable that holds the secret"),
);
const ChannelName = once(() => z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, e.g. "ir-slack"'));

export const Channel = once(() =>
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('webhook'), url: z.url(), secretEnv: EnvName.describe('the HMAC-SHA256 key the body is signed with') }),
    z.strictObject({ type: z.literal('slack'), url: z.url().describe('a Slack incoming-webhook URL') }),
    z.strictObject({
      type: z.literal('teams'),
      url: z.url().describe('a Microsoft Teams incoming-webhook (or workflow) URL'),
      format: z.enum(['message-card', 'adaptive-card']).default('message-card'),
    }),
    z.strictObject({
      type: z.literal('pagerduty'),
      routingKeyEnv: EnvName.describe("the PagerDuty service integration's routing key"),
      url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
    }),
  ]),
);
export type Channel = z.output<typeof Channel>;
export type ChannelType = Channel['type'];

/** Mail is always a channel, configured by the worker's SMTP settings. */
export const MAIL = 'mail';
const Route = once(() => z.array(z.union([z.literal(MAIL), ChannelName])).min(1));

export const ChannelPolicy = once(() =>
  z
    .strictObject({
      define: z.record(ChannelName, Channel).default({}).describe('the channels, by a name of your choice'),
      routes: z
        .partialRecord(z.enum([...EscalationAudience.options, 'waveAlerts']), Route)
        .default({})
        .describe('per audience (and for wave alerts): channels in order of preference; mail only when absent'),
    })
    .superRefine((policy, ctx) => {
      for (const [audience, route] of Object.entries(policy.routes)) {
        route?.forEach((name, i) => {
          if (name !== MAIL && !policy.define[name])
            ctx.addIssue({
              code: 'custom',
              path: ['routes', audience, i],
              message: `no channel "${name}" is defined (define: ${Object.keys(policy.define).join(', ') || 'none'})`,
            });
        });
      }
    }),
);
export type ChannelPolicy = z.output<typeof ChannelPolicy>;

/** The channels an audience's escalations go through, in order: mail alone unless the policy says otherwise. */
export function routeFor(policy: ChannelPolicy | undefined, audience: EscalationAudience | 'waveAlerts'): string[] {
  return policy?.routes[audience] ?? [MAIL];
}

/** PagerDuty's dedup key for an escalation: every step of one escalation lands on one incident, acknowledged and resolved together. */
export function dedupKey(breachId: string, escalationId: string): string {
  return `breachline:${breachId}:${escalationId}`;
}

/** The breach and escalation a dedup key names; undefined for a key Breachline did not make. */
export function parseDedupKey(key: string): { breachId: string; escalationId: string } | undefined {
  const match = /^breachline:(breach-[A-Za-z0-9._-]+):(.+)$/.exec(key);
  return match ? { breachId: match[1]!, escalationId: match[2]! } : undefined;
}
