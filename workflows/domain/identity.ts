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
