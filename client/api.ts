// The HTTP API (Fastify): detection intake for security tooling, facts and approvals for operators, status and
// lists for managers. One route table drives both the handlers and the OpenAPI document at /openapi.json, and
// every body is parsed by the same zod schemas the workflow uses: a bad one gets a 4xx naming each bad field, and
// nothing is started or changed. Every route but /health, /openapi.json and the dashboard needs a bearer token.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { isGrpcServiceError } from '@temporalio/client';
import { z } from 'zod';
import type { Readable } from 'node:stream';
import { importRecipients, type ImportFormat, postalListCsv } from '../activities/recipients';
import type { Store } from '../activities/store';
import { ApprovalRequest, CampaignRequest, CloseRequest } from '../workflows/definitions';
import { RecordTaskRequest } from '../workflows/domain/playbook';
import { reportHtml, reportMarkdown } from '../workflows/domain/report';
import { Detection, FactsUpdate, InvalidInput, parseOrExplain } from '../workflows/domain/facts';
import { allows, type Permission, type Principal, type Tokens } from './auth';
import { BreachClosed, BreachNotFound, type Breaches, ListFilter, SearchUnavailable, UpdateRejected } from './breaches';
import { registerDashboard } from './dashboard';
import { detectionFromOcsf, isOcsf, OcsfDetectionFinding } from './ocsf';

export const BODY_LIMIT_BYTES = 64 * 1024;

/** An approval as an operator sends it: who approves is the token's holder, never a field of the body. */
export const ApprovalBody = ApprovalRequest.omit({ approver: true });
export const CloseBody = CloseRequest.omit({ by: true });

export interface ApiOptions {
  breaches: Breaches;
  tokens: Tokens;
  /** The store, for importing affected people and exporting the postal list; those routes answer 503 without it. */
  store?: Store;
  /** Extra routes, e.g. the dev stack's mail viewer. */
  plugins?: ((app: FastifyInstance) => void)[];
  logger?: boolean;
}

class Unauthorized extends Error {
  readonly statusCode = 401;
}
class Forbidden extends Error {
  readonly statusCode = 403;
}

interface Route {
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  permission: Permission;
  body?: z.ZodType;
  query?: z.ZodType;
  responses: Record<number, string>;
  handle(request: FastifyRequest, reply: FastifyReply, principal: Principal): Promise<unknown>;
}

const params = (request: FastifyRequest) => request.params as { id: string; campaign: string; wave: string; action: string };
/** Campaign ids are "<breach id>/campaign-<n>"; URLs name the campaign by its last part. */
const campaignIdOf = (request: FastifyRequest) => `${params(request).id}/${params(request).campaign}`;
const ImportFormats: Record<string, ImportFormat> = { 'text/csv': 'csv', 'application/x-ndjson': 'jsonl', 'application/jsonl': 'jsonl' };

export const CampaignBody = CampaignRequest.omit({ requestedBy: true });
const ReportQuery = z.strictObject({ format: z.enum(['json', 'md', 'html']).default('json') });

function needStore(store: Store | undefined): Store {
  if (!store) throw Object.assign(new Error('this API process has no store configured'), { statusCode: 503 });
  return store;
}

function routes(breaches: Breaches, store?: Store): Route[] {
  return [
    {
      method: 'POST',
      path: '/breaches',
      summary: "Start the response to a detection: Breachline's own detection JSON, or an OCSF Detection Finding (class_uid 2004). Idempotent by source and event id.",
      permission: 'start',
      body: z.union([Detection, OcsfDetectionFinding]),
      responses: { 201: 'breach started', 200: 'the breach this detection already started', 422: 'invalid detection, each bad field named' },
      async handle(request, reply) {
        const detection = isOcsf(request.body)
          ? detectionFromOcsf(parseOrExplain(OcsfDetectionFinding, request.body, 'OCSF Detection Finding'))
          : request.body;
        const { breachId, created } = await breaches.start(detection);
        return reply
          .code(created ? 201 : 200)
          .header('location', `/breaches/${encodeURIComponent(breachId)}`)
          .send({ breachId, created });
      },
    },
    {
      method: 'GET',
      path: '/breaches',
      summary: 'Breaches found through Temporal visibility, soonest deadline first; e.g. ?dueWithinHours=24 for every open breach with a deadline in the next day.',
      permission: 'read',
      query: ListFilter,
      responses: { 200: 'the breaches', 503: 'the namespace has no Breachline search attributes' },
      handle: async (request) => breaches.list(request.query),
    },
    {
      method: 'GET',
      path: '/breaches/{id}',
      summary: 'The status: phase, every obligation with its deadline and time left, approvals, escalations, the timeline.',
      permission: 'read',
      responses: { 200: 'the status', 404: 'no such breach' },
      handle: async (request) => breaches.status(params(request).id),
    },
    {
      method: 'GET',
      path: '/breaches/{id}/timeline',
      summary: 'The audit timeline.',
      permission: 'read',
      responses: { 200: 'the timeline', 404: 'no such breach' },
      handle: async (request) => (await breaches.status(params(request).id)).timeline,
    },
    {
      method: 'POST',
      path: '/breaches/{id}/facts',
      summary: 'Tell the breach what has been learned; its obligations and deadline clocks are recomputed.',
      permission: 'operate',
      body: FactsUpdate,
      responses: { 200: 'what changed: obligations opened, moved, withdrawn', 404: 'no such breach', 409: 'the breach is closed', 422: 'invalid facts, each bad field named' },
      handle: async (request) => breaches.updateFacts(params(request).id, request.body),
    },
    {
      method: 'POST',
      path: '/breaches/{id}/approvals',
      summary: "Approve an obligation as the token's holder. Regulator filings need two different approvers (four eyes).",
      permission: 'operate',
      body: ApprovalBody,
      responses: { 201: 'the approval recorded', 404: 'no such breach', 409: 'the breach is closed', 422: 'invalid or refused, with the reason' },
      async handle(request, reply, principal) {
        const body = parseOrExplain(ApprovalBody, request.body, 'approval');
        return reply.code(201).send(await breaches.approve(params(request).id, { ...body, approver: { id: principal.name } }));
      },
    },
    {
      method: 'POST',
      path: '/breaches/{id}/close',
      summary: 'Close the breach; refused while any obligation is open.',
      permission: 'operate',
      body: CloseBody,
      responses: { 200: 'closed', 404: 'no such breach', 422: 'refused, naming what is open' },
      async handle(request, _reply, principal) {
        const body = parseOrExplain(CloseBody, request.body, 'close request');
        return breaches.close(params(request).id, { ...body, by: { id: principal.name } });
      },
    },
    {
      method: 'POST',
      path: '/breaches/{id}/recipients',
      summary: 'Import affected people into the store, streaming: text/csv or application/x-ndjson. Invalid rows are reported by line; duplicates (id or e-mail) merged.',
      permission: 'operate',
      responses: { 200: 'the import report: rows, imported, merged, invalid, errors', 404: 'no such breach', 415: 'not CSV or JSON Lines' },
      async handle(request) {
        await breaches.status(params(request).id); // 404 before reading a byte
        const format = ImportFormats[(request.headers['content-type'] ?? '').split(';')[0]!.trim()];
        if (!format) throw Object.assign(new Error('send text/csv or application/x-ndjson'), { statusCode: 415 });
        return importRecipients(needStore(store), params(request).id, request.body as Readable, format);
      },
    },
    {
      method: 'GET',
      path: '/breaches/{id}/recipients',
      summary: 'How many affected people are imported, with and without e-mail.',
      permission: 'read',
      responses: { 200: 'the counts' },
      handle: async (request) => needStore(store).recipientCounts(params(request).id),
    },
    {
      method: 'POST',
      path: '/breaches/{id}/campaigns',
      summary: "Start a notification campaign (a child workflow): waves of the imported people, each wave sent after an operator's approval.",
      permission: 'operate',
      body: CampaignBody,
      responses: { 201: 'the campaign id', 404: 'no such breach', 422: 'invalid, each bad field named' },
      async handle(request, reply, principal) {
        const body = parseOrExplain(CampaignBody, request.body, 'campaign');
        return reply.code(201).send(await breaches.startCampaign(params(request).id, { ...body, requestedBy: { id: principal.name } }));
      },
    },
    {
      method: 'POST',
      path: '/breaches/{id}/campaigns/{campaign}/waves/{wave}/approval',
      summary: "Approve a wave's notice as the token's holder; refused while its template cannot render, naming the variable.",
      permission: 'operate',
      responses: { 200: 'the wave', 422: 'refused, with the reason' },
      handle: async (request, _reply, principal) =>
        breaches.approveWave(params(request).id, { campaignId: campaignIdOf(request), wave: Number(params(request).wave), approver: { id: principal.name } }),
    },
    {
      method: 'POST',
      path: '/breaches/{id}/campaigns/{campaign}/test-send',
      summary: "Mail the notice, rendered for a synthetic sample person, to the token's holder (whose name must be an e-mail address).",
      permission: 'operate',
      body: z.strictObject({ locale: z.enum(['ja', 'en']).optional() }),
      responses: { 200: 'sent', 422: "the token's holder is not an e-mail address" },
      handle: async (request, _reply, principal) =>
        breaches.sendTestNotice(params(request).id, { campaignId: campaignIdOf(request), to: principal.name, ...(request.body as object) }),
    },
    {
      method: 'POST',
      path: '/breaches/{id}/campaigns/{campaign}/{action}',
      summary: 'Pause, resume or cancel a campaign (action: pause, resume, cancel).',
      permission: 'operate',
      responses: { 200: "the campaign's state", 422: 'refused, with the reason' },
      async handle(request, _reply, principal) {
        const state = await breaches.controlCampaign(params(request).id, { campaignId: campaignIdOf(request), action: params(request).action, by: { id: principal.name } });
        return { state };
      },
    },
    {
      method: 'GET',
      path: '/breaches/{id}/postal.csv',
      summary: 'The postal list for a print vendor: people without e-mail and people whose mail bounced.',
      permission: 'read',
      responses: { 200: 'text/csv' },
      async handle(request, reply) {
        const rows = await needStore(store).postalList(params(request).id);
        const csv = postalListCsv(rows);
        return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="postal-list.csv"').send(csv);
      },
    },
    {
      method: 'POST',
      path: '/breaches/{id}/tasks/{task}',
      summary: "Record a playbook task's outcome ({outcome}) or waive it ({waive: {reason}}), as the token's holder; each task says which roles may.",
      permission: 'record',
      body: RecordTaskRequest.omit({ taskId: true, by: true }),
      responses: { 200: 'the task', 422: 'refused: the outcome is invalid (each field named), or the role may not record this task' },
      async handle(request, _reply, principal) {
        const body = parseOrExplain(RecordTaskRequest.omit({ taskId: true, by: true }), request.body, 'task record');
        return breaches.recordTask(params(request).id, { ...body, taskId: (request.params as { task: string }).task, by: { id: principal.name, roles: principal.roles } });
      },
    },
    {
      method: 'GET',
      path: '/breaches/{id}/reports/{regime}/{rule}',
      summary: 'The report to a regulator (e.g. JP-APPI/ppc-final) with the items its form asks for and what is missing: JSON, or ?format=md or ?format=html to file.',
      permission: 'read',
      query: ReportQuery,
      responses: { 200: 'the report', 404: 'no such report on this breach' },
      async handle(request, reply) {
        const { regime, rule } = request.params as { regime: string; rule: string };
        const status = await breaches.status(params(request).id);
        const report = status.reports.find((r) => r.obligationId === `${regime}/${rule}`);
        if (!report) throw Object.assign(new Error(`no report ${regime}/${rule} on breach ${params(request).id}: reports exist for ${status.reports.map((r) => r.obligationId).join(', ') || 'none'}`), { statusCode: 404 });
        const { format } = parseOrExplain(ReportQuery, request.query, 'query');
        if (format === 'md') return reply.type('text/markdown; charset=utf-8').send(reportMarkdown(report, status.breachId));
        if (format === 'html') return reply.type('text/html; charset=utf-8').send(reportHtml(report, status.breachId));
        return report;
      },
    },
    {
      method: 'GET',
      path: '/me',
      summary: "The token's holder and roles.",
      permission: 'read',
      responses: { 200: 'who you are' },
      handle: async (_request, _reply, principal) => principal,
    },
  ];
}

/** OpenAPI 3.1, generated from the route table and its zod schemas. */
export function openApiDocument(table: Route[]) {
  const schema = (type: z.ZodType) => {
    const { $schema: _, ...json } = z.toJSONSchema(type, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return json;
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of table) {
    const parameters = [
      ...(route.path.includes('{id}') ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] : []),
      ...(route.query
        ? Object.entries((schema(route.query).properties ?? {}) as Record<string, unknown>).map(([name, s]) => ({ name, in: 'query', required: false, schema: s }))
        : []),
    ];
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase()]: {
        summary: route.summary,
        security: [{ bearer: [] }],
        'x-breachline-roles': route.permission,
        ...(parameters.length ? { parameters } : {}),
        ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(route.body) } } } } : {}),
        responses: Object.fromEntries(
          Object.entries({ ...route.responses, 400: 'malformed JSON', 401: 'missing or unknown token', 403: 'the token lacks the role' }).map(([code, description]) => [code, { description }]),
        ),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Breachline', version: '0.1.0', description: 'Personal-data breach response on Temporal. Roles: detector (start), operator (facts, approvals, close, read), manager (read).' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token (bl_…) issued with `breachline token issue`' } } },
    paths,
  };
}

export function buildApi({ breaches, tokens, store, plugins = [], logger = false }: ApiOptions): FastifyInstance {
  const app = Fastify({ logger, bodyLimit: BODY_LIMIT_BYTES });
  const table = routes(breaches, store);
  // Imports stream straight into the store: their bodies are not buffered, so the 64 KiB limit does not apply.
  app.addContentTypeParser(Object.keys(ImportFormats), (_request, payload, done) => done(null, payload));

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof InvalidInput) return reply.code(422).send({ error: error.message, issues: error.errors });
    if (error instanceof UpdateRejected) return reply.code(422).send({ error: error.message });
    if (error instanceof BreachNotFound) return reply.code(404).send({ error: error.message });
    if (error instanceof BreachClosed) return reply.code(409).send({ error: error.message });
    if (error instanceof SearchUnavailable) return reply.code(503).send({ error: error.message });
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
      return reply.code(400).send({ error: `malformed JSON body: ${error.message}` });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message });
    if (isGrpcServiceError(error) || error.name === 'ServiceError') {
      return reply.code(503).send({ error: `Temporal is unavailable: ${error.message}` });
    }
    app.log.error(error);
    return reply.code(500).send({ error: 'internal error' });
  });

  async function authenticate(request: FastifyRequest, permission: Permission): Promise<Principal> {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) throw new Unauthorized('missing bearer token: send "Authorization: Bearer <token>"');
    const principal = await tokens.verify(token);
    if (!principal) throw new Unauthorized('unknown or revoked token');
    if (!allows(principal, permission)) throw new Forbidden(`${principal.name} (${principal.roles.join(', ')}) may not ${permission}: needs the role ${permissionRoles(permission)}`);
    return principal;
  }

  app.get('/health', async () => ({ ok: true }));
  const document = openApiDocument(table);
  app.get('/openapi.json', async () => document);

  for (const route of table) {
    app.route({
      method: route.method,
      url: route.path.replace(/\{(\w+)\}/g, ':$1'),
      handler: async (request, reply) => {
        const principal = await authenticate(request, route.permission);
        return route.handle(request, reply, principal);
      },
    });
  }

  registerDashboard(app);
  for (const plugin of plugins) plugin(app);
  return app;
}

function permissionRoles(permission: Permission): string {
  return ({ start: 'detector or operator', operate: 'operator', read: 'manager or operator', record: 'operator or manager' } as const)[permission];
}
