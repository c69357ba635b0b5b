// Breach ids: derived from what identifies a detection, so a detection sent twice maps to one breach, yet revealing
// nothing of it. An event id can be a person's e-mail address and a source a customer's name: a workflow id is shown
// in the Web UI, in every log line and in visibility, unencrypted, so it is a keyed hash (HMAC-SHA-256), not a slug.
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseKey } from '../worker/codec';

/**
 * The shape of a breach id, this format's and the readable one before it (`breach-<source>-<event>-<hash>`): never a
 * slash, so a campaign's id (`<breach id>/campaign-1`) or any other workflow's is not taken for a breach.
 */
export const isBreachId = (id: string): boolean => /^breach-[A-Za-z0-9._-]{1,280}$/.test(id);

export class BreachIds {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the breach-id key must be at least 32 bytes');
  }

  /** For tests and one-process tools only: ids from another process's key will not match. */
  static ephemeral(): BreachIds {
    return new BreachIds(randomBytes(32));
  }

  /** The exact (source, eventId) pair: `Acme/DLP` and `Acme DLP` are two sources. */
  forDetection(source: string, eventId: string): string {
    return `breach-${this.digest(['detection', source, eventId])}`;
  }

  /** The breach that detections with this correlation key join while it is open. */
  forCorrelation(correlationKey: string): string {
    return `breach-${this.digest(['correlation', correlationKey])}`;
  }

  private digest(parts: string[]): string {
    // Length-prefixed, so no choice of parts can collide with another by moving a separator.
    const hmac = createHmac('sha256', this.key);
    for (const part of parts) hmac.update(`${Buffer.byteLength(part)}:${part}`);
    return hmac.digest('hex').slice(0, 32);
  }
}

/**
 * The key from BREACHLINE_ID_KEY (base64, 32 bytes; every API replica and CLI must share it), else from the data
 * folder, made there once for a development setup.
 */
export function loadBreachIds(options: { key?: string; devKeyFile: string }): BreachIds {
  if (options.key) return new BreachIds(parseKey(options.key, 'BREACHLINE_ID_KEY'));
  if (!existsSync(options.devKeyFile)) {
    mkdirSync(dirname(options.devKeyFile), { recursive: true });
    try {
      writeFileSync(options.devKeyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process made it first: use theirs
    }
  }
  return new BreachIds(parseKey(readFileSync(options.devKeyFile, 'utf8'), options.devKeyFile));
}
