// Sign-in with a real OpenID provider (oidc-provider, running in this test on loopback): the dashboard's
// authorization code flow with PKCE completes against it, and the API takes its JWT access tokens with the roles of
// the configured claim, refuses a wrong audience, an expired token and a key the provider does not publish (each 401
// naming the reason), follows the provider's key rotation, and keeps four eyes on the provider's subject.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { chromium } from 'playwright-core';
import Provider, { type Configuration } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { Sso } from '../client/sso';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows } from '../worker/worker';
import { ensureChromium } from './support/chromium';
import { freePorts } from './support/ports';
import { timeSkippingEnvironment } from './support/temporal';
import { type RunningWorker, startWorker } from './support/worker';

const API_AUDIENCE = 'https://breachline.example.test/api';
/** The people the provider knows: their e-mail (a display name) can change; their subject cannot. */
const accounts: Record<string, { email: string; groups: string[] }> = {
  alice: { email: 'alice@example.test', groups: ['breachline-operators'] },
  bob: { email: 'bob@example.test', groups: ['breachline-operators', 'unrelated-group'] },
  mia: { email: 'mia@example.test', groups: ['breachline-managers'] },
};

let provider: Provider;
let providerServer: Server;
let issuer = '';
let apiBase = '';
let api: FastifyInstance;
let env: TestWorkflowEnvironment;
let sink: MailSink;
let worker: RunningWorker;
const keys: { first?: JWK; second?: JWK } = {};

async function signingKey(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

/** The provider, with the given signing keys (the first signs); replaced whole to rotate them. */
function startProvider(jwks: JWK[]): Provider {
  const configuration: Configuration = {
    clients: [
      {
        client_id: 'breachline-dashboard',
        client_secret: 'dashboard-secret',
        redirect_uris: [`${apiBase}/auth/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      // Machines: the client credentials grant, with roles of their own; one for another API, one short-lived.
      { client_id: 'siem', client_secret: 'siem-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
      { client_id: 'other-app', client_secret: 'other-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
      { client_id: 'short-lived', client_secret: 'short-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
    ],
    jwks: { keys: jwks },
    cookies: { keys: ['test-cookie-key'] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email'] },
    findAccount: (_ctx, id) => (accounts[id] ? { accountId: id, claims: () => ({ sub: id, email: accounts[id]!.email }) } : undefined),
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => ({
          scope: 'breachline',
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: client.clientId === 'short-lived' ? 1 : 600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    // The roles claim (RFC 9068 §2.2.3.1 names it `roles`; this provider sends the groups there) and the e-mail.
    extraTokenClaims: (ctx, token) => {
      const accountId = (token as { accountId?: string }).accountId;
      if (accountId) return { email: accounts[accountId]!.email, roles: accounts[accountId]!.groups };
      return { roles: (token as { clientId?: string }).clientId === 'siem' ? ['detector'] : [] };
    },
  };
  return new Provider(issuer, configuration);
}

beforeAll(async () => {
  const [providerPort, apiPort] = await freePorts(2);
  issuer = `http://127.0.0.1:${providerPort}`;
  apiBase = `http://127.0.0.1:${apiPort}`;
  keys.first = await signingKey('key-1');
  keys.second = await signingKey('key-2');
  provider = startProvider([keys.first]);
  providerServer = createServer((request: IncomingMessage, response: ServerResponse) => void provider.callback()(request, response));
  await new Promise<void>((resolve) => providerServer.listen(providerPort, '127.0.0.1', resolve));

  [env, sink] = await Promise.all([timeSkippingEnvironment(), startMailSink()]);
  worker = await startWorker(env, sink, await bundleWorkflows(), `sso-${randomUUID()}`);
  const sso = await Sso.discover({
    issuer,
    clientId: 'breachline-dashboard',
    clientSecret: 'dashboard-secret',
    audience: API_AUDIENCE,
    resource: API_AUDIENCE,
    scope: 'openid email breachline',
    rolesClaim: 'roles',
    roleMap: { 'breachline-operators': 'operator', 'breachline-managers': 'manager' },
    redirectUri: `${apiBase}/auth/callback`,
    jwksCooldownMs: 0,
  });
  api = buildApi({
    breaches: new Breaches(env.client, worker.taskQueue, { now: () => env.currentTimeMs() }),
    tokens: new Tokens(worker.store),
    store: worker.store,
    sso,
  });
  await api.listen({ host: '127.0.0.1', port: apiPort });
}, 240_000);

const running: string[] = [];
afterAll(async () => {
  for (const id of running) await env.client.workflow.getHandle(id).terminate('test over');
  await api?.close();
  await worker?.stop();
  await sink?.close();
  await env?.teardown();
  await new Promise((resolve) => providerServer?.close(resolve));
});

/** A browser's cookie jar and redirects, over plain HTTP: what the dashboard's sign-in does, step by step. */
async function signIn(login: string): Promise<{ token: string; name: string; roles: string[] }> {
  const jar = new Map<string, string>();
  const request = async (url: string, init: RequestInit = {}) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name!.trim());
      else jar.set(name!.trim(), value.join('='));
    }
    return response;
  };
  /** Follows redirects; returns the first page that is not one. */
  const follow = async (url: string, init?: RequestInit) => {
    let response = await request(url, init);
    while (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location')!, url).href;
      response = await request(url);
    }
    return { response, url };
  };
  // One cookie jar per host would be right; the two servers' cookie names differ, so one jar serves both here.
  let page = await follow(`${apiBase}/auth/login`);
  expect(page.url.startsWith(`${issuer}/interaction/`)).toBe(true);
  const form = (html: string) => new URL(/action="([^"]+)"/.exec(html)![1]!, page.url).href;
  const post = (url: string, fields: Record<string, string>) =>
    follow(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  page = await post(form(await page.response.text()), { prompt: 'login', login, password: 'any' });
  if (page.url.startsWith(`${issuer}/interaction/`)) page = await post(form(await page.response.text()), { prompt: 'consent' });
  expect(page.url).toBe(`${apiBase}/#/`);
  const session = await request(`${apiBase}/auth/session`, { method: 'POST' });
  expect(session.status).toBe(200);
  return (await session.json()) as { token: string; name: string; roles: string[] };
}

async function clientToken(clientId: string, secret: string, resource = API_AUDIENCE): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'breachline', resource }).toString(),
  });
  const body = (await response.json()) as { access_token: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.access_token;
}

const me = (token: string) => api.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });

describe('SSO with a real OpenID provider', () => {
  it("completes the dashboard's code + PKCE sign-in, and the API takes the access token with the mapped roles", async () => {
    const { token, name, roles } = await signIn('alice');
    expect([name, roles]).toEqual(['alice@example.test', ['operator']]);
    const answer = await me(token);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ name: 'alice@example.test', roles: ['operator'], subject: `${issuer}#alice` });
    // A machine with the provider's token: its roles from the same claim.
    expect((await me(await clientToken('siem', 'siem-secret'))).statusCode).toBe(403); // a detector may not read
    const started = await api.inject({
      method: 'POST',
      url: '/breaches',
      headers: { authorization: `Bearer ${await clientToken('siem', 'siem-secret')}` },
      payload: { source: 'sso-siem', eventId: randomUUID(), detectedAt: new Date(await env.currentTimeMs()).toISOString(), summary: 'Synthetic' },
    });
    expect(started.statusCode).toBe(201);
    running.push(started.json<{ breachId: string }>().breachId);
  });

  it("signs a person in from the dashboard in Chromium, through the provider's login and consent pages", async () => {
    const browser = await chromium.launch({ executablePath: ensureChromium(), headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${apiBase}/`);
      await page.click('[data-testid=sso]');
      await page.waitForURL(`${issuer}/interaction/**`);
      await page.fill('input[name=login]', 'mia');
      await page.fill('input[name=password]', 'any');
      await page.click('button[type=submit]');
      await page.click('button[type=submit]'); // consent: Continue
      await page.waitForURL(`${apiBase}/#/`);
      await expect.poll(() => page.textContent('[data-testid=who]')).toBe('mia@example.test (manager)');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('refuses a token for another audience, an expired token and a key the provider does not publish, naming why', async () => {
    const other = await me(await clientToken('other-app', 'other-secret', 'https://other.example.test/api'));
    expect(other.statusCode).toBe(401);
    expect(other.json()).toMatchObject({ code: 'BL_UNAUTHORIZED', error: `the token is for another audience: this API accepts "${API_AUDIENCE}"` });

    const shortLived = await clientToken('short-lived', 'short-secret');
    expect((await me(shortLived)).statusCode).toBe(403); // valid, but no role
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await me(shortLived)).json()).toMatchObject({ code: 'BL_UNAUTHORIZED', error: 'the token has expired' });

    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ roles: ['breachline-operators'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'not-published', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(API_AUDIENCE)
      .setSubject('mallory')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await me(forged)).json()).toMatchObject({ code: 'BL_UNAUTHORIZED', error: 'the token is signed with a key the issuer does not publish' });
    expect((await me('not-a-jwt')).json()).toMatchObject({ code: 'BL_UNAUTHORIZED', error: expect.stringContaining('not a valid JWT') });
  });

  it("follows the provider's key rotation: a token signed with the new key is taken, and one with the old key still is", async () => {
    const before = await clientToken('siem', 'siem-secret');
    provider = startProvider([keys.second!, keys.first!]); // key-2 signs now; key-1 is still published
    const after = await clientToken('siem', 'siem-secret');
    const kid = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    expect([kid(before), kid(after)]).toEqual(['key-1', 'key-2']);
    expect((await me(after)).json()).toMatchObject({ code: 'BL_FORBIDDEN' }); // verified (a detector may not read), not a 401
    expect((await me(before)).json()).toMatchObject({ code: 'BL_FORBIDDEN' });
  });

  it("answers 503, not 401, while the provider's keys cannot be read", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const unknownKid = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'rotated-in-while-down' })
      .setIssuer(issuer)
      .setAudience(API_AUDIENCE)
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(privateKey);
    const port = new URL(issuer).port;
    providerServer.closeAllConnections();
    await new Promise((resolve) => providerServer.close(resolve));
    try {
      const answer = await me(unknownKid);
      expect(answer.statusCode).toBe(503);
      expect(answer.json()).toMatchObject({ code: 'BL_SSO_UNAVAILABLE', error: expect.stringContaining("the identity provider's keys could not be read") });
    } finally {
      providerServer = createServer((request: IncomingMessage, response: ServerResponse) => void provider.callback()(request, response));
      await new Promise<void>((resolve) => providerServer.listen(Number(port), '127.0.0.1', resolve));
    }
  });

  it("keeps four eyes on the provider's subject: the same person under a new e-mail is refused, another person under the same name is not", async () => {
    const siem = await clientToken('siem', 'siem-secret');
    const started = await api.inject({
      method: 'POST',
      url: '/breaches',
      headers: { authorization: `Bearer ${siem}` },
      payload: {
        source: 'sso-siem',
        eventId: randomUUID(),
        detectedAt: new Date(await env.currentTimeMs()).toISOString(),
        summary: 'Synthetic: export seen',
        facts: { jurisdictions: ['JP'], dataCategories: ['email'], affectedCount: 1200, unfairPurpose: true },
      },
    });
    const { breachId } = started.json<{ breachId: string }>();
    running.push(breachId);
    const approve = (token: string) =>
      api.inject({
        method: 'POST',
        url: `/breaches/${encodeURIComponent(breachId)}/approvals`,
        headers: { authorization: `Bearer ${token}` },
        payload: { obligationId: 'JP-APPI/ppc-preliminary', filingReference: 'PPC-SSO-1' },
      });
    const alice = await signIn('alice');
    expect((await approve(alice.token)).statusCode).toBe(201);

    accounts.alice!.email = 'alice.smith@example.test'; // renamed at the provider: the same subject
    const renamed = await signIn('alice');
    expect(renamed.name).toBe('alice.smith@example.test');
    const again = await approve(renamed.token);
    expect(again.statusCode).toBe(422);
    expect(again.json<{ error: string }>().error).toMatch(/four-eyes: alice\.smith@example\.test has already approved/);

    accounts.bob!.email = 'alice@example.test'; // another person who shows under alice's old name
    const bob = await signIn('bob');
    const second = await approve(bob.token);
    expect(second.statusCode, second.body).toBe(201);
    const status = await api.inject({ method: 'GET', url: `/breaches/${encodeURIComponent(breachId)}`, headers: { authorization: `Bearer ${bob.token}` } });
    const approvals = status.json<{ approvals: { approver: { id: string; subject?: string } }[] }>().approvals;
    expect(approvals.map((a) => a.approver.subject)).toEqual([`${issuer}#alice`, `${issuer}#bob`]);
  });
});
