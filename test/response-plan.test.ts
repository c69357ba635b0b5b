// The response plan's stages beyond the first response, pure: which facts switch on which tasks, the gates between
// tasks, the contractor's relief under the APPI, the contact desk's size, the FAQ and the final announcement, and
// what the damage estimate adds (consolation, insurance). The workflow side: test/response-plan-workflow.test.ts.
import { describe, expect, it } from 'vitest';
import { EscalationSender } from '../workflows/breach/escalations';
import { Tasks } from '../workflows/breach/tasks';
import { Timeline } from '../workflows/breach/timeline';
import { ResponsePolicy } from '../workflows/definitions';
import { estimateDamage } from '../workflows/domain/damage';
import { detectedFacts, Facts } from '../workflows/domain/facts';
import { DEFAULT_PLAYBOOK, DEFAULT_PLAYBOOK_V1, Playbook } from '../workflows/domain/playbook';
import { assess } from '../workflows/domain/regimes';
import {
  announcementContent,
  type AnnouncementSources,
  ContactDeskPolicy,
  deskSizing,
  expectedQuestions,
  Insurer,
  investigationBodyCriteria,
  type StageContext,
  tasksFor,
} from '../workflows/domain/stages';

const awareAt = '2026-11-24T03:00:00Z';
const facts = (over: Record<string, unknown> = {}) => Facts.parse({ awareAt, jurisdictions: ['JP'], ...over });
const insurer = Insurer.parse({
  name: 'Synthetic Cyber Insurance',
  noticeHours: 48,
  contact: 'claims@insurer.example.test',
  covers: ['forensics', 'consolation'],
});
const context = (over: Partial<StageContext> = {}): StageContext => ({ facts: facts(), insurers: [], outcomes: {}, ...over });
const EVERY_BREACH = DEFAULT_PLAYBOOK.tasks.filter((t) => !t.when && !t.each).map((t) => t.id);
const opened = (c: StageContext) => tasksFor(DEFAULT_PLAYBOOK.tasks, c).map((t) => t.id);
const extra = (c: StageContext) => opened(c).filter((id) => !EVERY_BREACH.includes(id));

describe('which facts switch on which stage', () => {
  it('opens only the tasks of every breach for a plain one, the same as before the stages', () => {
    expect(extra(context())).toEqual([]);
    expect(EVERY_BREACH).toEqual(DEFAULT_PLAYBOOK_V1.tasks.map((t) => t.id));
  });

  it.each([
    [{ affectedCount: 1001 }, ['investigation-body']],
    [{ affectedCount: 1000 }, []],
    [{ managementImplicated: true }, ['investigation-body']],
    [{ causeType: 'unauthorised-access' }, ['police-consultation']],
    [{ causeType: 'insider-theft' }, ['police-consultation']],
    [{ causeType: 'misdelivery' }, []],
    [{ atContractor: true }, ['contractor-report', 'contractor-supervision', 'reporting-party']],
    [{ highPublicInterest: true }, ['investigation-body', 'holding-statement', 'expected-questions', 'press-conference']],
    [{ publishedLocations: ['paste site A', 'forum B'] }, ['takedown-1', 'takedown-2', 'takedown-monitoring']],
  ])('facts %j switch on %j', (over, ids) => {
    expect(extra(context({ facts: facts(over) }))).toEqual(ids);
  });

  it('opens the police filing only once the consultation decided on one', () => {
    const crime = facts({ causeType: 'unauthorised-access' });
    expect(extra(context({ facts: crime, outcomes: { 'police-consultation': { decision: 'consult-only' } } }))).toEqual(['police-consultation']);
    expect(extra(context({ facts: crime, outcomes: { 'police-consultation': { decision: 'criminal-complaint' } } }))).toEqual([
      'police-consultation',
      'police-filing',
    ]);
  });

  it("opens one contractual notice per insurer, its target the insurer's notice period, its subject the insurer's contact", () => {
    const [notice] = tasksFor(DEFAULT_PLAYBOOK.tasks, context({ insurers: [insurer] })).filter((t) => t.task.kind === 'contractual');
    expect(notice).toMatchObject({
      id: 'insurer-notice-1',
      targetHours: 48,
      title: 'Notify the cyber insurer under the policy: Synthetic Cyber Insurance (claims@insurer.example.test)',
    });
  });

  it('keeps the number of a published location as the list grows', () => {
    const first = tasksFor(DEFAULT_PLAYBOOK.tasks, context({ facts: facts({ publishedLocations: ['paste site A'] }) }));
    const later = tasksFor(DEFAULT_PLAYBOOK.tasks, context({ facts: facts({ publishedLocations: ['paste site A', 'forum B'] }) }));
    expect(later.find((t) => t.id === 'takedown-1')?.title).toBe(first.find((t) => t.id === 'takedown-1')?.title);
    expect(later.find((t) => t.id === 'takedown-2')?.title).toContain('forum B');
  });

  it('refuses a playbook whose gate names no task, or whose per-item task provides one thing', () => {
    const result = Playbook.safeParse({
      name: 'ours',
      tasks: [
        { id: 'a', stage: 'investigation', title: 'x', owner: 'y', targetHours: 1, after: ['nope'] },
        { id: 'b', stage: 'communication', title: 'x', owner: 'y', targetHours: 1, each: 'insurer', provides: 'publication' },
      ],
    });
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'tasks.0.after.0: no other task "nope" in this playbook',
      'tasks.1.provides: a task opened per item cannot provide one thing',
    ]);
  });
});

describe('stage facts from a further detection', () => {
  it('joins the locations a monitoring tool finds, sets a cause only where none is known, and turns flags only on', () => {
    const known = facts({ publishedLocations: ['paste site A'], causeType: 'insider-theft', highPublicInterest: true });
    expect(detectedFacts(known, { publishedLocations: ['forum B'], causeType: 'malware', highPublicInterest: false, atContractor: true })).toEqual({
      update: { publishedLocations: ['paste site A', 'forum B'], atContractor: true },
      ignored: ['causeType', 'highPublicInterest'],
    });
  });
});

describe('gates between tasks', () => {
  const operator = { id: 'olga@example.test', roles: ['operator' as const] };
  const refusal = (f: () => void) => {
    try {
      f();
    } catch (error) {
      return (error as Error).message;
    }
    return undefined;
  };
  const tasksOpen = (c: StageContext) => {
    const timeline = new Timeline('breach-test', () => undefined);
    const tasks = new Tasks('breach-test', timeline, new EscalationSender('breach-test', timeline), () => Promise.resolve());
    tasks.open(DEFAULT_PLAYBOOK, Date.parse(awareAt), tasksFor(DEFAULT_PLAYBOOK.tasks, c));
    return tasks;
  };

  it('refuses the police consultation before the evidence is preserved, the plan before the investigation report, but takes a waiver', () => {
    const tasks = tasksOpen(context({ facts: facts({ causeType: 'insider-theft' }) }));
    expect(refusal(() => tasks.check({ taskId: 'police-consultation', by: operator, outcome: { with: 'cybercrime desk', decision: 'consult-only' } }))).toBe(
      'invalid task record: taskId: "police-consultation" waits for evidence-preserved: record or waive it first',
    );
    expect(refusal(() => tasks.check({ taskId: 'recurrence-plan', by: operator, outcome: {} }))).toBe(
      'invalid task record: taskId: "recurrence-plan" waits for cause-established: record or waive it first',
    );
    expect(refusal(() => tasks.check({ taskId: 'recurrence-plan', by: operator, waive: { reason: 'no plan needed: a misdelivered letter' } }))).toBeUndefined();
  });

  it('wants the reference of a police filing, and a reason for the choice of investigation body', () => {
    const tasks = tasksOpen(context({ facts: facts({ managementImplicated: true }) }));
    const manager = { id: 'max@example.test', roles: ['manager' as const] };
    expect(refusal(() => tasks.check({ taskId: 'investigation-body', by: manager, outcome: { body: 'third-party-committee', reason: ' ' } }))).toBe(
      'invalid outcome of investigation-body: reason: the decision needs its reason',
    );
    expect(refusal(() => tasks.check({ taskId: 'investigation-body', by: operator, outcome: {} }))).toContain('it needs manager');
  });
});

describe('the contractor under the APPI (Art. 26(1) proviso; Enforcement Rules Art. 9)', () => {
  const ids = (f: Facts) =>
    assess(f)
      .obligations.map((o) => o.id)
      .filter((id) => id.startsWith('JP-APPI/'));

  it('owes the principal a prompt notice instead of its own PPC reports and individual notices, as a GDPR processor owes its controller', () => {
    const leak = { affectedCount: 5000, dataCategories: ['name', 'email'], unreachableCount: 10 };
    expect(ids(facts(leak))).toEqual(['JP-APPI/ppc-preliminary', 'JP-APPI/ppc-final', 'JP-APPI/individuals', 'JP-APPI/substitute-notice']);
    const contractor = assess(facts({ ...leak, processor: true }));
    expect(contractor.obligations.filter((o) => o.regime === 'JP-APPI').map((o) => [o.id, o.recipient, o.internalTarget])).toEqual([
      ['JP-APPI/principal', 'controller', true],
    ]);
    const principal = contractor.obligations.find((o) => o.id === 'JP-APPI/principal')!;
    expect(principal.dueAt - Date.parse(awareAt)).toBe(24 * 3_600_000);
    expect(contractor.notApplicable.filter((n) => n.regime === 'JP-APPI').map((n) => n.obligation)).toEqual(
      expect.arrayContaining(['ppc-preliminary', 'ppc-final', 'individuals', 'substitute-notice'].map((id) => expect.stringContaining(id))),
    );
    expect(contractor.notApplicable.find((n) => n.obligation?.includes('ppc-final'))?.reason).toContain('Enforcement Rules Art. 9');
  });

  it('lets the policy set its own target for the notice to the principal', () => {
    const policy = ResponsePolicy.parse({ internalTargets: { 'JP-APPI/principal': { amount: 6, unit: 'hours' } } });
    const [principal] = assess(facts({ affectedCount: 5000, processor: true }), { internalTargets: policy.internalTargets }).obligations.filter(
      (o) => o.id === 'JP-APPI/principal',
    );
    expect(principal!.dueAt - Date.parse(awareAt)).toBe(6 * 3_600_000);
  });
});

describe('investigation body', () => {
  it.each([
    [{}, 'internal-team'],
    [{ affectedCount: 500_000 }, 'internal-team'],
    [{ managementImplicated: true }, 'third-party-committee'],
    [{ highPublicInterest: true, affectedCount: 20 }, 'third-party-committee'],
  ])('recommends for %j: %s, with the criteria', (over, recommended) => {
    const criteria = investigationBodyCriteria(facts(over));
    expect(criteria.recommended).toBe(recommended);
    expect(criteria.why).toHaveLength(3);
  });
});

describe('contact desk sizing', () => {
  it('sizes the first days from the people, the contact rate and the handling time (defaults: 5 %, 8 min, 9 h, 80 %)', () => {
    const desk = deskSizing(100_000);
    expect(desk.expectedContacts).toBe(5000);
    // Day 1: 2,500 contacts × 8 min = 333.3 seat-hours; a seat gives 9 h × 0.8 = 7.2 h → 47 seats.
    expect(desk.days[0]).toEqual({ day: 1, contacts: 2500, seatHours: 333.3, seats: 47, hours: 9 });
    expect(desk.days.map((d) => d.seats)).toEqual([47, 24, 14, 10]);
  });

  it('takes the policy’s assumptions, and has no days while the number of people is unknown', () => {
    const desk = deskSizing(1000, ContactDeskPolicy.parse({ contactRate: 0.2, dayShares: [1], minutesPerContact: 6, hoursPerDay: 12, occupancy: 1 }));
    expect(desk.days).toEqual([{ day: 1, contacts: 200, seatHours: 20, seats: 2, hours: 12 }]);
    expect(deskSizing(undefined)).toMatchObject({ people: null, days: [] });
    expect(deskSizing(3).days[0]).toMatchObject({ contacts: 1, seats: 1 });
  });

  it('refuses a policy with a bad contact rate, naming the field', () => {
    const result = ResponsePolicy.safeParse({ contactDesk: { contactRate: 2 } });
    expect(result.error?.issues[0]?.path).toEqual(['contactDesk', 'contactRate']);
  });
});

describe('the final announcement, the FAQ and the expected-questions sheet', () => {
  const sources = (over: Partial<AnnouncementSources> = {}): AnnouncementSources => ({
    facts: facts({ affectedCount: 1500, dataCategories: ['name', 'credentials'], highPublicInterest: true }),
    detectionSummary: 'Synthetic: member table copied',
    provided: {},
    outcomes: {},
    notified: { sent: 0, byPost: 0 },
    ...over,
  });

  it('says which of its five parts are still missing', () => {
    expect(announcementContent(sources()).missing).toEqual([
      'cause: the investigation report',
      'response to victims: neither the contact desk nor a notice yet',
      'recurrence prevention: the measures',
      'disciplinary measures: not yet recorded',
    ]);
  });

  it('assembles facts, cause, response to victims, recurrence prevention and disciplinary measures from the outcomes', () => {
    const content = announcementContent(
      sources({
        provided: {
          cause: { note: 'stolen administrator password' },
          'investigation-body': { body: 'third-party-committee', reason: 'management implicated' },
          'recurrence-measures': { measures: [{ measure: 'two-factor authentication for administrators', owner: 'CISO', dueAt: '2027-01-31T00:00:00Z' }] },
          discipline: { measures: [{ against: 'head of the operations department', measure: 'pay cut' }] },
          'counsel-review': { note: 'reviewed by outside counsel' },
          'contact-desk': { phone: '0120-000-000', hours: 'every day 9:00-21:00' },
        },
        outcomes: { 'police-filing': { filed: 'criminal-complaint', reference: 'case 123' } },
        notified: { sent: 1400, byPost: 100 },
        consolation: { gesture: 'a ¥500 gift code', valueYen: 500 },
      }),
    );
    expect(content).toMatchObject({
      cause: 'stolen administrator password',
      investigationBody: 'third-party-committee',
      responseToVictims: { notifiedByMail: 1400, toNotifyByPost: 100, contactDesk: { phone: '0120-000-000' }, consolation: { valueYen: 500 } },
      recurrencePrevention: [{ measure: 'two-factor authentication for administrators' }],
      counselReview: 'reviewed by outside counsel',
      disciplinaryMeasures: [{ against: 'head of the operations department', measure: 'pay cut' }],
      police: { decision: 'criminal-complaint', reference: 'case 123' },
      missing: [],
    });
  });

  it('answers the desk from the same facts as the notice, and adds what the press asks to the spokespeople’s sheet', () => {
    const desk = expectedQuestions(sources({ provided: { cause: { note: 'phishing' } } }), 'desk');
    expect(desk.find((q) => q.topic === 'which-data')?.answer).toBe('name, credentials');
    expect(desk.find((q) => q.topic === 'cause')?.answer).toBe('phishing');
    expect(desk.find((q) => q.topic === 'what-to-do')?.answer).toContain('change your password');
    expect(desk.find((q) => q.topic === 'contact')?.answer).toBeUndefined();
    expect(desk.some((q) => q.pressOnly)).toBe(false);
    const press = expectedQuestions(sources(), 'press');
    expect(press.filter((q) => q.pressOnly).map((q) => q.topic)).toEqual(['why-now', 'responsibility', 'recurrence']);
  });
});

describe('damage estimate: consolation and insurance', () => {
  it('adds the cost of the gesture for everyone its campaigns cover, and lists what each insurer may cover', () => {
    const estimate = estimateDamage(facts({ affectedCount: 1000, dataCategories: ['name', 'address', 'phone'] }), true, {
      consolation: [{ gesture: 'a ¥500 gift code', valueYen: 500, people: 1000, issued: 400 }],
      insurers: [insurer],
    });
    expect(estimate.totalYen).toBe(6_000_000);
    expect(estimate.consolation).toEqual({ gestures: [{ gesture: 'a ¥500 gift code', valueYen: 500, people: 1000, issued: 400 }], totalYen: 500_000 });
    expect(estimate.coverage).toEqual([{ insurer: 'Synthetic Cyber Insurance', heads: ['forensics', 'consolation'] }]);
    expect(estimateDamage(facts(), true, { insurers: [insurer] }).coverage).toEqual([{ insurer: 'Synthetic Cyber Insurance', heads: ['forensics'] }]);
  });

  it('keeps a policy without insurers valid, and refuses an insurer without a notice period, naming the field', () => {
    expect(ResponsePolicy.parse({}).insurers).toEqual([]);
    const result = ResponsePolicy.safeParse({ insurers: [{ name: 'X', contact: 'y' }] });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['insurers.0.noticeHours']);
  });
});
