// Europe: the GDPR and the UK GDPR (same articles, two supervisors), NIS2 and DORA. GDPR clocks run in hours from
// awareness, so the zone only decides how instants are shown: the controller's establishment, by default Brussels.
import type { Facts } from '../facts';
import { applies, defineRulePack, notApplicable, type RulePack, type Verdict } from '../obligations';
import { country, EEA_STATES, hasSector } from './facts-helpers';
import { buildOnce } from '../../built-once';

const once = buildOnce('domain/regimes/europe');

const inEea = (jurisdiction: string) => EEA_STATES.includes(country(jurisdiction));
const inUk = (jurisdiction: string) => country(jurisdiction) === 'GB';

function gdprPack(regime: 'EU-GDPR' | 'UK-GDPR', law: string, zone: string, covers: (j: string) => boolean, supervisor: string): RulePack {
  const cite = (article: string) => `${law} ${article}`;
  const controller = (facts: Facts): Verdict =>
    facts.processor ? notApplicable(`a processor notifies its controller, who makes this notice (${cite('Art. 33(2)')}; processor: true)`) : applies();
  return defineRulePack({
    regime,
    name: law,
    zone,
    covers,
    appliesWhen: (facts) => {
      const where = facts.jurisdictions.filter(covers);
      if (where.length === 0) return notApplicable(`no jurisdiction where the ${law} applies`);
      return applies(`${law} applies: a personal data breach involving ${where.join(', ')} (jurisdictions)`);
    },
    rules: [
      {
        id: 'supervisory-authority',
        condition: 'not assessed unlikely to result in a risk',
        title: `Notify the supervisory authority (${supervisor})`,
        recipient: 'regulator',
        kind: 'notification',
        citation: cite('Art. 33(1), 33(3)-(4)'),
        guidance: false,
        start: 'awareness',
        duration: { amount: 72, unit: 'hours' },
        appliesWhen: (facts) => {
          const role = controller(facts);
          if (!role.applies) return role;
          if (facts.riskUnlikely)
            return notApplicable(
              `assessed unlikely to result in a risk to people (${cite('Art. 33(1)')}; riskUnlikely: true); record it in the breach register (Art. 33(5))`,
            );
          return applies(`${cite('Art. 33(1)')}: not assessed unlikely to result in a risk (riskUnlikely is not true)`);
        },
      },
      {
        id: 'data-subjects',
        condition: 'high risk',
        title: 'Tell the people affected',
        recipient: 'individuals',
        kind: 'single',
        citation: cite('Art. 34'),
        // "Without undue delay": no hours in the law or guidance. Internal target: with the supervisory notice.
        guidance: true,
        internalTarget: true,
        start: 'awareness',
        duration: { amount: 72, unit: 'hours' },
        appliesWhen: (facts) => {
          const role = controller(facts);
          if (!role.applies) return role;
          if (!facts.highRisk) return notApplicable(`no high risk to people established (${cite('Art. 34(1)')}; set highRisk: true when it is)`);
          if (facts.encrypted) return notApplicable(`the data is unintelligible to anyone not authorised (${cite('Art. 34(3)(a)')}; encrypted: true)`);
          return applies(`${cite('Art. 34(1)')}: likely to result in a high risk to people (highRisk: true)`);
        },
      },
      {
        id: 'controller',
        condition: 'a processor',
        title: 'Notify the controller',
        recipient: 'controller',
        kind: 'single',
        citation: cite('Art. 33(2)'),
        // "Without undue delay": internal target 24 hours, so the controller keeps most of its own 72.
        guidance: true,
        internalTarget: true,
        start: 'awareness',
        duration: { amount: 24, unit: 'hours' },
        appliesWhen: (facts) =>
          facts.processor
            ? applies(`${cite('Art. 33(2)')}: the organisation is a processor (processor: true)`)
            : notApplicable('the organisation is the controller (processor is not true)'),
      },
    ],
  });
}

export const gdpr = once.data(() => gdprPack('EU-GDPR', 'GDPR', 'Europe/Brussels', inEea, 'lead supervisory authority'));
export const ukGdpr = once.data(() => gdprPack('UK-GDPR', 'UK GDPR', 'Europe/London', inUk, 'ICO'));

/** NIS2 Art. 23(4): essential and important entities, significant incidents. */
export const nis2 = once.data(() =>
  defineRulePack({
    regime: 'EU-NIS2',
    name: 'NIS2 Directive (EU) 2022/2555',
    zone: 'Europe/Brussels',
    covers: () => false,
    appliesWhen: (facts) => {
      // A trust service provider is an essential or important entity whatever its size (NIS2 Art. 2(2)(b), Annex I).
      const entity = ['nis2-entity', 'trust-service-provider'].filter((s) => hasSector(facts, s));
      if (entity.length === 0) return notApplicable('not an essential or important entity (no "nis2-entity" or "trust-service-provider" in sectors)');
      if (facts.significantIncident === false) return notApplicable('not a significant incident (NIS2 Art. 23(3); significantIncident: false)');
      const significance = facts.significantIncident
        ? 'a significant incident (significantIncident: true)'
        : 'significance not yet assessed: counted as significant until significantIncident is set';
      return applies(`NIS2 Art. 23(1): an essential or important entity (sectors: ${entity.join(', ')}), ${significance}`);
    },
    rules: [
      {
        id: 'early-warning',
        title: 'Early warning to the CSIRT or competent authority',
        recipient: 'regulator',
        kind: 'early-warning',
        citation: 'NIS2 Art. 23(4)(a)',
        guidance: false,
        start: 'awareness',
        duration: { amount: 24, unit: 'hours' },
      },
      {
        id: 'incident-notification',
        title: 'Incident notification to the CSIRT or competent authority',
        recipient: 'regulator',
        kind: 'notification',
        citation: 'NIS2 Art. 23(4)(b)',
        guidance: false,
        start: 'awareness',
        duration: { amount: 72, unit: 'hours' },
        durationWhen: [
          {
            when: (facts) =>
              hasSector(facts, 'trust-service-provider')
                ? applies('NIS2 Art. 23(4)(b): 24 hours for a trust service provider (sectors: trust-service-provider)')
                : notApplicable('not a trust service provider'),
            duration: { amount: 24, unit: 'hours' },
          },
        ],
      },
      {
        id: 'final-report',
        title: 'Final report',
        recipient: 'regulator',
        kind: 'final',
        citation: 'NIS2 Art. 23(4)(d)',
        guidance: false,
        start: { after: 'incident-notification' },
        duration: { amount: 1, unit: 'months' },
        counting: { startDayCounts: false, rollForward: false },
      },
    ],
  }),
);

/** DORA Art. 19 and the RTS/ITS on incident reporting: major ICT-related incidents of financial entities. */
export const dora = once.data(() =>
  defineRulePack({
    regime: 'EU-DORA',
    name: 'Digital Operational Resilience Act, Regulation (EU) 2022/2554',
    zone: 'Europe/Brussels',
    covers: () => false,
    appliesWhen: (facts) => {
      if (!hasSector(facts, 'dora-entity')) return notApplicable('not a financial entity under DORA (no "dora-entity" in sectors)');
      return applies('DORA Art. 19(1): a financial entity (sectors: dora-entity) reports major ICT-related incidents');
    },
    rules: [
      {
        id: 'initial-notification',
        title: 'Initial notification to the competent authority',
        recipient: 'regulator',
        kind: 'notification',
        citation: 'DORA Art. 19(4)(a); Delegated Regulation (EU) 2025/301 Art. 5(1)',
        guidance: false,
        // 4 hours from classification as major, and no later than 24 hours from awareness. No weekend relief is
        // modelled: the earlier instant is the safe one.
        start: 'classification-as-major',
        duration: { amount: 4, unit: 'hours' },
        notLaterThan: { start: 'awareness', duration: { amount: 24, unit: 'hours' } },
      },
      {
        id: 'intermediate-report',
        title: 'Intermediate report',
        recipient: 'regulator',
        kind: 'intermediate',
        citation: 'DORA Art. 19(4)(b); Delegated Regulation (EU) 2025/301 Art. 5(2)',
        guidance: false,
        start: { after: 'initial-notification' },
        duration: { amount: 72, unit: 'hours' },
      },
      {
        id: 'final-report',
        title: 'Final report',
        recipient: 'regulator',
        kind: 'final',
        citation: 'DORA Art. 19(4)(c); Delegated Regulation (EU) 2025/301 Art. 5(3)',
        guidance: false,
        start: { after: 'intermediate-report' },
        duration: { amount: 1, unit: 'months' },
        counting: { startDayCounts: false, rollForward: false },
      },
    ],
  }),
);
