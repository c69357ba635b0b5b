// The dev stack's own routes decrypt payloads and show recipients' mail: none answers without a token, the codec
// answers operators only, and the Web UI's way in (a session cookie sent cross-origin with credentials) works.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../activities/store';
import { Tokens } from '../client/auth';
import { codecEndpoint } from '../dev/codec-endpoint';
import { mailViewer } from '../dev/mail-viewer';
import { sessionRoutes } from '../dev/session';
import { EncryptionCodec } from '../worker/codec';

const UI = 'http://127.0.0.1:8233';
const codec = new EncryptionCodec(randomBytes(32));
let store: Store;
let app: FastifyInstance;
const token: Record<string, string> = {};
let sealedBody: unknown;

beforeAll(async () => {
  store = await openStore('pglite:memory');
  const tokens = new Tokens(store);
  token.operator = await tokens.issue('alice@example.com', ['operator']);
  token.manager = await tokens.issue('manager@example.com', ['manager']);
  token.detector = await tokens.issue('dev-siem', ['detector']);
  token.revoked = await tokens.issue('gone@example.com', ['operator']);
  await tokens.revoke('gone@example.com');
  const mailDir = mkdtempSync(join(tmpdir(), 'breachline-mail-'));
  writeFileSync(
    join(mailDir, '0001.eml'),
    'From: dpo@example.com\r\nTo: Synthetic Person <synthetic.person@example.test>\r\nSubject: Notice of a personal data breach\r\nDate: Mon, 1 Jun 2026 00:00:00 +0000\r\n\r\nDear Synthetic Person\r\n',
  );
  app = Fastify();
  for (const plugin of [sessionRoutes(tokens), codecEndpoint(codec, { tokens, uiOrigins: [UI] }), mailViewer(mailDir, tokens)]) plugin(app);
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ affectedCount: 1200 })]);
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  sealedBody = { payloads: [{ metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([k, v]) => [k, b64(v)])), data: b64(sealed!.data!) }] };
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const decode = (headers: Record<string, string>) =>
  app.inject({ method: 'POST', url: '/codec/decode', headers: { origin: UI, 'x-namespace': 'default', ...headers }, payload: sealedBody as object });
const decodedCount = (body: string) => JSON.parse(Buffer.from(JSON.parse(body).payloads[0].data, 'base64').toString()).affectedCount;

describe('dev stack routes', () => {
  it('refuses the codec without a token (401), to a manager (403) and with a revoked token (401)', async () => {
    for (const direction of ['decode', 'encode']) {
      const anonymous = await app.inject({ method: 'POST', url: `/codec/${direction}`, headers: { origin: UI }, payload: sealedBody as object });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.body).not.toContain('affectedCount');
    }
    expect((await decode({ authorization: `Bearer ${token.manager}` })).statusCode).toBe(403);
    expect((await decode({ cookie: `breachline_token=${token.manager}` })).statusCode).toBe(403);
    expect((await decode({ authorization: `Bearer ${token.revoked}` })).statusCode).toBe(401);
    expect((await decode({ cookie: 'breachline_token=bl_forged' })).statusCode).toBe(401);
  });

  it('decodes for an operator by bearer token', async () => {
    const response = await decode({ authorization: `Bearer ${token.operator}` });
    expect(response.statusCode).toBe(200);
    expect(decodedCount(response.body)).toBe(1200);
  });

  it('signs a browser in with an HttpOnly, SameSite=Strict cookie that the Web UI sends cross-origin to decode', async () => {
    expect((await app.inject({ method: 'POST', url: '/session' })).statusCode).toBe(401);
    const refused = await app.inject({ method: 'POST', url: '/session', headers: { authorization: `Bearer ${token.revoked}` } });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['set-cookie']).toBeUndefined();
    const session = await app.inject({ method: 'POST', url: '/session', headers: { authorization: `Bearer ${token.operator}` } });
    expect(session.statusCode).toBe(200);
    const setCookie = String(session.headers['set-cookie']);
    expect(setCookie).toMatch(/^breachline_token=bl_[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    const cookie = setCookie.split(';')[0]!;

    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBe(UI);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    const response = await decode({ cookie: `other=1; ${cookie}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(UI);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(decodedCount(response.body)).toBe(1200);

    const signedOut = await app.inject({ method: 'DELETE', url: '/session' });
    expect(String(signedOut.headers['set-cookie'])).toMatch(/^breachline_token=; .*Max-Age=0/);
  });

  it('shows the mail sink to readers only: none without a token, not to a detector', async () => {
    for (const url of ['/dev/mail', '/dev/mail/0001.eml']) {
      const anonymous = await app.inject({ method: 'GET', url });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.body).not.toContain('synthetic.person@example.test');
      expect((await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token.detector}` } })).statusCode).toBe(403);
    }
    const page = await app.inject({ method: 'GET', url: '/dev/mail', headers: { cookie: `breachline_token=${token.manager}` } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Notice of a personal data breach');
    const message = await app.inject({ method: 'GET', url: '/dev/mail/0001.eml', headers: { authorization: `Bearer ${token.operator}` } });
    expect(message.body).toContain('Dear Synthetic Person');
  });
});
