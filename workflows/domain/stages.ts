// The response plan's stages beyond the first response: which facts switch each on, and what they compute for
// people (the investigation body's criteria, the contact desk's size and FAQ, the final announcement's content).
// Pure: the workflow opens tasks from these answers, the status shows them, the document renderers read them.
import { z } from 'zod';
import type { Facts } from './facts';
import type { PlaybookTask, TaskEach, TaskTrigger } from './playbook';
import { Line } from './text';
import { buildOnce } from '../built-once';

const once = buildOnce('domain/stages');

/** What an insurer's policy may pay for: the heads of cost a breach runs up. */
export const CostHead = once(() => z.enum(['forensics', 'legal', 'notification', 'contact-desk', 'consolation', 'liability', 'business-interruption', 'pr']));
export type CostHead = z.infer<typeof CostHead>;

export const Insurer = once(() =>
  z.strictObject({
    name: Line(200),
    noticeHours: z
      .number()
      .positive()
      .max(24 * 366)
      .describe("the policy's notice period for a claim or circumstance, in hours after awareness: a contract term, not a law"),
    contact: Line(300).describe("the insurer's claims contact: a phone number, an address or a portal"),
    covers: z.array(CostHead).default([]).describe('heads of cost the policy may cover'),
  }),
);
export type Insurer = z.output<typeof Insurer>;

export const ContactDeskPolicy = once(() =>
  z.strictObject({
    contactRate: z.number().min(0).max(1).default(0.05).describe('share of the people notified who contact the desk'),
    dayShares: z
      .array(z.number().min(0).max(1))
      .min(1)
      .max(30)
      .default([0.5, 0.25, 0.15, 0.1])
      .describe('share of all contacts on each day after the notices go out: most come at once'),
    minutesPerContact: z.number().positive().max(240).default(8).describe('handling time of one contact, wrap-up included'),
    hoursPerDay: z.number().positive().max(24).default(9).describe("the desk's opening hours a day"),
    occupancy: z.number().gt(0).max(1).default(0.8).describe('share of a seat-hour spent on contacts'),
  }),
);
export type ContactDeskPolicy = z.output<typeof ContactDeskPolicy>;

/** What a trigger reads: the facts, the policy's insurers, and the last outcome recorded on each task. */
export interface StageContext {
  facts: Facts;
  insurers: readonly Insurer[];
  outcomes: Readonly<Record<string, unknown>>;
}

const CRIMES = ['unauthorised-access', 'insider-theft'] as const;
/** APPI Rules Art. 7(4): more than 1,000 people makes a leak reportable; the same line makes it large here. */
const LARGE = 1000;

/** Why a trigger holds, or undefined: the reason goes on the timeline when the task opens. */
export const TRIGGERS: Readonly<Record<TaskTrigger, (context: StageContext) => string | undefined>> = {
  serious: ({ facts }) => {
    const why = [
      facts.highPublicInterest && 'highPublicInterest',
      facts.managementImplicated && 'managementImplicated',
      facts.unfairPurpose && 'unfairPurpose',
      facts.affectedCount !== undefined && facts.affectedCount > LARGE && `affectedCount ${facts.affectedCount} > ${LARGE}`,
    ].filter(Boolean);
    return why.length ? `a serious breach (${why.join(', ')})` : undefined;
  },
  'crime-suspected': ({ facts }) =>
    facts.causeType && (CRIMES as readonly string[]).includes(facts.causeType) ? `a crime is suspected (causeType: ${facts.causeType})` : undefined,
  'police-filing-decided': ({ outcomes }) => {
    const decision = (outcomes['police-consultation'] as { decision?: string } | undefined)?.decision;
    return decision === 'damage-report' || decision === 'criminal-complaint' ? `the police consultation decided on a ${decision}` : undefined;
  },
  'at-contractor': ({ facts }) => (facts.atContractor ? 'the leak happened at a contractor (atContractor: true)' : undefined),
  'high-public-interest': ({ facts }) => (facts.highPublicInterest ? 'of high public interest (highPublicInterest: true)' : undefined),
  'published-online': ({ facts }) =>
    facts.publishedLocations?.length ? `the data was found published at ${facts.publishedLocations.length} location(s)` : undefined,
  insured: ({ insurers }) => (insurers.length ? `${insurers.length} insurer(s) in the policy` : undefined),
};

/** One task to open: a playbook task, or one item of a task opened per item. */
export interface StageTask {
  id: string;
  task: PlaybookTask;
  title: string;
  /** Why it opened, for the timeline; undefined for a task of every breach. */
  why?: string;
  /** Hours to its target, when not the playbook's (an insurer's notice period). */
  targetHours?: number;
  /** Shown with the task: an insurer's contact, a location to take down. */
  subject?: string;
}

const ITEMS: Readonly<Record<TaskEach, (context: StageContext) => { subject: string; targetHours?: number; why: string }[]>> = {
  'published-location': ({ facts }) => (facts.publishedLocations ?? []).map((location) => ({ subject: location, why: `published at ${location}` })),
  insurer: ({ insurers }) =>
    insurers.map((i) => ({
      subject: `${i.name} (${i.contact})`,
      targetHours: i.noticeHours,
      why: `insurer ${i.name}: notice within ${i.noticeHours} h under the policy (a contract term)`,
    })),
};

/**
 * The tasks of a playbook the context switches on: every task without a trigger, those whose trigger holds, one per
 * item for a task opened per item. Stable ids: an item keeps its number as the list grows.
 */
export function tasksFor(tasks: readonly PlaybookTask[], context: StageContext): StageTask[] {
  return tasks.flatMap((task): StageTask[] => {
    const why = task.when ? TRIGGERS[task.when](context) : undefined;
    if (task.when && !why) return [];
    if (!task.each) return [{ id: task.id, task, title: task.title, ...(why ? { why } : {}) }];
    return ITEMS[task.each](context).map((item, i) => ({
      id: `${task.id}-${i + 1}`,
      task,
      title: `${task.title}: ${item.subject}`,
      why: item.why,
      subject: item.subject,
      ...(item.targetHours !== undefined ? { targetHours: item.targetHours } : {}),
    }));
  });
}

export interface InvestigationBodyCriteria {
  scale: number | null;
  publicInterest: boolean;
  managementImplicated: boolean;
  recommended: 'internal-team' | 'third-party-committee';
  why: string[];
}

/**
 * The criteria of the choice between an internal team and a third-party committee: independence is needed where
 * management itself may be implicated, and public trust where the breach is of high public interest.
 */
export function investigationBodyCriteria(facts: Facts): InvestigationBodyCriteria {
  const publicInterest = facts.highPublicInterest === true;
  const managementImplicated = facts.managementImplicated === true;
  const scale = facts.affectedCount ?? null;
  const why = [
    managementImplicated ? 'management may be implicated: an internal team is not independent of it' : 'management is not known to be implicated',
    publicInterest ? 'high public interest: the findings must be credible to the public' : 'not of high public interest',
    scale === null ? 'scale not yet known' : `${scale} people affected${scale > LARGE ? ' (large)' : ''}`,
  ];
  return { scale, publicInterest, managementImplicated, recommended: managementImplicated || publicInterest ? 'third-party-committee' : 'internal-team', why };
}

export interface DeskDay {
  day: number;
  contacts: number;
  seatHours: number;
  seats: number;
  hours: number;
}

export interface DeskSizing {
  people: number | null;
  expectedContacts: number | null;
  days: DeskDay[];
  assumptions: ContactDeskPolicy;
}

/**
 * The contact desk's size on the first days after the notices: contacts = people × contact rate × the day's share;
 * seats = the day's handling hours over the hours open, at the occupancy a seat can sustain. Rounded up: a desk a
 * seat short is a queue.
 */
export function deskSizing(people: number | undefined, policy: ContactDeskPolicy = ContactDeskPolicy.parse({})): DeskSizing {
  if (people === undefined) return { people: null, expectedContacts: null, days: [], assumptions: policy };
  const expectedContacts = Math.ceil(people * policy.contactRate);
  const days = policy.dayShares.map((share, i) => {
    const contacts = Math.ceil(expectedContacts * share);
    const seatHours = Math.round(((contacts * policy.minutesPerContact) / 60) * 10) / 10;
    const seats = contacts === 0 ? 0 : Math.max(1, Math.ceil(seatHours / (policy.hoursPerDay * policy.occupancy)));
    return { day: i + 1, contacts, seatHours, seats, hours: policy.hoursPerDay };
  });
  return { people, expectedContacts, days, assumptions: policy };
}

/** A question the desk or a spokesperson will be asked, with the answer drawn from the breach. */
export interface ExpectedQuestion {
  topic:
    | 'what-happened'
    | 'which-data'
    | 'how-many'
    | 'cause'
    | 'secondary-damage'
    | 'what-done'
    | 'what-to-do'
    | 'contact'
    | 'consolation'
    | 'recurrence'
    | 'responsibility'
    | 'police'
    | 'why-now';
  question: string;
  /** Undefined while the breach does not know it yet: the sheet shows it as open. */
  answer?: string;
  /** For spokespeople only: the press asks it, the desk is not asked it. */
  pressOnly?: true;
}

/** What the announcement, the FAQ and the expected-questions sheet read: the same facts and outcomes as the notice and the report. */
export interface AnnouncementSources {
  facts: Facts;
  detectionSummary: string;
  /** The last outcome on the task that provides each thing (cause, recurrence measures, discipline, counsel's review, ...). */
  provided: Readonly<Record<string, unknown>>;
  /** The last outcome recorded on each task, by id (police, reporting party). */
  outcomes: Readonly<Record<string, unknown>>;
  notified: { sent: number; byPost: number };
  consolation?: { gesture: string; valueYen: number };
}

type Outcome = Record<string, unknown> | undefined;
/** A text of an outcome: a plain string, or the Japanese (else English) of a bilingual one. */
const str = (o: unknown, key: string): string | undefined => {
  const v = (o as Outcome)?.[key];
  const text = typeof v === 'string' ? v : typeof v === 'object' && v ? ((v as { ja?: string; en?: string }).ja ?? (v as { en?: string }).en) : undefined;
  return text?.trim() ? text : undefined;
};

export interface AnnouncementContent {
  facts: { summary: string; awareAt: string; dataCategories: string[]; affectedCount: number | null; publishedLocations: number };
  cause?: string;
  investigationBody?: 'internal-team' | 'third-party-committee';
  responseToVictims: {
    notifiedByMail: number;
    toNotifyByPost: number;
    contactDesk?: { phone?: string; email?: string; hours?: string };
    consolation?: { gesture: string; valueYen: number };
  };
  recurrencePrevention: { measure: string; owner: string; dueAt: string }[];
  counselReview?: string;
  disciplinaryMeasures: { against: string; measure: string }[];
  police?: { decision: string; reference?: string };
  /** Sections still empty: the final announcement needs all five (facts, cause, response to victims, recurrence prevention, disciplinary measures). */
  missing: string[];
}

/**
 * The final announcement's content: facts, cause, response to victims, recurrence prevention and disciplinary
 * measures, assembled from the breach. A typed structure: the renderers put it into words, in either language.
 */
export function announcementContent(sources: AnnouncementSources): AnnouncementContent {
  const { facts, provided, outcomes } = sources;
  const measures = ((provided['recurrence-measures'] as { measures?: AnnouncementContent['recurrencePrevention'] } | undefined)?.measures ?? []).map(
    ({ measure, owner, dueAt }) => ({ measure, owner, dueAt }),
  );
  const discipline = provided.discipline as { measures?: AnnouncementContent['disciplinaryMeasures']; note?: string } | undefined;
  const desk = provided['contact-desk'] as { phone?: string; email?: string; hours?: string } | undefined;
  const body = (provided['investigation-body'] as { body?: AnnouncementContent['investigationBody'] } | undefined)?.body;
  const filing = outcomes['police-filing'] as { filed?: string; reference?: string } | undefined;
  const consultation = outcomes['police-consultation'] as { decision?: string; reference?: string } | undefined;
  const police = filing?.filed
    ? { decision: filing.filed, ...(filing.reference ? { reference: filing.reference } : {}) }
    : consultation?.decision
      ? { decision: consultation.decision, ...(consultation.reference ? { reference: consultation.reference } : {}) }
      : undefined;
  const cause = str(provided.cause, 'note');
  const content: AnnouncementContent = {
    facts: {
      summary: sources.detectionSummary,
      awareAt: facts.awareAt,
      dataCategories: facts.dataCategories,
      affectedCount: facts.affectedCount ?? null,
      publishedLocations: facts.publishedLocations?.length ?? 0,
    },
    ...(cause ? { cause } : {}),
    ...(body ? { investigationBody: body } : {}),
    responseToVictims: {
      notifiedByMail: sources.notified.sent,
      toNotifyByPost: sources.notified.byPost,
      ...(desk ? { contactDesk: { phone: desk.phone, email: desk.email, hours: desk.hours } } : {}),
      ...(sources.consolation ? { consolation: sources.consolation } : {}),
    },
    recurrencePrevention: measures,
    ...(str(provided['counsel-review'], 'note') ? { counselReview: str(provided['counsel-review'], 'note') } : {}),
    disciplinaryMeasures: discipline?.measures ?? [],
    ...(police ? { police } : {}),
    missing: [],
  };
  content.missing = [
    facts.affectedCount === undefined && 'facts: the number of people',
    !cause && 'cause: the investigation report',
    !desk && sources.notified.sent + sources.notified.byPost === 0 && 'response to victims: neither the contact desk nor a notice yet',
    measures.length === 0 && 'recurrence prevention: the measures',
    !discipline && 'disciplinary measures: not yet recorded',
  ].filter((m): m is string => typeof m === 'string');
  return content;
}

/**
 * The contact desk's FAQ (audience 'desk') or the spokespeople's expected-questions sheet (想定問答, audience 'press'):
 * the same answers the notice gives, from the same facts, plus what the press asks.
 */
export function expectedQuestions(sources: AnnouncementSources, audience: 'desk' | 'press'): ExpectedQuestion[] {
  const a = announcementContent(sources);
  const { facts } = sources;
  const desk = a.responseToVictims.contactDesk;
  const list: ExpectedQuestion[] = [
    { topic: 'what-happened', question: 'What happened?', answer: `${a.facts.summary} (we became aware on ${a.facts.awareAt})` },
    { topic: 'which-data', question: 'Which of my data was involved?', answer: a.facts.dataCategories.length ? a.facts.dataCategories.join(', ') : undefined },
    { topic: 'how-many', question: 'How many people are affected?', answer: a.facts.affectedCount === null ? undefined : `${a.facts.affectedCount}` },
    { topic: 'cause', question: 'How did it happen?', answer: a.cause },
    {
      topic: 'secondary-damage',
      question: 'Is there a risk of misuse?',
      answer: facts.publishedLocations?.length
        ? `the data was found published at ${facts.publishedLocations.length} location(s); we have asked for its removal and are monitoring`
        : facts.unfairPurpose
          ? 'an unfair purpose cannot be ruled out: beware of phishing that uses the leaked data'
          : undefined,
    },
    {
      topic: 'what-done',
      question: 'What have you done?',
      answer: a.recurrencePrevention.length ? a.recurrencePrevention.map((m) => m.measure).join('; ') : undefined,
    },
    {
      topic: 'what-to-do',
      question: 'What should I do?',
      answer: [
        facts.dataCategories.includes('credentials') && 'change your password and enable two-factor authentication',
        (facts.dataCategories.includes('payment_card') || facts.dataCategories.includes('bank_credentials')) && 'watch your card and account statements',
        'beware of phishing that uses the leaked data',
      ]
        .filter(Boolean)
        .join('; '),
    },
    { topic: 'contact', question: 'Whom can I ask?', answer: desk ? [desk.phone, desk.email, desk.hours].filter(Boolean).join(', ') : undefined },
  ];
  if (a.responseToVictims.consolation) {
    const { gesture, valueYen } = a.responseToVictims.consolation;
    list.push({ topic: 'consolation', question: 'Will I receive anything?', answer: `${gesture} (¥${valueYen}), once per person` });
  }
  if (audience === 'desk') return list;
  return [
    ...list,
    { topic: 'why-now', question: 'Why are you announcing this only now?', pressOnly: true },
    {
      topic: 'responsibility',
      question: 'Who is responsible, and what measures have been taken against them?',
      answer: a.disciplinaryMeasures.length ? a.disciplinaryMeasures.map((m) => `${m.against}: ${m.measure}`).join('; ') : undefined,
      pressOnly: true,
    },
    {
      topic: 'recurrence',
      question: 'How will you prevent this from happening again?',
      answer: a.recurrencePrevention.length ? a.recurrencePrevention.map((m) => `${m.measure} (by ${m.dueAt})`).join('; ') : undefined,
      pressOnly: true,
    },
    ...(a.police ? [{ topic: 'police' as const, question: 'Have you gone to the police?', answer: a.police.decision, pressOnly: true as const }] : []),
  ];
}
