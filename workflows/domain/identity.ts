// Who someone is, for four eyes: two names are one person when they differ only in how they were typed. Pure.
/**
 * An identity as compared: Unicode compatibility forms folded (NFKC: full-width letters, ligatures), invisible
 * characters removed (zero-width spaces and joiners, soft hyphens, other default-ignorable code points), surrounding
 * blanks trimmed and case folded. `Alice@Example.com ` and `alice@example.com` are one approver.
 */
export function identityKey(name: string): string {
  return name
    .normalize('NFKC')
    .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
    .trim()
    .toLowerCase()
    .normalize('NFKC');
}

export const sameIdentity = (a: string, b: string): boolean => identityKey(a) === identityKey(b);

/**
 * Whether two approvers are one person, for four eyes. Both signed in with the identity provider: the same issuer
 * and subject (OpenID Connect Core §2: `sub` is unique and never reassigned within an issuer, and case-sensitive),
 * whatever their display names. Otherwise by name, as sameIdentity.
 */
export function sameApprover(a: { id: string; subject?: string }, b: { id: string; subject?: string }): boolean {
  if (a.subject !== undefined && b.subject !== undefined) return a.subject === b.subject;
  return sameIdentity(a.id, b.id);
}
