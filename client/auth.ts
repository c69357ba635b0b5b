// API tokens and roles. A token is 32 random bytes shown once; the store keeps only its SHA-256 (a token has
// full entropy, so a fast hash is enough and a lookup is one indexed read). Each token names a person or system,
// whose name is the identity recorded in the workflow for every approval made with it.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Store } from '../activities/store';
import { InvalidInput, parseOrExplain } from '../workflows/domain/facts';
import { sameIdentity } from '../workflows/domain/identity';
import { Line } from '../workflows/domain/text';

export const Role = z.enum(['detector', 'operator', 'manager']);
export type Role = z.infer<typeof Role>;

/** What each role may do: detectors start breaches; operators feed facts and approve; managers and operators read. */
export const PERMISSIONS = {
  start: ['detector', 'operator'],
  operate: ['operator'],
  read: ['manager', 'operator'],
  /** Recording a playbook task: the task itself says which of these may (counsel's review: a manager). */
  record: ['operator', 'manager'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

/** The roles that grant a permission, for messages: "manager or operator". */
export const permissionRoles = (permission: Permission): string => PERMISSIONS[permission].join(' or ');

export interface Principal {
  name: string;
  roles: Role[];
  /** Signed in with the identity provider: its issuer and subject ("<iss>#<sub>"), who this is for four eyes. */
  subject?: string;
}

/** Who acts, as the workflow records it: the name, and the provider's subject when signed in with SSO. */
export const actorOf = (principal: Principal): { id: string; subject?: string } => ({
  id: principal.name,
  ...(principal.subject ? { subject: principal.subject } : {}),
});

const TOKEN_PREFIX = 'bl_';
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export const TokenRequest = z.strictObject({
  name: Line(128).describe('who holds the token: a person (e-mail) or a system ("splunk")'),
  roles: z.array(Role).min(1),
});

export class Tokens {
  constructor(private readonly store: Store) {}

  /**
   * Issues a token and returns it; it cannot be read back later. A name that is an existing holder's but for case,
   * blanks, compatibility forms or invisible characters is that holder: under other roles it is refused, or four
   * eyes could be one person with two tokens.
   */
  async issue(name: string, roles: Role[]): Promise<string> {
    const request = parseOrExplain(TokenRequest, { name, roles }, 'token request');
    const wanted = [...new Set(request.roles)].sort().join(',');
    const twin = (await this.store.tokens.all()).find(
      (t) => !t.revoked_at && sameIdentity(t.name, request.name) && [...new Set(t.roles)].sort().join(',') !== wanted,
    );
    if (twin) {
      throw new InvalidInput('token request', [
        {
          field: 'name',
          message: `"${request.name}" is the holder "${twin.name}" (${twin.roles.join(', ')}); one person holds one set of roles: revoke theirs first, or issue under that set`,
        },
      ]);
    }
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    await this.store.tokens.insert(hash(token), request.name, [...new Set(request.roles)]);
    return token;
  }

  async verify(token: string): Promise<Principal | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    // Looked up by hash: the timing of the lookup says nothing about the token, only about its digest.
    const row = await this.store.tokens.find(hash(token));
    if (!row || row.revoked_at) return undefined;
    return { name: row.name, roles: row.roles.filter((r): r is Role => Role.safeParse(r).success) };
  }

  revoke(name: string): Promise<number> {
    return this.store.tokens.revoke(name);
  }
}

export function allows(principal: Principal, permission: Permission): boolean {
  return principal.roles.some((role) => (PERMISSIONS[permission] as readonly Role[]).includes(role));
}
