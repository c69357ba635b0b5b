// A remote codec endpoint for the Temporal Web UI (`--ui-codec-endpoint`), so a developer can read the
// encrypted payloads of local breaches in the UI. It decrypts for operators only (a bearer token, or the session
// cookie the Web UI sends with "Include cross-origin credentials" on), and CORS lets only the UI's origins read it.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Tokens } from '../client/auth';
import { requirePermission } from './session';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export function codecEndpoint(codec: PayloadCodec, { tokens, uiOrigins }: { tokens: Tokens; uiOrigins: string[] }) {
  return (app: FastifyInstance) => {
    app.register(async (scope) => {
      // Credentialed CORS must name exact origins (Fetch standard: no "*" with credentials).
      await scope.register(cors, { origin: uiOrigins, credentials: true, allowedHeaders: ['content-type', 'x-namespace', 'authorization'], methods: ['POST'] });
      for (const direction of ['decode', 'encode'] as const) {
        scope.post<{ Body: { payloads?: JsonPayload[] } }>(`/codec/${direction}`, { preHandler: requirePermission(tokens, 'operate') }, async (request) => {
          const payloads = (request.body?.payloads ?? []).map(fromJson);
          return { payloads: (await codec[direction](payloads)).map(toJson) };
        });
      }
    });
  };
}
