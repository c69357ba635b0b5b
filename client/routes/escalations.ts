// Answering escalations over HTTP: an operator acknowledges or snoozes one with a token (the API, the dashboard), and
// whoever an escalation mail went to can do the same through the signed single-use link in it, without a token. A
// link's GET shows what it will do and asks to confirm; only the POST acts, so a mail scanner following links does not.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type EscalationLinks, LinkRefused, linkDigest } from '../../activities/links';
import type { Store } from '../../activities/store';
import { EscalationAction } from '../../workflows/domain/escalation';
import { Line } from '../../workflows/domain/text';
import { HttpError } from '../api';
import type { Permission, Principal } from '../auth';
import { type Breaches, UpdateRejected } from '../breaches';
import { parseDedupKey } from '../../workflows/domain/channels';

/** The API's route declaration (client/api.ts): schemas, role, and a handler that runs as the authenticated principal. */
export type Route = <P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(definition: {
  method: 'GET' | 'POST';
  url: string;
  summary: string;
  permission: Permission;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, string>;
  handle(input: {
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
    principal: Principal;
    request: FastifyRequest;
    reply: FastifyReply;
  }): Promise<unknown>;
}) => void;

export interface EscalationRouteDeps {
  route: Route;
  breaches: Breaches;
  /** Where used links are recorded; links are refused without it. */
  store?: Store;
  /** Verifies the links in escalation mails (BREACHLINE_LINK_KEY); no link routes without. */
  links?: EscalationLinks;
  /** The secret of the PagerDuty webhook subscription (BREACHLINE_PAGERDUTY_WEBHOOK_SECRET); no inbound route without. */
  pagerDutySecret?: string;
}

/** The part of a PagerDuty V3 webhook this reads: an incident's acknowledgement, with its incident (dedup) key and who acted. */
const PagerDutyWebhook = z.object({
  event: z.object({
    event_type: z.string(),
    agent: z.object({ summary: z.string().optional(), id: z.string().optional() }).nullish(),
    data: z.object({ incident_key: z.string().nullish() }).passthrough(),
  }),
});

/** PagerDuty signs the raw body: `X-PagerDuty-Signature: v1=<hex HMAC-SHA256>`, several during a secret's rotation. */
export function pagerDutySignatureValid(secret: string, body: Buffer, header: string | undefined): boolean {
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(body).digest('hex')}`);
  return (header ?? '')
    .split(',')
    .map((s) => Buffer.from(s.trim()))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
}

const AnswerBody = z.strictObject({
  escalationId: Line(160).describe('the escalation: its obligation\'s id ("JP-APPI/ppc-final"), or "task/<task id>"'),
  snoozeMinutes: z
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 60)
    .optional()
    .describe('for a snooze: how long; capped by the policy and by the deadline'),
  via: z.enum(['api', 'dashboard']).default('api'),
});
const LinkQuery = z.strictObject({ link: z.string().min(10).max(2000).describe('the token of the link in the mail') });

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`;

export function escalationRoutes({ route, breaches, store, links, pagerDutySecret }: EscalationRouteDeps) {
  return (app: FastifyInstance): void => {
    if (pagerDutySecret) pagerDutyRoute(app, breaches, pagerDutySecret);
    route({
      method: 'POST',
      url: '/breaches/:id/escalations/:action',
      summary:
        "Acknowledge an escalation (its ladder stops climbing; the deadline's own reminders remain) or snooze it ({snoozeMinutes}, capped by the policy's maxSnoozeMinutes and by the deadline), as the token's holder. Neither meets the obligation.",
      permission: 'operate',
      params: z.strictObject({ id: Line(300), action: EscalationAction }),
      body: AnswerBody,
      responses: { 200: 'the answer in force and the next step', 404: 'no such breach', 409: 'the breach is closed', 422: 'refused, with the reason' },
      handle: async ({ params, body, principal }) =>
        breaches.answerEscalation(params.id, {
          escalationId: body.escalationId,
          action: params.action,
          ...(body.snoozeMinutes !== undefined ? { snoozeMinutes: body.snoozeMinutes } : {}),
          by: { id: principal.name },
          via: body.via,
        }),
    });
    if (!links) return;

    const verified = async (token: string) => {
      try {
        return links.verify(token, await breaches.currentTime());
      } catch (error) {
        if (!(error instanceof LinkRefused)) throw new HttpError(403, 'BL_LINK_INVALID', 'the link is damaged: copy the whole link from the mail');
        throw error.reason === 'expired' ? new HttpError(410, 'BL_LINK_EXPIRED', error.message) : new HttpError(403, 'BL_LINK_INVALID', error.message);
      }
    };
    const what = (claim: { action: string; escalationId: string; breachId: string; snoozeMinutes?: number }) =>
      `${claim.action === 'acknowledge' ? 'Acknowledge' : `Snooze for ${claim.snoozeMinutes} minutes`} the escalation of ${claim.escalationId} (breach ${claim.breachId})`;

    // No token: the link is the credential. Its own encapsulated context, so a browser's form post is read here only.
    void app.register((links, _options, registered) => {
      links.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, _body, done) => done(null, {}));
      links.get('/escalations/answer', { schema: { querystring: LinkQuery, hide: true } }, async (request, reply) => {
        const { link } = request.query as z.output<typeof LinkQuery>;
        const claim = await verified(link);
        const form = `<p>${escape(what(claim))}, as ${escape(claim.recipient)}. It does not meet the obligation.</p>
<form method="post" action="/escalations/answer?link=${encodeURIComponent(link)}"><button type="submit">Confirm</button></form>`;
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page('Answer an escalation', form));
      });
      links.post('/escalations/answer', { schema: { querystring: LinkQuery, hide: true } }, async (request, reply) => {
        const { link } = request.query as z.output<typeof LinkQuery>;
        const claim = await verified(link);
        if (!store) throw new HttpError(503, 'BL_NO_STORE', 'this API process has no store configured to record used links');
        const digest = linkDigest(link);
        if (!(await store.links.use(digest, claim.breachId, claim.escalationId, claim.action, claim.recipient)))
          throw new HttpError(409, 'BL_LINK_USED', 'this link has been used already: each link in a mail acts once');
        let result;
        try {
          result = await breaches.answerEscalation(claim.breachId, {
            escalationId: claim.escalationId,
            action: claim.action,
            ...(claim.snoozeMinutes !== undefined ? { snoozeMinutes: claim.snoozeMinutes } : {}),
            by: { id: claim.recipient },
            via: 'link',
          });
        } catch (error) {
          await store.links.release(digest); // refused (met meanwhile, say): nothing was done, the link is not spent
          throw error;
        }
        const done = result.action === 'acknowledge' ? 'Acknowledged' : `Snoozed until ${result.until}`;
        const next = result.nextEscalation ? ` The next escalation, ${result.nextEscalation.step}, is due ${result.nextEscalation.at}.` : '';
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(page(done, `<p>${escape(what(claim))}: done, recorded as ${escape(claim.recipient)}.${escape(next)} The obligation is still open.</p>`));
      });
      registered();
    });
  };
}

/**
 * PagerDuty's webhook (a V3 subscription on the service): an incident acknowledged there, whose incident key is one
 * of Breachline's dedup keys, acknowledges that escalation here, recorded as the PagerDuty user. The signature is
 * checked over the raw body before anything is read; other events are taken and ignored.
 */
function pagerDutyRoute(app: FastifyInstance, breaches: Breaches, secret: string): void {
  void app.register((pd, _options, registered) => {
    pd.removeContentTypeParser('application/json');
    pd.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    pd.post('/integrations/pagerduty', { schema: { hide: true } }, async (request, reply) => {
      const raw = request.body as Buffer;
      const signature = request.headers['x-pagerduty-signature'];
      if (!Buffer.isBuffer(raw) || !pagerDutySignatureValid(secret, raw, typeof signature === 'string' ? signature : undefined))
        throw new HttpError(401, 'BL_BAD_SIGNATURE', 'X-PagerDuty-Signature does not match the webhook secret (BREACHLINE_PAGERDUTY_WEBHOOK_SECRET)');
      let parsed;
      try {
        parsed = PagerDutyWebhook.safeParse(JSON.parse(raw.toString('utf8')));
      } catch {
        throw new HttpError(400, 'BL_MALFORMED_JSON', 'the body is not JSON');
      }
      if (!parsed.success) throw new HttpError(422, 'BL_INVALID', 'not a PagerDuty V3 webhook: event.event_type and event.data are needed');
      const { event } = parsed.data;
      const key = parseDedupKey(event.data.incident_key ?? '');
      if (event.event_type !== 'incident.acknowledged' || !key) return reply.code(202).send({ acknowledged: false, ignored: event.event_type });
      const by = `pagerduty:${event.agent?.summary ?? event.agent?.id ?? 'unknown'}`.slice(0, 128);
      try {
        const answer = await breaches.answerEscalation(key.breachId, {
          escalationId: key.escalationId,
          action: 'acknowledge',
          by: { id: by },
          via: 'pagerduty',
        });
        return { acknowledged: true, escalationId: answer.escalationId, by };
      } catch (error) {
        // Acknowledged here first, or met meanwhile: PagerDuty need not retry.
        if (error instanceof UpdateRejected) return { acknowledged: false, reason: error.message };
        throw error;
      }
    });
    registered();
  });
}
