// The OpenAPI document is valid OpenAPI 3.1 by an independent validator, and declares every path parameter of every
// route: a client generated from it can call every route the API serves.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';

let store: Store;
let document: { openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean }[] }>> };

beforeAll(async () => {
  store = await openStore('pglite:memory');
  // The document needs no server: a lazy connection is never used.
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const api = buildApi({ breaches: new Breaches(client, 'openapi'), tokens: new Tokens(store), store });
  document = (await api.inject({ url: '/openapi.json' })).json();
  await api.close();
});

afterAll(async () => {
  await store?.close();
});

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('declares every path parameter of every route, as required, in the path', () => {
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(routes.length).toBeGreaterThan(15);
    for (const { path, method, operation } of routes) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (operation.parameters ?? []).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), `${method.toUpperCase()} ${path}`).toEqual(inPath);
      for (const parameter of declared) expect(parameter.required, `${method.toUpperCase()} ${path} {${parameter.name}}`).toBe(true);
    }
  });
});
