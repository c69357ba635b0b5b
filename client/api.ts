// The HTTP API (Fastify): detection intake for security tooling, facts and approvals for operators, status and
// lists for managers. Each route declares its body, path parameters and query as zod schemas (the same ones the
// workflow uses) through Fastify's type provider: Fastify validates every request against them before a handler
// runs (unknown fields refused), and the OpenAPI document at /openapi.json is generated from the same schemas.
// Every string of every request also passes the shared text check. A bad request gets a 4xx with a stable code
// (BL_…) naming each bad field, and nothing is started or changed. Every route but /health*, /openapi.json and
// the dashboard needs a bearer token.
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import rateLimit from '@fastify/rate-limit';
import { sharedRateLimitStore } from './rate-limit-store';
import swagger from '@fastify/swagger';
import { isGrpcServiceError } from '@temporalio/client';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifySchemaCompiler } from 'fastify';
import { createJsonSchemaTransform, serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deliveryProofCsv, deliveryProofPages, importRecipients, type ImportFormat, postalListCsv } from '../activities/recipients';
import type { EscalationLinks } from '../activities/links';
import type { Store } from '../activities/store';
import { ApprovalRequest, CampaignControl, CampaignRequest, CloseRequest, ResponsePolicy, TestNoticeRequest } from '../workflows/definitions';
import { Detection, FactsUpdate, type FieldError, fieldErrors, InvalidInput } from '../workflows/domain/facts';
import { RecordTaskRequest } from '../workflows/domain/playbook';
import { Line, unsafeTextIssues } from '../workflows/domain/text';
import { actorOf, allows, type Permission, permissionRoles, type Principal, type Tokens } from './auth';
import { BreachClosed, BreachNotFound, type Breaches, BreachStalled, ListFilter, SearchUnavailable, UpdateRejected } from './breaches';
import { registerDashboard } from './dashboard';
import {
  BrowserUnavailable,
  DocumentKind,
  DocumentOptions,
  type Rendered,
  renderBreachDocument,
  renderReport,
  ReportNotFound,
  ReportOptions,
} from './documents';
import { healthRoutes } from './health';
import { escalationRoutes } from './routes/escalations';
import { ApiMetrics, type MetricsOptions } from './metrics';
import { traceRequests } from './tracing';
import { detectionFromOcsf, isOcsf, OcsfDetectionFinding } from './ocsf';
import { registerRoutes } from './routes/register';
import { ProviderUnavailable, type Sso, TokenRefused } from './sso';

export const BODY_LIMIT_BYTES = 64 * 1024;

/** An approval as an operator sends it: who approves is the token's holder, never a field of the body. */
export const ApprovalBody = ApprovalRequest.omit({ approver: true });
export const CloseBody = CloseRequest.omit({ by: true });
export const CampaignBody = CampaignRequest.omit({ requestedBy: true });
const TaskBody = RecordTaskRequest.omit({ taskId: true, by: true });
const TestSendBody = TestNoticeRequest.pick({ locale: true, to: true }).partial();
/** A detection as Breachline's own JSON, or as an OCSF Detection Finding (class_uid 2004). */
const DetectionBody = z.union([Detection, OcsfDetectionFinding]);

const BreachId = Line(300).describe('the breach id, as POST /breaches returned it');
const Name = Line(128);
const ById = z.strictObject({ id: BreachId });
const ByCampaign = z.strictObject({ id: BreachId, campaign: Name.describe('the campaign, e.g. "campaign-1"') });
const NoQuery = z.strictObject({});
const DeliveriesQuery = z.strictObject({
  format: z.enum(['json', 'csv']).default('json'),
  wave: z.coerce.number().int().min(1).max(100_000).optional(),
  after: Line(200).optional().describe('the last person id of the previous page'),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export interface ApiOptions {
  breaches: Breaches;
  tokens: Tokens;
  /** The store, for importing affected people and exporting the postal list; those routes answer 503 without it. */
  store?: Store;
  /** In a process that also runs the worker: whether it still runs, for /health/ready. */
  workerRunning?: () => boolean;
  /** Extra routes, e.g. the dev stack's mail viewer. */
  plugins?: ((app: FastifyInstance) => void)[];
  /** Where a 500 is logged: one JSON line with its request id, never a request's content. */
  log?: (line: string) => void;
  /** Serve GET /metrics (Prometheus) with these options; no /metrics without. */
  metrics?: MetricsOptions;
  /** Sign-in with an OpenID provider: the dashboard's /auth routes, and its JWTs accepted as bearer tokens. */
  sso?: Sso;
  /** Verifies the acknowledge/snooze links of escalation mails; no link routes without. */
  links?: EscalationLinks;
  /** PagerDuty's webhook secret: acknowledging there acknowledges here (POST /integrations/pagerduty); no route without. */
  pagerDutySecret?: string;
}

/** An error the API answers with its own status and stable code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const ImportFormats: Record<string, ImportFormat> = { 'text/csv': 'csv', 'application/x-ndjson': 'jsonl', 'application/jsonl': 'jsonl' };

function needStore(store: Store | undefined): Store {
  if (!store) throw new HttpError(503, 'BL_NO_STORE', 'this API process has no store configured');
  return store;
}

/** Campaign ids are "<breach id>/campaign-<n>"; URLs name the campaign by its last part. */
const campaignIdOf = (params: { id: string; campaign: string }) => `${params.id}/${params.campaign}`;

/**
 * Validation with the route's zod schema, after the shared text check of every string in the part; errors name
 * each field as the caller wrote it (`query.limit`, `params.id`, a body's `facts.affectedCount`).
 */
const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const prefix = httpPart === 'body' || httpPart === undefined ? '' : httpPart === 'querystring' ? 'query' : httpPart;
    const unsafe = unsafeTextIssues(data, prefix);
    if (unsafe.length) return { error: new InvalidInput('request', unsafe) };
    const result = schema.safeParse(data);
    if (!result.success) return { error: new InvalidInput('request', fieldErrors(result.error, prefix)) };
    return { value: result.data };
  };

/** A rendered report or document: PDF as a download, HTML and Markdown as text, JSON as JSON. */
function send(reply: FastifyReply, rendered: Rendered) {
  if (rendered.filename) void reply.header('content-disposition', `attachment; filename="${rendered.filename}"`);
  return reply.type(rendered.contentType).send(rendered.body);
}

function documentError(error: unknown): never {
  if (error instanceof ReportNotFound) throw new HttpError(404, 'BL_NOT_FOUND', error.message);
  if (error instanceof BrowserUnavailable) throw new HttpError(503, 'BL_NO_BROWSER', error.message);
  throw error;
}

export function buildApi({
  breaches,
  tokens,
  store,
  workerRunning,
  plugins = [],
  log = (line) => console.error(line),
  metrics,
  sso,
  links,
  pagerDutySecret,
}: ApiOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    routerOptions: { maxParamLength: 300 },
    // The router's own refusals (a bad %-escape, an over-long parameter) in our shape, never echoing the path.
    frameworkErrors: (error, request, reply) => {
      const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      const body = {
        error: status === 414 ? 'a path parameter is too long' : 'the URL is malformed',
        code: status === 414 ? 'BL_URI_TOO_LONG' : 'BL_BAD_URL',
        requestId: request.id,
      };
      void (reply as FastifyReply).code(status).send(body);
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON must be UTF-8 (RFC 8259 §8.1): bytes that are not are refused, not replaced with U+FFFD, which would make
  // two different event ids one. Fastify's own parser then does the rest (prototype poisoning refused).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body as Buffer);
    } catch {
      return done(new HttpError(400, 'BL_MALFORMED_JSON', 'the body is not valid UTF-8'), undefined);
    }
    void parseJson(request, text, done);
  });
  // Imports stream straight into the store: their bodies are not buffered, so the 64 KiB limit does not apply.
  app.addContentTypeParser(Object.keys(ImportFormats), (_request, payload, done) => done(null, payload));
  app.addHook('onSend', async (request, reply) => void reply.header('x-request-id', request.id));

  const intake = (breaches.policy ?? ResponsePolicy.parse({})).intake;
  // Replicas on one PostgreSQL store share their callers' budgets; the embedded store has one process, in memory.
  void app.register(rateLimit, { global: false, ...(store?.shared ? { store: sharedRateLimitStore(store.rateLimits, log), skipOnError: true } : {}) });
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Breachline',
        version: '0.1.0',
        description: 'Personal-data breach response on Temporal. Roles: detector (start), operator (facts, approvals, close, read), manager (read).',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: "an API token (bl_…) issued with `breachline token issue`, or, with SSO configured, the identity provider's JWT access token",
          },
        },
      },
      security: [{ bearer: [] }],
    },
    // The dashboard's files and the dev stack's pages are not API.
    transform: createJsonSchemaTransform({ skipList: ['/', '/dashboard/app.js', '/dashboard/style.css', '/openapi.json'] }),
  });

  // No such route: said in our shape, without echoing the URL (a query string can hold anything).
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'no such route', code: 'BL_NOT_FOUND', requestId: request.id }));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const answer = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) =>
      reply.code(status).send({ error: message, code, requestId: request.id, ...extra });
    if (error instanceof InvalidInput) return answer(422, 'BL_INVALID', error.message, { issues: error.errors });
    if ((error as { validation?: unknown }).validation) {
      const cause = (error as { validation: unknown[] }).validation[0];
      if (cause instanceof InvalidInput) return answer(422, 'BL_INVALID', cause.message, { issues: cause.errors });
    }
    if (error instanceof HttpError) {
      reply.headers(error.headers);
      return answer(error.statusCode, error.code, error.message);
    }
    if (error instanceof UpdateRejected) return answer(422, 'BL_REFUSED', error.message);
    if (error instanceof BreachNotFound) return answer(404, 'BL_NOT_FOUND', error.message);
    if (error instanceof BreachClosed) return answer(409, 'BL_CLOSED', error.message);
    if (error instanceof BreachStalled) {
      reply.header('retry-after', '30');
      return answer(503, 'BL_BREACH_STALLED', error.message);
    }
    if (error instanceof SearchUnavailable) return answer(503, 'BL_NO_SEARCH', error.message);
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError)
      return answer(400, 'BL_MALFORMED_JSON', `malformed JSON body: ${error.message}`);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return answer(413, 'BL_TOO_LARGE', `the body is larger than ${BODY_LIMIT_BYTES} bytes`);
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return answer(415, 'BL_UNSUPPORTED_MEDIA', 'send application/json');
    if (isGrpcServiceError(error) || error.name === 'ServiceError') {
      return answer(503, 'BL_TEMPORAL_UNAVAILABLE', 'Temporal is unavailable or did not answer in time; see /health');
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return answer(error.statusCode, `BL_HTTP_${error.statusCode}`, error.message);
    // Logged once, by request id, with the error's kind and where it arose: never its message, which may quote
    // what was sent, nor the request. The caller gets the id to quote, and no stack.
    log(
      JSON.stringify({
        level: 'error',
        at: new Date().toISOString(),
        requestId: request.id,
        route: request.routeOptions.url,
        error: error.name,
        code: error.code,
        where: (error.stack ?? '')
          .split('\n')
          .slice(1, 6)
          .map((l) => l.trim()),
      }),
    );
    return answer(500, 'BL_INTERNAL', `internal error; quote request id ${request.id}`);
  });

  /** Each token has its own budget of requests, and each detecting source its own budget of detections. */
  let checkToken: ReturnType<FastifyInstance['createRateLimit']>;
  let checkSource: ReturnType<FastifyInstance['createRateLimit']>;
  app.after(() => {
    checkToken = app.createRateLimit({ max: intake.perTokenPerMinute, timeWindow: 60_000, keyGenerator: (request) => `token:${tokenKey(request)}` });
    checkSource = app.createRateLimit({
      max: intake.perSourcePerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => `source:${(request as FastifyRequest & { detectionSource?: string }).detectionSource ?? ''}`,
    });
  });
  const limit = async (check: typeof checkToken, request: FastifyRequest, what: string) => {
    const result = await check(request);
    if (!result.isAllowed && result.isExceeded) {
      throw new HttpError(429, 'BL_RATE_LIMITED', `too many requests ${what}: at most ${result.max} a minute; retry in ${result.ttlInSeconds} s`, {
        'retry-after': String(result.ttlInSeconds),
      });
    }
  };

  async function authenticate(request: FastifyRequest, permission: Permission): Promise<Principal> {
    const token = bearer(request);
    if (!token) throw new HttpError(401, 'BL_UNAUTHORIZED', 'missing bearer token: send "Authorization: Bearer <token>"');
    await limit(checkToken, request, 'with this token');
    // An API token (bl_…) for machines; anything else, with SSO configured, is the identity provider's JWT.
    const principal = sso && !token.startsWith('bl_') ? await ssoPrincipal(sso, token) : await tokens.verify(token);
    if (!principal) throw new HttpError(401, 'BL_UNAUTHORIZED', 'unknown or revoked token');
    if (!allows(principal, permission))
      throw new HttpError(
        403,
        'BL_FORBIDDEN',
        `${principal.name} (${principal.roles.join(', ')}) may not ${permission}: needs the role ${permissionRoles(permission)}`,
      );
    return principal;
  }

  const principals = new WeakMap<FastifyRequest, Principal>();

  /** Declares a route: its schemas validate and document it; its handler runs as the authenticated principal. */
  function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(definition: {
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
  }): void {
    const responses = {
      ...definition.responses,
      400: 'malformed JSON',
      401: 'missing or unknown token',
      403: 'the token lacks the role',
      429: 'rate limited: see Retry-After',
    };
    app.route({
      method: definition.method,
      url: definition.url,
      schema: {
        summary: definition.summary,
        'x-breachline-roles': definition.permission,
        ...(definition.params ? { params: definition.params } : {}),
        querystring: definition.query ?? NoQuery,
        ...(definition.body ? { body: definition.body } : {}),
        response: Object.fromEntries(Object.entries(responses).map(([code, description]) => [code, z.unknown().describe(description)])),
      } as never,
      // Who is asking comes first, before the body is read or validated: a stranger learns nothing from a 422.
      onRequest: async (request) => {
        principals.set(request, await authenticate(request, definition.permission));
      },
      handler: async (request, reply) => {
        const principal = principals.get(request)!;
        return definition.handle({ params: request.params as never, query: request.query as never, body: request.body as never, principal, request, reply });
      },
    });
  }

  app.after(() => {
    route({
      method: 'POST',
      url: '/breaches',
      summary:
        "Start the response to a detection: Breachline's own detection JSON, or an OCSF Detection Finding (class_uid 2004). Idempotent by source and event id; a detection with a correlation key joins the open breach that has it.",
      permission: 'start',
      body: DetectionBody,
      responses: { 201: 'breach started', 200: 'the breach this detection already started, or joined', 422: 'invalid detection, each bad field named' },
      async handle({ body, request, reply }) {
        const detection = isOcsf(body) ? detectionFromOcsf(body as OcsfDetectionFinding) : body;
        (request as FastifyRequest & { detectionSource?: string }).detectionSource = (detection as Detection).source;
        await limit(checkSource, request, `from the source "${(detection as Detection).source}"`);
        const result = await breaches.start(detection);
        return reply
          .code(result.created ? 201 : 200)
          .header('location', `/breaches/${encodeURIComponent(result.breachId)}`)
          .send(result);
      },
    });
    route({
      method: 'GET',
      url: '/breaches',
      summary:
        'Breaches found through Temporal visibility, soonest deadline first; e.g. ?dueWithinHours=24 for every open breach with a deadline in the next day.',
      permission: 'read',
      query: ListFilter,
      responses: { 200: 'the breaches; a row whose summary cannot be decrypted carries `error`', 503: 'the namespace has no Breachline search attributes' },
      handle: async ({ query }) => breaches.list(query),
    });
    route({
      method: 'GET',
      url: '/breaches/:id',
      summary: 'The status: phase, every obligation with its deadline and time left, approvals, escalations, the timeline.',
      permission: 'read',
      params: ById,
      responses: { 200: 'the status', 404: 'no such breach' },
      handle: async ({ params }) => breaches.status(params.id),
    });
    route({
      method: 'GET',
      url: '/breaches/:id/timeline',
      summary: 'The audit timeline.',
      permission: 'read',
      params: ById,
      responses: { 200: 'the timeline', 404: 'no such breach' },
      handle: async ({ params }) => (await breaches.status(params.id)).timeline,
    });
    route({
      method: 'POST',
      url: '/breaches/:id/facts',
      summary: "Tell the breach what has been learned, as the token's holder; its obligations and deadline clocks are recomputed.",
      permission: 'operate',
      params: ById,
      body: FactsUpdate,
      responses: {
        200: 'what changed: obligations opened, moved, withdrawn',
        404: 'no such breach',
        409: 'the breach is closed',
        422: 'invalid facts, each bad field named',
      },
      handle: async ({ params, body, principal }) => breaches.updateFacts(params.id, body, { id: principal.name }),
    });
    route({
      method: 'POST',
      url: '/breaches/:id/approvals',
      summary: "Approve an obligation as the token's holder. Regulator filings need two different approvers (four eyes).",
      permission: 'operate',
      params: ById,
      body: ApprovalBody,
      responses: { 201: 'the approval recorded', 404: 'no such breach', 409: 'the breach is closed', 422: 'invalid or refused, with the reason' },
      handle: async ({ params, body, principal, reply }) => reply.code(201).send(await breaches.approve(params.id, { ...body, approver: actorOf(principal) })),
    });
    route({
      method: 'POST',
      url: '/breaches/:id/close',
      summary: 'Close the breach; refused while any obligation is open.',
      permission: 'operate',
      params: ById,
      body: CloseBody,
      responses: { 200: 'closed', 404: 'no such breach', 422: 'refused, naming what is open' },
      handle: async ({ params, body, principal }) => breaches.close(params.id, { ...body, by: { id: principal.name } }),
    });
    route({
      method: 'POST',
      url: '/breaches/:id/recipients',
      summary:
        'Import affected people into the store, streaming: text/csv or application/x-ndjson. Row by row for validation (an invalid row is reported with its line and reason, the rest imported; duplicates by id or e-mail merged), all or nothing for the file: one that cannot be read to its end (a quote never closed) is a 422 naming the line, and a store failure keeps nothing.',
      permission: 'operate',
      params: ById,
      responses: {
        200: 'the import report: rows, imported, merged, invalid, errors',
        404: 'no such breach',
        415: 'not CSV or JSON Lines',
        422: 'the file cannot be read to its end; nothing imported',
      },
      async handle({ params, request }) {
        await breaches.assertOpen(params.id); // 404 or 409 before reading a byte
        const format = ImportFormats[(request.headers['content-type'] ?? '').split(';')[0]!.trim()];
        if (!format) throw new HttpError(415, 'BL_UNSUPPORTED_MEDIA', 'send text/csv or application/x-ndjson');
        return importRecipients(needStore(store), params.id, request.body as Readable, format);
      },
    });
    route({
      method: 'GET',
      url: '/breaches/:id/recipients',
      summary: 'How many affected people are imported, with and without e-mail.',
      permission: 'read',
      params: ById,
      responses: { 200: 'the counts' },
      async handle({ params }) {
        await breaches.state(params.id); // 404 for a breach that does not exist, as every :id route
        return needStore(store).recipients.counts(params.id);
      },
    });
    route({
      method: 'POST',
      url: '/breaches/:id/campaigns',
      summary: "Start a notification campaign (a child workflow): waves of the imported people, each wave sent after an operator's approval.",
      permission: 'operate',
      params: ById,
      body: CampaignBody,
      responses: { 201: 'the campaign id', 404: 'no such breach', 422: 'invalid, each bad field named' },
      handle: async ({ params, body, principal, reply }) =>
        reply.code(201).send(await breaches.startCampaign(params.id, { ...body, requestedBy: { id: principal.name } })),
    });
    route({
      method: 'POST',
      url: '/breaches/:id/campaigns/:campaign/waves/:wave/approval',
      summary: "Approve a wave's notice as the token's holder; refused while its template cannot render, naming the variable.",
      permission: 'operate',
      params: ByCampaign.extend({ wave: z.coerce.number().int().min(1).max(100_000) }),
      body: z.strictObject({}).optional(),
      responses: { 200: 'the wave', 422: 'refused, with the reason' },
      handle: async ({ params, principal }) =>
        breaches.approveWave(params.id, { campaignId: campaignIdOf(params), wave: params.wave, approver: { id: principal.name } }),
    });
    route({
      method: 'POST',
      url: '/breaches/:id/campaigns/:campaign/test-send',
      summary:
        "Mail the notice, rendered for a synthetic sample person, to the token's holder (whose name must be an e-mail address) or to an address the policy's testRecipients lists.",
      permission: 'operate',
      params: ByCampaign,
      body: TestSendBody.optional(),
      responses: { 200: 'sent', 422: "the address is neither the holder's own nor listed in the policy" },
      handle: async ({ params, body, principal }) =>
        breaches.sendTestNotice(params.id, {
          campaignId: campaignIdOf(params),
          to: body?.to ?? principal.name,
          ...(body?.locale ? { locale: body.locale } : {}),
          requestedBy: { id: principal.name },
        }),
    });
    route({
      method: 'POST',
      url: '/breaches/:id/campaigns/:campaign/:action',
      summary: "Pause, resume or cancel a campaign, as the token's holder.",
      permission: 'operate',
      params: ByCampaign.extend({ action: CampaignControl.shape.action }),
      body: z.strictObject({}).optional(),
      responses: { 200: "the campaign's state", 422: 'refused, with the reason' },
      handle: async ({ params, principal }) => ({
        state: await breaches.controlCampaign(params.id, { campaignId: campaignIdOf(params), action: params.action, by: { id: principal.name } }),
      }),
    });
    route({
      method: 'GET',
      url: '/breaches/:id/postal.csv',
      summary:
        'The postal list for a print vendor: people without e-mail and people whose mail bounced, each with a postal address; spreadsheet formulas neutralised. People with neither are counted, not listed: the x-breachline-no-postal-address header (APPI Art. 26(2): a substitute measure reaches them).',
      permission: 'read',
      params: ById,
      responses: { 200: 'text/csv' },
      async handle({ params, reply }) {
        await breaches.state(params.id);
        const [rows, gaps] = await Promise.all([needStore(store).recipients.postalList(params.id), needStore(store).recipients.unreachable(params.id)]);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="postal-list.csv"')
          .header('x-breachline-no-postal-address', String(gaps.noPostalAddress))
          .send(postalListCsv(rows));
      },
    });
    route({
      method: 'GET',
      url: '/breaches/:id/campaigns/:campaign/deliveries',
      summary:
        "Proof of delivery, for the regulator's 'status of response to individuals': each wave's counts by outcome, and per person (by the breach's own person id, no name or address) the outcome, the SMTP server's reply line with its queue id, and its time. JSON is paged (?after=<person id>); ?format=csv streams every row.",
      permission: 'read',
      params: ByCampaign,
      query: DeliveriesQuery,
      responses: { 200: 'the counts and deliveries (JSON), or text/csv' },
      async handle({ params, query, reply }) {
        await breaches.state(params.id);
        const campaignId = campaignIdOf(params);
        const store_ = needStore(store);
        if (query.format === 'csv')
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="deliveries-${params.campaign}${query.wave ? `-wave-${query.wave}` : ''}.csv"`)
            .send(Readable.from(deliveryProofCsv(deliveryProofPages(store_, campaignId, query.wave))));
        const [counts, deliveries] = await Promise.all([
          store_.recipients.deliveryCounts(campaignId),
          store_.recipients.deliveryProofs(campaignId, { wave: query.wave, after: query.after, limit: query.limit }),
        ]);
        const waves = query.wave ? { [query.wave]: counts[query.wave] ?? {} } : counts;
        return { campaignId, waves, deliveries, next: deliveries.length === query.limit ? deliveries[deliveries.length - 1]!.person_id : undefined };
      },
    });
    route({
      method: 'POST',
      url: '/breaches/:id/tasks/:task',
      summary: "Record a playbook task's outcome ({outcome}) or waive it ({waive: {reason}}), as the token's holder; each task says which roles may.",
      permission: 'record',
      params: z.strictObject({ id: BreachId, task: Name }),
      body: TaskBody,
      responses: { 200: 'the task', 422: 'refused: the outcome is invalid (each field named), or the role may not record this task' },
      handle: async ({ params, body, principal }) =>
        breaches.recordTask(params.id, { ...body, taskId: params.task, by: { id: principal.name, roles: principal.roles } }),
    });
    route({
      method: 'GET',
      url: '/breaches/:id/reports/:regime/:rule',
      summary:
        'The report to a regulator (e.g. JP-APPI/ppc-final) with the items its form asks for and what is missing: JSON (with ?lang=ja|en, the fields of the online form in that language), ?format=md, or ?format=html|pdf to print and file (A4; English unless ?lang=ja).',
      permission: 'read',
      params: z.strictObject({ id: BreachId, regime: Name, rule: Name }),
      query: ReportOptions,
      responses: { 200: 'the report', 404: 'no such report on this breach', 503: 'PDF asked for and no Chromium on the server' },
      handle: async ({ params, query, reply }) =>
        send(reply, await renderReport(await breaches.status(params.id), `${params.regime}/${params.rule}`, query).catch(documentError)),
    });
    route({
      method: 'GET',
      url: '/breaches/:id/documents/:document',
      summary:
        "One of the breach's documents, drafted from its record: notice (本人通知, for a sample person), announcement (公表・代替措置), partner-apology (取引先へのお詫び) or press-release; JSON (its empty required fields, `gaps`), HTML or PDF; ?lang=ja (default) or en.",
      permission: 'read',
      params: z.strictObject({ id: BreachId, document: DocumentKind }),
      query: DocumentOptions,
      responses: { 200: 'the document', 503: 'PDF asked for and no Chromium on the server' },
      handle: async ({ params, query, reply }) =>
        send(reply, await renderBreachDocument(await breaches.status(params.id), params.document, query).catch(documentError)),
    });
    route({
      method: 'GET',
      url: '/me',
      summary: "The token's holder and roles.",
      permission: 'read',
      responses: { 200: 'who you are' },
      handle: ({ principal }) => Promise.resolve(principal),
    });

    registerRoutes(route, () => needStore(store));
    sso?.routes(app);
    escalationRoutes({ route, breaches, store, links, pagerDutySecret })(app);
    healthRoutes({ client: breaches.client, store, workerRunning })(app);
    if (metrics) new ApiMetrics(breaches, metrics).register(app);
    traceRequests(app);
    app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
    registerDashboard(app);
    for (const plugin of plugins) plugin(app);
  });
  return app;
}

/** The principal an identity provider's JWT names; a refused one is a 401 that says why (expired, audience, key). */
async function ssoPrincipal(sso: Sso, token: string): Promise<Principal> {
  try {
    return await sso.verify(token);
  } catch (error) {
    if (error instanceof TokenRefused) throw new HttpError(401, 'BL_UNAUTHORIZED', error.message);
    if (error instanceof ProviderUnavailable) throw new HttpError(503, 'BL_SSO_UNAVAILABLE', error.message);
    throw error;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

/** A token's rate-limit key: its digest, so the limiter's memory holds no token; callers without one by address. */
function tokenKey(request: FastifyRequest): string {
  const token = bearer(request);
  return token ? createHash('sha256').update(token).digest('hex') : `ip:${request.ip}`;
}

export type { FieldError };
