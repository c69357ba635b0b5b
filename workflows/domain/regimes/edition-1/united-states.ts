// Edition 1, frozen (see index.ts).
// United States: federal sector regimes (HIPAA, SEC, NYDFS) and the state breach laws with fixed day counts. Day
// clocks count the start day as day 0 ("within 30 days after") and end at the end of the due day in the state's zone.
import type { Facts } from '../../facts';
import { applies, defineRulePack, notApplicable, type RulePack } from '../../obligations';
import { categoriesIn, hasSector, headCountIn, meets } from './facts-helpers';
import { buildOnce } from '../../../built-once';

const once = buildOnce('domain/regimes/edition-1/united-states');

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

interface StateLaw {
  regime: 'US-CO' | 'US-FL' | 'US-WA' | 'US-TX' | 'US-CA';
  name: string;
  zone: string;
  /** When each clock starts: determination of the breach, or its discovery (awareness). */
  start: 'determination' | 'awareness';
  residents: { days: number; citation: string } | { internalTargetDays: number; citation: string };
  attorneyGeneral: { citation: string; threshold: string; test: (n: number) => boolean; days?: number };
}

/** Personal information under the state laws: a name with one of these (each law's definition; all cover these). */
const STATE_CATEGORIES = ['government_id', 'payment_card', 'bank_credentials', 'credentials', 'health'] as const;

function statePack(law: StateLaw): RulePack {
  const state = law.regime;
  const clock = (days: number) => ({ start: law.start, duration: { amount: days, unit: 'calendar-days' as const }, counting: DAYS_AFTER });
  const residentsClock =
    'days' in law.residents
      ? { ...clock(law.residents.days), guidance: false }
      : // "The most expedient time possible": no days in the law; Breachline's internal target.
        { ...clock(law.residents.internalTargetDays), guidance: true, internalTarget: true };
  return defineRulePack({
    regime: state,
    name: law.name,
    zone: law.zone,
    covers: (jurisdiction) => jurisdiction === state,
    appliesWhen: (facts) => {
      const resident = facts.jurisdictions.includes(state) || (facts.affectedByJurisdiction?.[state] ?? 0) > 0;
      if (!resident) return notApplicable(`no ${state} in jurisdictions`);
      const categories = categoriesIn(facts, ...STATE_CATEGORIES);
      if (categories.length === 0)
        return notApplicable(`no personal information as ${law.name} defines it (dataCategories: none of ${STATE_CATEGORIES.join(', ')})`);
      if (facts.encrypted) return notApplicable(`encrypted, and the key was not acquired (${law.name}; encrypted: true)`);
      return applies(`${law.name}: residents of ${state} affected (jurisdictions), with ${categories.join(', ')} (dataCategories)`);
    },
    rules: [
      {
        id: 'residents',
        title: `Notify the ${state} residents affected`,
        recipient: 'individuals',
        kind: 'single',
        citation: law.residents.citation,
        ...residentsClock,
      },
      {
        id: 'attorney-general',
        title: `Notify the ${state} Attorney General`,
        recipient: 'attorney-general',
        kind: 'single',
        citation: law.attorneyGeneral.citation,
        ...(law.attorneyGeneral.days ? { ...clock(law.attorneyGeneral.days), guidance: false } : residentsClock),
        appliesWhen: (facts: Facts) => {
          const test = meets(headCountIn(facts, state), law.attorneyGeneral.test, law.attorneyGeneral.threshold);
          return test.met ? applies(`${law.attorneyGeneral.citation}: ${test.why}`) : notApplicable(`below the threshold: ${test.why}`);
        },
      },
    ],
  });
}

export const colorado = once.data(() =>
  statePack({
    regime: 'US-CO',
    name: 'C.R.S. 6-1-716',
    zone: 'America/Denver',
    start: 'determination',
    residents: { days: 30, citation: 'C.R.S. 6-1-716(2)(a)' },
    attorneyGeneral: { citation: 'C.R.S. 6-1-716(2)(f)', threshold: '500 or more Colorado residents', test: (n) => n >= 500, days: 30 },
  }),
);

export const florida = once.data(() =>
  statePack({
    regime: 'US-FL',
    name: 'Fla. Stat. 501.171',
    zone: 'America/New_York',
    start: 'determination',
    residents: { days: 30, citation: 'Fla. Stat. 501.171(4)(a)' },
    attorneyGeneral: {
      citation: 'Fla. Stat. 501.171(3)(a) (Department of Legal Affairs)',
      threshold: '500 or more individuals in Florida',
      test: (n) => n >= 500,
      days: 30,
    },
  }),
);

export const washington = once.data(() =>
  statePack({
    regime: 'US-WA',
    name: 'RCW 19.255.010',
    zone: 'America/Los_Angeles',
    start: 'awareness',
    residents: { days: 30, citation: 'RCW 19.255.010(8)' },
    attorneyGeneral: { citation: 'RCW 19.255.010(7)', threshold: 'more than 500 Washington residents', test: (n) => n > 500, days: 30 },
  }),
);

export const texas = once.data(() =>
  statePack({
    regime: 'US-TX',
    name: 'Tex. Bus. & Com. Code 521.053',
    zone: 'America/Chicago',
    start: 'determination',
    residents: { days: 60, citation: 'Tex. Bus. & Com. Code 521.053(b)' },
    attorneyGeneral: { citation: 'Tex. Bus. & Com. Code 521.053(i)', threshold: '250 or more Texas residents', test: (n) => n >= 250, days: 30 },
  }),
);

export const california = once.data(() =>
  statePack({
    regime: 'US-CA',
    name: 'Cal. Civ. Code 1798.82',
    zone: 'America/Los_Angeles',
    start: 'determination',
    residents: { internalTargetDays: 30, citation: 'Cal. Civ. Code 1798.82(a)' },
    // A sample copy goes to the Attorney General with the residents' notice: the same clock.
    attorneyGeneral: { citation: 'Cal. Civ. Code 1798.82(f)', threshold: 'more than 500 California residents', test: (n) => n > 500 },
  }),
);
