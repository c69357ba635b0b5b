// Escalation ladders and the response policy that configures them: pure, no server.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResponsePolicy } from '../workflows/definitions';
import {
  answeredSteps,
  decideAnswer,
  DEFAULT_LADDERS,
  type EscalationAnswer,
  ladderFor,
  ladderSteps,
  pendingSteps,
  snoozeUntil,
  TASK_ESCALATIONS,
  taskSteps,
} from '../workflows/domain/escalation';
import { InvalidInput, parseOrExplain } from '../workflows/domain/facts';

const H = 3_600_000;
const startAt = Date.parse('2026-11-24T03:00:00Z');
const dueAt = startAt + 100 * H;

describe('escalation ladder', () => {
  it('climbs owner → DPO → executive at 50 %, 80 % and 95 % of the window, then repeats to the executive daily once missed', () => {
    expect(ladderSteps(startAt, dueAt, DEFAULT_LADDERS.final).map((s) => [s.step, (s.at - startAt) / H, s.audience])).toEqual([
      ['at-50%', 50, 'owner'],
      ['at-80%', 80, 'dpo'],
      ['at-95%', 95, 'executive'],
      ['missed', 100, 'executive'],
      ...Array.from({ length: 13 }, (_, i) => [`missed+${(i + 1) * 24}h`, 100 + (i + 1) * 24, 'executive']),
    ]);
  });

  it('repeats an hour-scale clock every few hours once missed, not daily', () => {
    const overdue = ladderSteps(startAt, startAt + 24 * H, DEFAULT_LADDERS['early-warning']).filter((s) => s.overdue);
    expect(overdue.slice(0, 3).map((s) => s.step)).toEqual(['missed', 'missed+2h', 'missed+4h']);
  });

  it('escalates a deadline that appears late once, at once, not in a burst', () => {
    const steps = pendingSteps(startAt, dueAt, startAt + 90 * H, new Set(), DEFAULT_LADDERS.single);
    expect(steps.map((s) => s.step).slice(0, 2)).toEqual(['at-80%', 'at-95%']);
  });

  it('skips steps already sent', () => {
    expect(pendingSteps(startAt, dueAt, startAt + 90 * H, new Set(['at-80%']), DEFAULT_LADDERS.single)[0]!.step).toBe('at-95%');
    expect(pendingSteps(startAt, dueAt, dueAt + 1000 * H, new Set(['missed+144h']), DEFAULT_LADDERS.single)).toEqual([]);
  });

  it('takes the ladder for the obligation id first, then its kind, then the default', () => {
    const policy = ResponsePolicy.parse({
      ladders: {
        'JP-APPI/ppc-final': { before: [{ atPercent: 10, audience: 'executive' }], overdue: { audience: 'executive', everyHours: 1, times: 1 } },
        final: { before: [{ atPercent: 60, audience: 'dpo' }], overdue: { audience: 'dpo', everyHours: 24, times: 2 } },
      },
    });
    expect(ladderFor({ id: 'JP-APPI/ppc-final', kind: 'final' }, policy.ladders).before[0]!.atPercent).toBe(10);
    expect(ladderFor({ id: 'EU-NIS2/final-report', kind: 'final' }, policy.ladders).before[0]!.atPercent).toBe(60);
    expect(ladderFor({ id: 'EU-NIS2/early-warning', kind: 'early-warning' }, policy.ladders)).toBe(DEFAULT_LADDERS['early-warning']);
  });

  it('sends every step in time order, each inside the window or after the due instant, for any ladder', () => {
    const ladder = fc.record({
      before: fc.array(
        fc.record({ atPercent: fc.integer({ min: 1, max: 99 }), audience: fc.constantFrom('owner' as const, 'dpo' as const, 'executive' as const) }),
        { maxLength: 6 },
      ),
      overdue: fc.record({ audience: fc.constant('executive' as const), everyHours: fc.integer({ min: 1, max: 48 }), times: fc.integer({ min: 0, max: 10 }) }),
    });
    fc.assert(
      fc.property(ladder, fc.integer({ min: 1, max: 90 * 24 }), (l, windowHours) => {
        const steps = ladderSteps(startAt, startAt + windowHours * H, l);
        steps.forEach((s, i) => i > 0 && expect(s.at).toBeGreaterThanOrEqual(steps[i - 1]!.at));
        steps.filter((s) => !s.overdue).forEach((s) => expect(s.at).toBeLessThan(startAt + windowHours * H));
        expect(new Set(steps.map((s) => s.step)).size).toBe(steps.length);
      }),
    );
  });
});

describe('task escalation steps', () => {
  const targetAt = startAt;
  const D = 24 * H;

  it('escalates a slipping task at its target, then daily, three times in all, to its audience', () => {
    expect(taskSteps(targetAt, targetAt - H, new Set(), 'executive').map((s) => [s.step, (s.at - targetAt) / H, s.audience, s.overdue])).toEqual([
      ['missed', 0, 'executive', true],
      ['missed+24h', 24, 'executive', true],
      ['missed+48h', 48, 'executive', true],
    ]);
  });

  it.each([
    [0.5, ['missed', 'missed+24h', 'missed+48h']],
    [1.5, ['missed+24h', 'missed+48h']],
    [2, ['missed+48h']],
    [5, ['missed+48h']],
  ])('escalates a task found %s days late from the latest step due, once, not in a burst', (daysLate, steps) => {
    expect(taskSteps(targetAt, targetAt + daysLate * D, new Set(), 'owner').map((s) => s.step)).toEqual(steps);
  });

  it('skips steps already sent for the same target', () => {
    expect(taskSteps(targetAt, targetAt + 1.5 * D, new Set(['missed+24h']), 'owner').map((s) => s.step)).toEqual(['missed+48h']);
    expect(taskSteps(targetAt, targetAt + 9 * D, new Set(['missed+48h']), 'owner')).toEqual([]);
  });

  it('never sends more than three, in time order, for any target and any moment', () => {
    fc.assert(
      fc.property(fc.integer({ min: -30 * 24, max: 30 * 24 }), (hoursLate) => {
        const steps = taskSteps(targetAt, targetAt + hoursLate * H, new Set(), 'dpo');
        expect(steps.length).toBeGreaterThanOrEqual(1);
        expect(steps.length).toBeLessThanOrEqual(TASK_ESCALATIONS);
        steps.forEach((s, i) => i > 0 && expect(s.at - steps[i - 1]!.at).toBe(D));
        expect(steps.at(-1)!.step).toBe('missed+48h');
      }),
    );
  });
});

describe('acknowledging and snoozing an escalation', () => {
  const steps = ladderSteps(startAt, dueAt, DEFAULT_LADDERS.final);
  const answer = (action: EscalationAnswer['action'], until?: number): EscalationAnswer => ({
    action,
    by: 'olga@example.test',
    via: 'api',
    at: startAt,
    dueAt,
    until,
  });
  const names = (list: { step: string }[]) => list.map((s) => s.step);

  it("stops the ladder climbing once acknowledged, and keeps the deadline's own steps: at the due instant and after", () => {
    const left = answeredSteps(steps, answer('acknowledge'), true);
    expect(names(left).slice(0, 2)).toEqual(['missed', 'missed+24h']);
    expect(left.every((s) => s.at >= dueAt)).toBe(true);
    expect(left).toHaveLength(steps.filter((s) => s.overdue).length);
  });

  it("stops a task's escalation entirely once acknowledged: its target is the plan's, not the law's", () => {
    expect(answeredSteps(taskSteps(dueAt, startAt, new Set(), 'owner'), answer('acknowledge'), false)).toEqual([]);
  });

  it('holds the steps a snooze covers to its end, sending the latest of them once there', () => {
    const until = startAt + 85 * H; // past at-50% and at-80%
    const left = answeredSteps(steps, answer('snooze', until), true);
    expect(left.slice(0, 2).map((s) => [s.step, (s.at - startAt) / H, s.audience])).toEqual([
      ['at-80%', 85, 'dpo'],
      ['at-95%', 95, 'executive'],
    ]);
  });

  it("drops what a snooze to the deadline held: the deadline's own step is sent there", () => {
    const left = answeredSteps(steps, answer('snooze', dueAt), true);
    expect(names(left)[0]).toBe('missed');
    expect(left[0]!.at).toBe(dueAt);
  });

  it('never ends a snooze past the legal deadline nor past the policy bound, for any request', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99 * 60 }),
        fc.integer({ min: 1, max: 30 * 24 * 60 }),
        fc.integer({ min: 1, max: 3 * 24 * 60 }),
        (at, minutes, max) => {
          const now = startAt + at * 60_000;
          const until = snoozeUntil(now, minutes, max, dueAt, true)!;
          expect(until).toBeGreaterThan(now);
          expect(until).toBeLessThanOrEqual(dueAt);
          expect(until - now).toBeLessThanOrEqual(max * 60_000);
          // No step is sent during the snooze but the deadline's own.
          const left = answeredSteps(steps, { ...answer('snooze', until), at: now }, true);
          expect(left.filter((s) => s.at < until)).toEqual([]);
        },
      ),
    );
  });

  it('refuses a snooze once the deadline has come, and any answer once acknowledged', () => {
    const deadline = { dueAt, legal: true, maxSnoozeMinutes: 60 };
    const request = { action: 'snooze' as const, snoozeMinutes: 30, by: 'olga@example.test', via: 'api' };
    expect(() => decideAnswer(request, undefined, deadline, dueAt)).toThrow(/a snooze cannot hold an escalation past its legal deadline/);
    expect(() => decideAnswer(request, answer('acknowledge'), deadline, startAt)).toThrow(/already acknowledged by olga@example.test/);
    expect(decideAnswer({ ...request, snoozeMinutes: 600 }, answer('snooze', startAt + H), deadline, startAt).until).toBe(startAt + 60 * 60_000);
  });
});

describe('response policy', () => {
  it('refuses ladders and targets for obligations it does not know, naming each', () => {
    const bad = {
      ladders: { 'JP-APPI/nope': { before: [], overdue: { audience: 'cfo', everyHours: 0, times: 1 } } },
      internalTargets: { 'JP-APPI/ppc-final': { amount: 10, unit: 'hours' } },
    };
    const error = (() => {
      try {
        parseOrExplain(ResponsePolicy, bad, 'response policy');
      } catch (e) {
        return e as InvalidInput;
      }
    })()!;
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.errors.map((e) => e.field)).toEqual([
      'ladders.JP-APPI/nope.overdue.audience',
      'ladders.JP-APPI/nope.overdue.everyHours',
      'internalTargets.JP-APPI/ppc-final',
    ]);
    expect(error.message).toContain('internalTargets.JP-APPI/ppc-final: not an obligation with an internal target');
  });

  it('takes an empty policy as the defaults', () => {
    expect(ResponsePolicy.parse({})).toEqual({
      fourEyes: ['regulator'],
      ladders: {},
      internalTargets: {},
      testRecipients: [],
      intake: { perTokenPerMinute: 600, perSourcePerMinute: 120 },
      registerRetentionYears: 5,
      insurers: [],
      contactDesk: { contactRate: 0.05, dayShares: [0.5, 0.25, 0.15, 0.1], minutesPerContact: 8, hoursPerDay: 9, occupancy: 0.8 },
    });
  });
});
