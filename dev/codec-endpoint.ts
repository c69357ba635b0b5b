// A remote codec endpoint for the Temporal Web UI (`--ui-codec-endpoint`), so a developer can read the
// encrypted payloads of local breaches in the UI. Dev stack only: it decrypts for whoever can reach it, so it
// listens where the dev stack does (loopback) and answers the UI's origin alone.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';

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

export function codecEndpoint(codec: PayloadCodec, uiOrigins: string[]) {
  return (app: FastifyInstance) => {
    app.register(async (scope) => {
      await scope.register(cors, { origin: uiOrigins, allowedHeaders: ['content-type', 'x-namespace', 'authorization'], methods: ['POST'] });
      for (const direction of ['decode', 'encode'] as const) {
        scope.post<{ Body: { payloads?: JsonPayload[] } }>(`/codec/${direction}`, async (request) => {
          const payloads = (request.body?.payloads ?? []).map(fromJson);
          return { payloads: (await codec[direction](payloads)).map(toJson) };
        });
      }
    });
  };
}
