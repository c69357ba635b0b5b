// The HTTP API (Fastify): detection intake for security tooling, facts and approvals for operators, status
// for managers. Every body is validated by the same zod schemas the workflow uses; a bad one gets a 4xx that
// names each bad field, and nothing is started or changed.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { isGrpcServiceError } from '@temporalio/client';
import { BreachClosed, BreachNotFound, type Breaches, UpdateRejected } from './breaches';
import { InvalidInput } from '../workflows/domain/facts';

export const BODY_LIMIT_BYTES = 64 * 1024;

export interface ApiOptions {
  breaches: Breaches;
  /** Extra routes, e.g. the dev stack's mail viewer. */
  plugins?: ((app: FastifyInstance) => void)[];
  logger?: boolean;
}

export function buildApi({ breaches, plugins = [], logger = false }: ApiOptions): FastifyInstance {
  const app = Fastify({ logger, bodyLimit: BODY_LIMIT_BYTES });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof InvalidInput) return reply.code(422).send({ error: error.message, issues: error.errors });
    if (error instanceof UpdateRejected) return reply.code(422).send({ error: error.message });
    if (error instanceof BreachNotFound) return reply.code(404).send({ error: error.message });
    if (error instanceof BreachClosed) return reply.code(409).send({ error: error.message });
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

  app.get('/health', async () => ({ ok: true }));

  app.post('/breaches', async (request, reply) => {
    const { breachId, created } = await breaches.start(request.body);
    return reply
      .code(created ? 201 : 200)
      .header('location', `/breaches/${encodeURIComponent(breachId)}`)
      .send({ breachId, created });
  });

  app.get<{ Params: { id: string } }>('/breaches/:id', async (request) => breaches.status(request.params.id));

  app.get<{ Params: { id: string } }>('/breaches/:id/timeline', async (request) => (await breaches.status(request.params.id)).timeline);

  app.post<{ Params: { id: string } }>('/breaches/:id/facts', async (request) => breaches.updateFacts(request.params.id, request.body));

  app.post<{ Params: { id: string } }>('/breaches/:id/approvals', async (request, reply) => reply.code(201).send(await breaches.approve(request.params.id, request.body)));

  app.post<{ Params: { id: string } }>('/breaches/:id/close', async (request) => breaches.close(request.params.id, request.body));

  for (const plugin of plugins) plugin(app);
  return app;
}
