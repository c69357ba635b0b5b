// United States: the federal sector regimes (HIPAA, SEC, NYDFS). The state laws are data in us-states.ts. Day clocks
// count the start day as day 0 ("within 30 days after") and end at the end of the due day.
import type { Facts } from '../facts';
import { applies, defineRulePack, notApplicable } from '../obligations';
import { categoriesIn, hasSector, headCountIn, meets } from './facts-helpers';
import { buildOnce } from '../../built-once';

const once = buildOnce('domain/regimes/united-states');

const DAYS_AFTER = { startDayCounts: false, rollForward: false } as const;

/** 45 CFR 164.400–414: unsecured protected health information of a covered entity or its business associate. */
export const hipaa = once.data(() =>
  defineRulePack({
    regime: 'US-HIPAA',
    name: 'HIPAA Breach Notification Rule',
    zone: 'America/New_York',
    covers: (jurisdiction) => jurisdiction === 'US',
    appliesWhen: (facts) => {
      const role = ['hipaa-covered-entity', 'hipaa-business-associate'].filter((s) => hasSector(facts, s));
      if (role.length === 0) return notApplicable('neither a HIPAA covered entity nor a business associate (sectors)');
      const phi = categoriesIn(facts, 'health');
      if (phi.length === 0) return notApplicable('no protected health information involved (no "health" in dataCategories)');
      if (facts.encrypted) return notApplicable('secured PHI: encrypted per the HHS guidance (45 CFR 164.402; encrypted: true)');
      return applies(`45 CFR 164.402: a breach of unsecured protected health information (sectors: ${role.join(', ')}; dataCategories: health)`);
    },
    rules: [
      {
        id: 'individuals',
        condition: 'a covered entity',
        title: 'Notify each individual',
        recipient: 'individuals',
        kind: 'single',
        citation: '45 CFR 164.404(b)',
        guidance: false,
        start: 'awareness',
        duration: { amount: 60, unit: 'calendar-days' },
        counting: DAYS_AFTER,
        appliesWhen: coveredEntity,
      },
      {
        id: 'media',
        condition: 'more than 500 residents of a state',
        title: 'Notify prominent media outlets in the state',
        recipient: 'media',
        kind: 'single',
        citation: '45 CFR 164.406',
        guidance: false,
        start: 'awareness',
        duration: { amount: 60, unit: 'calendar-days' },
        counting: DAYS_AFTER,
        appliesWhen: (facts) => {
          const role = coveredEntity(facts);
          if (!role.applies) return role;
          const states = facts.jurisdictions.filter((j) => j.startsWith('US-'));
          const tests = (states.length ? states : ['US']).map((j) => ({
            j,
            test: meets(headCountIn(facts, j), (n) => n > 500, `more than 500 residents of ${j}`),
          }));
          const met = tests.filter((t) => t.test.met);
          return met.length
            ? applies(...met.map((t) => `45 CFR 164.406(a): ${t.test.why}`))
            : notApplicable(`no state with more than 500 residents affected (${tests.map((t) => t.test.why).join('; ')})`);
        },
      },
      {
        id: 'hhs',
        condition: '500 or more people',
        title: 'Notify the Secretary of HHS (500 or more people)',
        recipient: 'regulator',
        kind: 'single',
        citation: '45 CFR 164.408(b)',
        guidance: false,
        start: 'awareness',
        duration: { amount: 60, unit: 'calendar-days' },
        counting: DAYS_AFTER,
        appliesWhen: (facts) => {
          const role = coveredEntity(facts);
          if (!role.applies) return role;
          const test = meets(
            { count: facts.affectedCount, source: `affectedCount: ${facts.affectedCount ?? 'unknown'}` },
            (n) => n >= 500,
            '500 or more people',
          );
          return test.met
            ? applies(`45 CFR 164.408(b): ${test.why}`)
            : notApplicable(`fewer than 500 people: logged and reported to HHS after the year ends (${test.why})`);
        },
      },
      {
        id: 'hhs-annual',
        condition: 'fewer than 500 people',
        title: 'Report to HHS in the annual log (fewer than 500 people)',
        recipient: 'regulator',
        kind: 'single',
        citation: '45 CFR 164.408(c)',
        guidance: false,
        start: 'end-of-calendar-year',
        duration: { amount: 60, unit: 'calendar-days' },
        counting: DAYS_AFTER,
        appliesWhen: (facts) => {
          const role = coveredEntity(facts);
          if (!role.applies) return role;
          return facts.affectedCount !== undefined && facts.affectedCount < 500
            ? applies(`45 CFR 164.408(c): fewer than 500 people (affectedCount: ${facts.affectedCount})`)
            : notApplicable('500 or more people, or the count is unknown: HHS is notified with the individuals (164.408(b))');
        },
      },
      {
        id: 'covered-entity',
        condition: 'a business associate',
        title: 'Notify the covered entity',
        recipient: 'covered-entity',
        kind: 'single',
        citation: '45 CFR 164.410(b)',
        guidance: false,
        start: 'awareness',
        duration: { amount: 60, unit: 'calendar-days' },
        counting: DAYS_AFTER,
        appliesWhen: (facts) =>
          hasSector(facts, 'hipaa-business-associate')
            ? applies('45 CFR 164.410: a business associate notifies its covered entity (sectors: hipaa-business-associate)')
            : notApplicable('not a business associate'),
      },
    ],
  }),
);

function coveredEntity(facts: Facts) {
  return hasSector(facts, 'hipaa-covered-entity') ? applies() : notApplicable('a business associate: the covered entity gives this notice (164.410)');
}

/** Form 8-K Item 1.05: a material cybersecurity incident, four business days after the materiality determination. */
export const sec = once.data(() =>
  defineRulePack({
    regime: 'US-SEC',
    name: 'SEC Form 8-K Item 1.05',
    zone: 'America/New_York',
    covers: () => false,
    appliesWhen: (facts) =>
      hasSector(facts, 'sec-registrant')
        ? applies('Form 8-K Item 1.05: an SEC registrant (sectors: sec-registrant)')
        : notApplicable('not an SEC registrant (no "sec-registrant" in sectors)'),
    rules: [
      {
        id: 'form-8-k',
        title: 'File Form 8-K Item 1.05',
        recipient: 'regulator',
        kind: 'single',
        citation: 'Form 8-K General Instruction B.1, Item 1.05; 17 CFR 229.106',
        guidance: false,
        start: 'materiality-determination',
        duration: { amount: 4, unit: 'business-days' },
        counting: { startDayCounts: false, rollForward: false, calendar: 'US-federal' },
      },
    ],
  }),
);

/** 23 NYCRR 500.17(a): 72 hours after determining that a cybersecurity incident occurred. */
export const nydfs = once.data(() =>
  defineRulePack({
    regime: 'US-NYDFS',
    name: 'NYDFS Cybersecurity Regulation (23 NYCRR 500)',
    zone: 'America/New_York',
    covers: () => false,
    appliesWhen: (facts) =>
      hasSector(facts, 'nydfs-covered')
        ? applies('23 NYCRR 500.17(a): a covered entity (sectors: nydfs-covered)')
        : notApplicable('not an NYDFS covered entity (no "nydfs-covered" in sectors)'),
    rules: [
      {
        id: 'superintendent',
        title: 'Notify the Superintendent',
        recipient: 'regulator',
        kind: 'notification',
        citation: '23 NYCRR 500.17(a)(1)',
        guidance: false,
        start: 'determination',
        duration: { amount: 72, unit: 'hours' },
      },
    ],
  }),
);
