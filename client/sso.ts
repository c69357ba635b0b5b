// Sign-in with the company's identity provider (OpenID Connect): the dashboard signs people in with the
// authorization code flow and PKCE (RFC 7636) through openid-client, and the API accepts the provider's JWT access
// tokens (RFC 9068) as bearer tokens, checked with jose against the issuer, the audience and the provider's published
// keys (fetched again when a token names a key not seen yet: key rotation). Roles come from a configurable claim.
// API tokens (bl_…) stay, for machines. Who a person is, for four eyes, is the provider's subject: issuer and `sub`.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createRemoteJWKSet, EncryptJWT, errors, jwtDecrypt, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { Role, type Principal } from './auth';

export const SsoConfig = z.strictObject({
  issuer: z.url().describe("the provider's issuer URL, e.g. https://login.example.com/realms/acme"),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional().describe('for a confidential client; a public client uses PKCE alone'),
  audience: z.string().min(1).optional().describe("the `aud` the API's access tokens must carry; the client id when absent"),
  resource: z.url().optional().describe('a resource indicator (RFC 8707) to ask the provider for, where it issues JWT access tokens per resource'),
  scope: z.string().min(1).default('openid email profile'),
  rolesClaim: z.string().min(1).default('roles').describe('the claim that holds the roles, a dotted path for a nested one (realm_access.roles)'),
  roleMap: z.record(z.string(), Role).default({}).describe("the provider's role or group names → Breachline roles; names equal to a role need no entry"),
  redirectUri: z.url().describe("the dashboard's callback: <public URL>/auth/callback"),
  /** Base64, 32 bytes: seals the login in progress in a cookie; random per process when absent (a restart cancels logins). */
  cookieKey: z.string().optional(),
  /** How soon the provider's keys may be fetched again for a token with an unknown key id. */
  jwksCooldownMs: z.number().int().min(0).default(30_000),
});
export type SsoConfig = z.input<typeof SsoConfig>;

/** A bearer JWT that is refused, with the reason in words (expired, wrong audience, unknown key, …). */
export class TokenRefused extends Error {}

/** The token cannot be judged now: the provider's keys are out of reach. */
export class ProviderUnavailable extends Error {}

/** Plain HTTP to the provider only on loopback (tests, a local provider); anywhere else it must be HTTPS. */
const loopback = (url: URL) => url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

export class Sso {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly audience: string;
  private readonly cookieKey: Uint8Array;

  private constructor(
    readonly config: z.output<typeof SsoConfig>,
    private readonly client: oidc.Configuration,
  ) {
    const server = client.serverMetadata();
    if (!server.jwks_uri) throw new Error(`the OpenID provider at ${config.issuer} publishes no jwks_uri`);
    this.jwks = createRemoteJWKSet(new URL(server.jwks_uri), { cooldownDuration: config.jwksCooldownMs });
    this.audience = config.audience ?? config.clientId;
    this.cookieKey = config.cookieKey ? Buffer.from(config.cookieKey, 'base64') : randomBytes(32);
    if (this.cookieKey.length !== 32) throw new Error('the SSO cookie key must be 32 bytes, base64');
  }

  /** Reads the provider's discovery document; a provider that cannot be reached stops start-up, naming it. */
  static async discover(input: SsoConfig): Promise<Sso> {
    const config = SsoConfig.parse(input);
    const issuer = new URL(config.issuer);
    const client = await oidc
      .discovery(
        issuer,
        config.clientId,
        config.clientSecret,
        config.clientSecret ? oidc.ClientSecretBasic(config.clientSecret) : oidc.None(),
        loopback(issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((error: Error) => {
        throw new Error(`cannot read the OpenID provider's configuration at ${config.issuer}: ${error.message}`);
      });
    return new Sso(config, client);
  }

  /**
   * The principal a bearer JWT names, or TokenRefused with the reason. Signature by a key the issuer publishes,
   * `iss`, `aud`, `exp` and `nbf` checked by jose; the roles from the configured claim, mapped.
   */
  async verify(token: string): Promise<Principal> {
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.jwks, { issuer: this.client.serverMetadata().issuer, audience: this.audience }));
    } catch (error) {
      throw new TokenRefused(this.reason(error)); // reason() throws ProviderUnavailable itself when it is not the token
    }
    if (!claims.sub) throw new TokenRefused('the token names no subject (sub)');
    const name = [claims.email, claims.preferred_username, claims.sub].find((v): v is string => typeof v === 'string' && v.length > 0)!;
    return { name: name.slice(0, 128), roles: this.roles(claims), subject: `${claims.iss}#${claims.sub}` };
  }

  private reason(error: unknown): string {
    if (error instanceof errors.JWTExpired) return 'the token has expired';
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'aud') return `the token is for another audience: this API accepts "${this.audience}"`;
      if (error.claim === 'iss') return `the token is from another issuer: this API accepts "${this.client.serverMetadata().issuer}"`;
      return `the token's "${error.claim}" claim is invalid: ${error.reason}`;
    }
    if (error instanceof errors.JWKSNoMatchingKey) return 'the token is signed with a key the issuer does not publish';
    if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
      throw new ProviderUnavailable(`the identity provider's keys could not be read (${error.code})`);
    if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
    if (error instanceof errors.JOSEError) return `the token is not a valid JWT (${error.code})`;
    // Not the token's fault: the provider's keys could not be fetched (network, provider down).
    throw new ProviderUnavailable(`the identity provider's keys could not be read: ${(error as Error).message.split('\n')[0]}`);
  }

  private roles(claims: JWTPayload): Role[] {
    let value: unknown = claims;
    for (const part of this.config.rolesClaim.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
    const roles = names.flatMap((n) => {
      const name = String(n);
      const mapped = this.config.roleMap[name] ?? (Role.safeParse(name).success ? (name as Role) : undefined);
      return mapped ? [mapped] : [];
    });
    return [...new Set(roles)];
  }

  /** GET /auth/login, /auth/callback and POST /auth/session: the dashboard's sign-in. */
  routes(app: FastifyInstance): void {
    const secure = new URL(this.config.redirectUri).protocol === 'https:';
    const cookie = (name: string, value: string, maxAgeSeconds: number) =>
      `${name}=${value}; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;

    app.get('/auth/login', { schema: { hide: true } }, async (_request, reply) => {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const params: Record<string, string> = {
        redirect_uri: this.config.redirectUri,
        scope: this.config.scope,
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...(this.config.resource ? { resource: this.config.resource } : {}),
      };
      // The login in progress, sealed (AES-256-GCM) in a cookie for ten minutes: no server-side state, any replica.
      const sealed = await new EncryptJWT({ verifier, state, nonce })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setExpirationTime('10m')
        .encrypt(this.cookieKey);
      return reply.header('set-cookie', cookie('bl_login', sealed, 600)).redirect(oidc.buildAuthorizationUrl(this.client, params).href);
    });

    app.get('/auth/callback', { schema: { hide: true } }, async (request, reply) => {
      const sealed = readCookie(request, 'bl_login');
      const fail = (message: string) =>
        reply
          .code(400)
          .header('set-cookie', cookie('bl_login', '', 0))
          .send({ error: `sign-in failed: ${message}`, code: 'BL_SSO_FAILED', requestId: request.id });
      if (!sealed) return fail('no sign-in in progress (or it took longer than ten minutes): start again');
      let login: { verifier: string; state: string; nonce: string };
      try {
        login = (await jwtDecrypt(sealed, this.cookieKey)).payload as typeof login;
      } catch {
        return fail('the sign-in in progress is unreadable or expired: start again');
      }
      const current = new URL(request.url, this.config.redirectUri);
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(
          this.client,
          current,
          { pkceCodeVerifier: login.verifier, expectedState: login.state, expectedNonce: login.nonce, idTokenExpected: true },
          { redirect_uri: this.config.redirectUri, ...(this.config.resource ? { resource: this.config.resource } : {}) },
        );
      } catch (error) {
        return fail((error as Error).message);
      }
      // The page picks the access token up once, by POST /auth/session, and keeps it as it keeps a pasted token.
      return reply.header('set-cookie', [cookie('bl_login', '', 0), cookie('bl_sso', tokens.access_token, 60)]).redirect('/#/');
    });

    app.post('/auth/session', { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
      const token = readCookie(request, 'bl_sso');
      if (!token) return reply.code(404).send({ error: 'no sign-in to pick up', code: 'BL_NOT_FOUND', requestId: request.id });
      const principal = await this.verify(token).catch((error: Error) => error);
      if (principal instanceof Error) return reply.code(401).send({ error: principal.message, code: 'BL_UNAUTHORIZED', requestId: request.id });
      return reply.header('set-cookie', cookie('bl_sso', '', 0)).send({ token, name: principal.name, roles: principal.roles });
    });
  }
}

function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name && value.length) return value.join('=');
  }
  return undefined;
}
