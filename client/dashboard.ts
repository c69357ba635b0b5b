// The dashboard: static files served by the API process, no build step. The page talks to the same API with the
// token the user pastes in (kept in the browser's localStorage), so it can do exactly what that token's roles allow.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/dashboard/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/dashboard/style.css': ['style.css', 'text/css; charset=utf-8'],
  '/dashboard/register.js': ['register.js', 'text/javascript; charset=utf-8'],
} as const;

export function registerDashboard(app: FastifyInstance): void {
  for (const [path, [file, type]] of Object.entries(FILES)) {
    const body = readFileSync(new URL(`./dashboard/${file}`, import.meta.url));
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type(type)
        .header('cache-control', 'no-cache')
        // Scripts and styles from this origin only: detection summaries are shown as text, never as markup.
        .header('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'")
        .send(body),
    );
  }
}
