// The damage estimate: the JNSA damage-operation model ("JO model", JNSA Survey Report on Information Security
// Incidents, personal-information leak edition), expected compensation per person and in total. Pure; shown in
// the status with every input so a reader can check it, and recomputed whenever the facts change.
import type { DataCategory, Facts } from './facts';
import type { CostHead, Insurer } from './stages';

/**
 * The simplified EP diagram as data: each category's mental-distress level x and economic-loss level y (1–3), as
 * JNSA defines them: 10^(x−1) weighs mental distress, 5^(y−1) economic loss. (Card numbers: x=1, y=3; medical
 * records and beliefs: x=3, y=1; ISP or passport data: x=1, y=2.)
 */
export const EP_DIAGRAM: Readonly<Record<DataCategory, { x: 1 | 2 | 3; y: 1 | 2 | 3 }>> = {
  name: { x: 1, y: 1 },
  email: { x: 1, y: 1 },
  address: { x: 1, y: 1 },
  phone: { x: 1, y: 1 },
  other: { x: 1, y: 1 },
  credentials: { x: 1, y: 2 },
  government_id: { x: 1, y: 2 },
  bank_credentials: { x: 1, y: 3 },
  payment_card: { x: 1, y: 3 },
  sensitive: { x: 3, y: 1 },
  health: { x: 3, y: 1 },
  // JNSA places date of birth with name and address; identity numbers (passport, tax id) with ISP or passport data.
  date_of_birth: { x: 1, y: 1 },
  passport: { x: 1, y: 2 },
  tax_id: { x: 1, y: 2 },
  // A health insurance number opens medical-identity fraud but reveals no condition: economic, like an ID number.
  health_insurance: { x: 1, y: 2 },
  // Genetic data is medical history in JNSA's terms.
  genetic: { x: 3, y: 1 },
  // Not on JNSA's diagram. Breachline's placement: a template cannot be reissued (distress 2) and unlocks
  // accounts and devices (loss 2), between an ID number and a medical history.
  biometric: { x: 2, y: 2 },
};

export const BASE_VALUE_YEN = 500;
/** Sectors whose organisations carry a high social responsibility in the model (finance, healthcare and the like). */
const HIGH_RESPONSIBILITY = [
  'finance',
  'healthcare',
  'hipaa-covered-entity',
  'sec-registrant',
  'nydfs-covered',
  'dora-entity',
  'nis2-entity',
  'glba-financial-institution',
  'critical-information-infrastructure',
];

export interface DamageEstimate {
  model: string;
  perPersonYen: number;
  totalYen: number | null;
  inputs: {
    baseValueYen: number;
    mentalDistress: number;
    economicLoss: number;
    sensitivity: number;
    identifiability: 1 | 3 | 6;
    socialResponsibility: 1 | 2;
    response: 1 | 2;
    affectedCount: number | null;
  };
  why: string[];
  /** The consolation gesture issued so far (お詫びの品・見舞金): its cost is the company's, apart from the compensation. */
  consolation?: { gestures: ConsolationGesture[]; totalYen: number };
  /** For each insurer in the policy, the heads of this breach's cost its policy may cover. */
  coverage?: { insurer: string; heads: CostHead[] }[];
}

/** What the breach adds to the model: the gesture issued, and the insurers of the policy. */
export interface ConsolationGesture {
  gesture: string;
  valueYen: number;
  /** The people the campaign carrying it covers: each receives it once. */
  people: number;
  /** Those it has reached so far (sent with their notice). */
  issued: number;
}

export interface DamageExtras {
  consolation?: readonly ConsolationGesture[];
  insurers?: readonly Insurer[];
}

/**
 * Expected compensation = 500 × (10^(x−1) + 5^(y−1)) × identifiability × social responsibility × response.
 * `responseAppropriate` is false when the breach's own record shows a missed deadline.
 */
export function estimateDamage(facts: Facts, responseAppropriate: boolean, extras: DamageExtras = {}): DamageEstimate {
  const categories = facts.dataCategories.length ? facts.dataCategories : (['other'] as DataCategory[]);
  const x = Math.max(...categories.map((c) => EP_DIAGRAM[c].x));
  const y = Math.max(...categories.map((c) => EP_DIAGRAM[c].y));
  const sensitivity = 10 ** (x - 1) + 5 ** (y - 1);
  const has = (c: DataCategory) => facts.dataCategories.includes(c);
  // JNSA: 6 when name and address leaked together; 3 for a name, or an address with a phone number; else 1.
  const identifiability = has('name') && has('address') ? 6 : has('name') || (has('address') && has('phone')) ? 3 : 1;
  const high = facts.sectors.filter((s) => HIGH_RESPONSIBILITY.includes(s));
  const socialResponsibility = high.length ? 2 : 1;
  const response = responseAppropriate ? 1 : 2;
  const perPersonYen = BASE_VALUE_YEN * sensitivity * identifiability * socialResponsibility * response;
  const affectedCount = facts.affectedCount ?? null;
  return {
    model: 'JNSA damage-operation model (JO model)',
    perPersonYen,
    totalYen: affectedCount === null ? null : perPersonYen * affectedCount,
    inputs: { baseValueYen: BASE_VALUE_YEN, mentalDistress: x, economicLoss: y, sensitivity, identifiability, socialResponsibility, response, affectedCount },
    why: [
      `sensitivity ${sensitivity} = 10^(${x}-1) + 5^(${y}-1): the most sensitive items leaked (${categories.join(', ')}) on the EP diagram`,
      `identifiability ${identifiability}: ${identifiability === 6 ? 'name and address' : identifiability === 3 ? 'identifiable with some effort (a name, or an address with a phone number)' : 'hard to identify'}`,
      `social responsibility ${socialResponsibility}: ${high.length ? `high (sectors: ${high.join(', ')})` : 'ordinary'}`,
      `response ${response}: ${responseAppropriate ? 'appropriate, or not yet known (JNSA counts unknown as 1)' : 'inappropriate: a legal deadline was missed'}`,
      affectedCount === null ? 'total unknown until affectedCount is known' : `total = per person × ${affectedCount} people`,
    ],
    ...(extras.consolation?.length
      ? { consolation: { gestures: [...extras.consolation], totalYen: extras.consolation.reduce((n, g) => n + g.valueYen * g.people, 0) } }
      : {}),
    ...(extras.insurers?.length ? { coverage: coverageOf(extras.insurers, (extras.consolation?.length ?? 0) > 0) } : {}),
  };
}

/** Heads every breach runs up (compensation, notices, the desk, counsel, forensics, PR); consolation only where given. */
const BREACH_HEADS: readonly CostHead[] = ['liability', 'notification', 'contact-desk', 'legal', 'forensics', 'pr', 'business-interruption'];

function coverageOf(insurers: readonly Insurer[], consolation: boolean): { insurer: string; heads: CostHead[] }[] {
  const heads = consolation ? [...BREACH_HEADS, 'consolation' as const] : BREACH_HEADS;
  return insurers.map((i) => ({ insurer: i.name, heads: heads.filter((h) => i.covers.includes(h)) }));
}
