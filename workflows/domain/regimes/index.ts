// Every regime Breachline computes, in the order obligations are listed.
import type { Facts } from '../facts';
import { type AssessOptions, type Assessment, assessWith, type RulePack } from '../obligations';
import { dpdp, lgpd, ndb, pdpa, pipa, pipeda, pipl } from './asia-pacific-americas';
import { dora, gdpr, nis2, ukGdpr } from './europe';
import { appi, fsa, mhlw } from './japan';
import { california, colorado, florida, hipaa, nydfs, sec, texas, washington } from './united-states';

export const RULE_PACKS: readonly RulePack[] = [
  appi,
  fsa,
  mhlw,
  gdpr,
  ukGdpr,
  nis2,
  dora,
  hipaa,
  sec,
  nydfs,
  colorado,
  florida,
  washington,
  texas,
  california,
  pipa,
  pdpa,
  ndb,
  lgpd,
  dpdp,
  pipl,
  pipeda,
];

/** Every obligation the facts give rise to under every regime, each with why and how its due instant was counted. */
export function assess(facts: Facts, options: AssessOptions = {}): Assessment {
  return assessWith(RULE_PACKS, facts, options);
}
