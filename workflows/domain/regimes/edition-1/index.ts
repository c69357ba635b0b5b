// Edition 1 of the rule packs, frozen as they were before every US state and fifteen more countries were added.
// Breaches started before edition 2 replay their past reassessments with these packs (patched('rule-packs-2') in
// workflows/breach/response.ts) so their recorded clocks stay what they were; their next reassessment uses edition 2.
// Do not edit: a change here breaks the replay of those histories.
import type { RulePack } from '../../obligations';
import { dpdp, lgpd, ndb, pdpa, pipa, pipeda, pipl } from './asia-pacific-americas';
import { dora, gdpr, nis2, ukGdpr } from './europe';
import { appi, fsa, mhlw } from './japan';
import { california, colorado, florida, hipaa, nydfs, sec, texas, washington } from './united-states';

export const EDITION_1_PACKS: readonly RulePack[] = [
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
