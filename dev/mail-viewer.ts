// The mail sink as a page: newest first, each message readable as plain text. The messages hold recipients' names
// and addresses, so the page needs a token that may read (a manager's or an operator's), as header or session cookie.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import type { Tokens } from '../client/auth';
import { requirePermission } from './session';

export function mailViewer(dir: string, tokens: Tokens) {
  return (app: FastifyInstance) => {
    const preHandler = requirePermission(tokens, 'read');
    app.get('/dev/mail', { preHandler }, async (_request, reply) => {
      const files = existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.endsWith('.eml'))
            .sort()
            .reverse()
        : [];
      const rows = await Promise.all(
        files.slice(0, 500).map(async (f) => {
          const mail = await simpleParser(readFileSync(join(dir, f)));
          const to = [mail.to ?? []]
            .flat()
            .map((a) => a.text)
            .join(', ');
          return `<li><a href="/dev/mail/${encodeURIComponent(f)}">${escapeHtml(mail.subject ?? '(no subject)')}</a> to ${escapeHtml(to)}, ${mail.date?.toISOString() ?? ''}</li>`;
        }),
      );
      return reply.type('text/html').send(`<!doctype html><title>Breachline mail sink</title><h1>Mail sink (${files.length})</h1><ol>${rows.join('')}</ol>`);
    });
    app.get<{ Params: { file: string } }>('/dev/mail/:file', { preHandler }, async (request, reply) => {
      const file = request.params.file;
      if (!/^[\w.-]+\.eml$/.test(file) || !existsSync(join(dir, file)))
        return reply.code(404).send({ error: 'no such message', code: 'BL_NOT_FOUND', requestId: request.id });
      const raw = readFileSync(join(dir, file));
      const mail = await simpleParser(raw);
      const decoded = [
        `Subject: ${mail.subject ?? ''}`,
        `From: ${mail.from?.text ?? ''}`,
        `To: ${[mail.to ?? []]
          .flat()
          .map((a) => a.text)
          .join(', ')}`,
        `Date: ${mail.date?.toISOString() ?? ''}`,
        `Message-ID: ${mail.messageId ?? ''}`,
        '',
        mail.text ?? '',
      ];
      return reply.type('text/plain; charset=utf-8').send((request.query as { raw?: string }).raw ? raw : decoded.join('\n'));
    });
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
