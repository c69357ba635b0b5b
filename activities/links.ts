// Signed single-use links in escalation mails: "acknowledge" and "snooze" without an API token. A link is an
// HMAC-SHA-256 over the breach, the escalation, the action, who it was mailed to and when it expires, with a key every
// worker and API replica shares (BREACHLINE_LINK_KEY); the API records each link's use in the store, so it acts once.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/** How long a link in a mail can be used. */
export const LINK_TTL_HOURS = 24;
/** How long "snooze" in a mail snoozes; the policy's bound and the deadline cap it. */
export const LINK_SNOOZE_MINUTES = 240;

export const LinkClaim = z.strictObject({
  breachId: z.string().min(1).max(300),
  escalationId: z.string().min(1).max(160),
  action: z.enum(['acknowledge', 'snooze']),
  snoozeMinutes: z.number().int().min(1).optional(),
  /** Who the mail went to: the identity the answer is recorded with. */
  recipient: z.string().min(1).max(128),
  /** Epoch ms. */
  expiresAt: z.number().int(),
});
export type LinkClaim = z.infer<typeof LinkClaim>;

/** A link that cannot act: forged or damaged (`invalid`), or too old (`expired`). Used links are the store's to tell. */
export class LinkRefused extends Error {
  constructor(
    readonly reason: 'invalid' | 'expired',
    message: string,
  ) {
    super(message);
    this.name = 'LinkRefused';
  }
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class EscalationLinks {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the link key must be at least 32 bytes');
  }

  static ephemeral(): EscalationLinks {
    return new EscalationLinks(randomBytes(32));
  }

  /** A token for the claim: its fields in base64url JSON, a dot, the HMAC of that text. */
  sign(claim: LinkClaim): string {
    const body = b64url(JSON.stringify(LinkClaim.parse(claim)));
    return `${body}.${this.mac(body)}`;
  }

  /** The claim of a genuine, unexpired token; LinkRefused otherwise. */
  verify(token: string, now: number): LinkClaim {
    const [body, mac, ...rest] = token.split('.');
    if (!body || !mac || rest.length) throw new LinkRefused('invalid', 'the link is damaged: copy the whole link from the mail');
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new LinkRefused('invalid', 'the link is not genuine: it was not signed with the link key of this deployment');
    const claim = LinkClaim.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    if (now >= claim.expiresAt)
      throw new LinkRefused('expired', `the link expired at ${new Date(claim.expiresAt).toISOString()}: answer the escalation in Breachline instead`);
    return claim;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(`breachline-escalation-link:${body}`).digest('base64url');
  }
}

/** What the store keeps of a used link: its digest, never the link. */
export const linkDigest = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * The key from BREACHLINE_LINK_KEY (base64, 32 bytes; every worker and API replica must share it), else from the
 * data folder, made there once for a development setup.
 */
export function loadLinkKey(options: { key?: string; devKeyFile: string }): EscalationLinks {
  const parse = (base64: string, name: string) => {
    const key = Buffer.from(base64.trim(), 'base64');
    if (key.length !== 32) throw new Error(`${name} must be 32 bytes in base64 (openssl rand -base64 32); it decodes to ${key.length} bytes`);
    return new EscalationLinks(key);
  };
  if (options.key) return parse(options.key, 'BREACHLINE_LINK_KEY');
  if (!existsSync(options.devKeyFile)) {
    mkdirSync(dirname(options.devKeyFile), { recursive: true });
    try {
      writeFileSync(options.devKeyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return parse(readFileSync(options.devKeyFile, 'utf8'), options.devKeyFile);
}
