// The dashboard: static files served by the API process, no build step. The page talks to the same API with the
// token the user pastes in (kept in the browser's localStorage), so it can do exactly what that token's roles allow.
// Its words come from the operator interface's catalogue (activities/i18n), formatted in the browser by the same
// ICU library the server uses, in the language the browser asks for or the user picked.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { CATALOGUES, isLang, localTitles, negotiate } from '../activities/i18n';
import { InvalidInput } from '../workflows/domain/facts';

// Scripts from this origin only: detection summaries are shown as text, never as markup. Inline styles are allowed
// because a report opened from the dashboard (a blob: document) inherits this policy and carries its own stylesheet.
const POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'";

/** intl-messageformat's self-contained ES module build, without its source-map comment (the map is not shipped). */
function messageFormatModule(): Buffer {
  const entry = createRequire(import.meta.url).resolve('intl-messageformat');
  const source = readFileSync(join(dirname(entry), 'intl-messageformat.iife.js'), 'utf8');
  return Buffer.from(source.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n'));
}

const FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/dashboard/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/dashboard/style.css': ['style.css', 'text/css; charset=utf-8'],
  '/dashboard/register.js': ['register.js', 'text/javascript; charset=utf-8'],
} as const;

export function registerDashboard(app: FastifyInstance): void {
  const serve = (path: string, type: string, body: Buffer) =>
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.type(type).header('cache-control', 'no-cache').header('content-security-policy', POLICY).send(body),
    );
  for (const [path, [file, type]] of Object.entries(FILES)) serve(path, type, readFileSync(new URL(`./dashboard/${file}`, import.meta.url)));
  serve('/dashboard/intl-messageformat.js', 'text/javascript; charset=utf-8', messageFormatModule());
  // The catalogue for ?lang=ja|en (the user's own choice), else for the browser's Accept-Language. No token needed:
  // the sign-in form is worded from it too, and it holds no data.
  app.get('/dashboard/messages.json', { schema: { hide: true } }, async (request, reply) => {
    const asked = (request.query as { lang?: unknown }).lang;
    if (asked !== undefined && !isLang(asked)) throw new InvalidInput('dashboard messages', [{ field: 'lang', message: 'ja or en' }]);
    const lang = asked ?? negotiate(request.headers['accept-language']);
    return reply
      .header('cache-control', 'no-cache')
      .header('vary', 'accept-language')
      .send({ lang, messages: CATALOGUES[lang], titles: Object.fromEntries(localTitles(lang)) });
  });
}
