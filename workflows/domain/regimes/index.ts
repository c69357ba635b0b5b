// Every regime Breachline computes, in the order obligations are listed.
import type { Facts } from '../facts';
import { type AssessOptions, type Assessment, assessWith, type RulePack, validateRulePacks } from '../obligations';
import { dpdp, lgpd, ndb, pdpa, pipa, pipeda, pipl } from './asia-pacific-americas';
import { EDITION_1_PACKS } from './edition-1';
import { dora, gdpr, nis2, ukGdpr } from './europe';
import { appi, fsa, mhlw } from './japan';
import { MORE_COUNTRY_PACKS } from './more-countries';
import { hipaa, nydfs, sec } from './united-states';
import { checkStateLaw, STATE_LAWS, US_STATE_PACKS } from './us-states';

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
  ...US_STATE_PACKS,
  pipa,
  pdpa,
  ndb,
  lgpd,
  dpdp,
  pipl,
  pipeda,
  ...MORE_COUNTRY_PACKS,
];

/**
 * The editions of the rule packs: a breach replays each past reassessment with the edition it was made with, so its
 * recorded clocks stay what they were (workflows/breach/response.ts). Edition 2 added every US state and territory
 * and fifteen countries and provinces, and corrected packs against the laws as amended.
 */
export const EDITIONS = { 1: EDITION_1_PACKS, 2: RULE_PACKS } as const;
export type Edition = keyof typeof EDITIONS;
export const CURRENT_EDITION: Edition = 2;

/** Every obligation the facts give rise to under every regime, each with why and how its due instant was counted. */
export function assess(facts: Facts, options: AssessOptions = {}, edition: Edition = CURRENT_EDITION): Assessment {
  return assessWith(EDITIONS[edition], facts, options);
}

/**
 * Validates every table and rule pack of every edition against its schema, once per process: the worker at start,
 * and the tests (a breach workflow does not, see defineRulePack). Throws naming the table or pack and the field.
 */
export function validateRuleTables(): void {
  STATE_LAWS.forEach(checkStateLaw);
  validateRulePacks();
}
