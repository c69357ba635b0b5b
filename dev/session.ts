// Who may use the dev stack's own routes (the Web UI's codec, the mail sink's page). A browser page cannot add an
// Authorization header to the Temporal Web UI's codec calls, but it can send cookies ("Include cross-origin
// credentials"), so a token is accepted as a bearer header or as an HttpOnly cookie that POST /session sets.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allows, type Permission, type Tokens } from '../client/auth';

export const TOKEN_COOKIE = 'breachline_token';

/** The caller's token: `Authorization: Bearer <token>`, else the session cookie. */
export function requestToken(request: FastifyRequest): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  const cookie = new RegExp(`(?:^|;\\s*)${TOKEN_COOKIE}=([^;\\s]+)`).exec(request.headers.cookie ?? '')?.[1];
  return cookie ? decodeURIComponent(cookie) : undefined;
}

/** A preHandler: 401 without a known token, 403 when its holder lacks the permission. */
export function requirePermission(tokens: Tokens, permission: Permission) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = requestToken(request);
    const principal = token ? await tokens.verify(token) : undefined;
    if (!principal) {
      return reply.code(401).send({
        error: token ? 'unknown or revoked token' : `missing token: send "Authorization: Bearer <token>" or sign in at POST /session`,
        code: 'BL_UNAUTHORIZED',
        requestId: request.id,
      });
    }
    if (!allows(principal, permission))
      return reply
        .code(403)
        .send({ error: `${principal.name} (${principal.roles.join(', ')}) may not ${permission}`, code: 'BL_FORBIDDEN', requestId: request.id });
  };
}

// A session cookie on plain-HTTP loopback: HttpOnly keeps it from page scripts; SameSite=Strict keeps other sites
// from sending it (RFC 6265bis §5.4.7: sites ignore ports, so the Web UI at 127.0.0.1:<ui port> still sends it).
const cookie = (value: string, extra = '') => `${TOKEN_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/${extra}`;

const SIGN_IN_PAGE = `<!doctype html><meta charset="utf-8"><title>Breachline dev session</title>
<h1>Sign this browser in to the dev stack</h1>
<p>Paste a token (an operator's, for the Temporal Web UI's codec). It is kept as an HttpOnly cookie for this host.</p>
<form id="f"><input id="t" type="password" size="60" autocomplete="off" placeholder="bl_…"> <button>Sign in</button></form>
<p id="r"></p>
<script>
document.getElementById('f').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch('/session', { method: 'POST', headers: { authorization: 'Bearer ' + document.getElementById('t').value } });
  document.getElementById('r').textContent = response.ok ? 'Signed in as ' + (await response.json()).name : 'Refused: ' + (await response.json()).error;
});
</script>`;

/** GET /session (a sign-in page), POST /session (bearer token in, cookie out), DELETE /session (cookie cleared). */
export function sessionRoutes(tokens: Tokens) {
  return (app: FastifyInstance) => {
    app.get('/session', async (_request, reply) => reply.type('text/html; charset=utf-8').send(SIGN_IN_PAGE));
    app.post('/session', async (request, reply) => {
      const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const principal = token ? await tokens.verify(token) : undefined;
      if (!token || !principal)
        return reply.code(401).send({ error: 'send a valid token as "Authorization: Bearer <token>"', code: 'BL_UNAUTHORIZED', requestId: request.id });
      return reply.header('set-cookie', cookie(encodeURIComponent(token))).send({ name: principal.name, roles: principal.roles });
    });
    app.delete('/session', async (_request, reply) => reply.header('set-cookie', cookie('', '; Max-Age=0')).code(204).send());
  };
}
