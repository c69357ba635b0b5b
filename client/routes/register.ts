// The breach register over HTTP: GET /register (filters, pages; ?format=csv), GET /register.csv, one breach's
// entry with its timeline, and the chains' verification. Read by managers and operators, as the breaches are.
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Store } from '../../activities/store';
import { verifyChains } from '../../activities/store/verify';
import { RegisterFilter } from '../../workflows/domain/register';
import { Line } from '../../workflows/domain/text';
import type { Permission } from '../auth';
import { registerCsv } from '../register';

/** What this plugin needs of the API's route declaration (client/api.ts). */
export type DeclareRoute = (definition: {
  method: 'GET';
  url: string;
  summary: string;
  permission: Permission;
  params?: z.ZodType;
  query?: z.ZodType;
  responses: Record<number, string>;
  handle(input: { params: unknown; query: unknown; reply: FastifyReply }): Promise<unknown>;
}) => void;

export function registerRoutes(route: DeclareRoute, store: () => Store): void {
  const list = async (filter: RegisterFilter, reply: FastifyReply, csv: boolean) => {
    const { total, entries } = await store().register.list(filter);
    if (!csv) return { total, limit: filter.limit, offset: filter.offset, entries };
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="breach-register.csv"')
      .header('x-total-count', String(total))
      .send(registerCsv(entries));
  };
  route({
    method: 'GET',
    url: '/register',
    summary:
      'The breach register (GDPR Art. 33(5)): the latest entry of every breach, notifiable or not, open or closed, newest first; filters status, regime, notifiable, from/to (awareness), pages by limit/offset; ?format=csv for a spreadsheet.',
    permission: 'read',
    query: RegisterFilter,
    responses: { 200: '{total, limit, offset, entries}, or text/csv', 503: 'no store configured' },
    handle: ({ query, reply }) => list(query as RegisterFilter, reply, (query as RegisterFilter).format === 'csv'),
  });
  route({
    method: 'GET',
    url: '/register.csv',
    summary: 'The breach register as CSV: one row per breach, with the same filters as GET /register.',
    permission: 'read',
    query: RegisterFilter.omit({ format: true }),
    responses: { 200: 'text/csv; x-total-count holds the number of breaches that match' },
    handle: ({ query, reply }) => list({ ...(query as RegisterFilter), format: 'csv' }, reply, true),
  });
  route({
    method: 'GET',
    url: '/register/verify',
    summary: "Checks every breach's hash chains (timeline and register) and names the first broken link.",
    permission: 'read',
    responses: { 200: '{ok, breaches, rows, unchained, broken?, headsDigest}' },
    handle: () => verifyChains(store()),
  });
  route({
    method: 'GET',
    url: '/register/:id',
    summary: "One breach's latest register entry with its timeline, as the store keeps them after the workflow is gone.",
    permission: 'read',
    params: z.strictObject({ id: Line(300).describe('the breach id') }),
    responses: { 200: 'the entry and its timeline', 404: 'no register entry for this breach' },
    async handle({ params, reply }) {
      const { id } = params as { id: string };
      const latest = await store().register.latest(id);
      if (!latest)
        return reply
          .code(404)
          .send({ error: 'no register entry for this breach (never recorded, or purged after retention)', code: 'BL_NOT_FOUND', requestId: reply.request.id });
      const timeline = (await store().outcomes.forBreach(id)).map((o) => ({ ...o, at: new Date(o.at).toISOString() }));
      return { ...latest, timeline };
    },
  });
}
