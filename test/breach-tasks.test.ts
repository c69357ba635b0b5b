// The breach's task state (workflows/breach/tasks.ts) on its own, outside a workflow: which records it takes, from
// whom, and what it shows, before any clock runs. Recording and escalating need the workflow: test/playbook.test.ts.
import { describe, expect, it } from 'vitest';
import { EscalationSender } from '../workflows/breach/escalations';
import { Tasks } from '../workflows/breach/tasks';
import { Timeline } from '../workflows/breach/timeline';
import { DEFAULT_PLAYBOOK, DEFAULT_PLAYBOOK_V1, Playbook } from '../workflows/domain/playbook';

const HOUR_MS = 3_600_000;
const awareAt = Date.parse('2026-11-24T03:00:00Z');
const operator = { id: 'olga@example.test', roles: ['operator' as const] };

function tasksOf(playbook: Playbook = DEFAULT_PLAYBOOK): Tasks {
  const timeline = new Timeline('breach-test', () => undefined);
  const tasks = new Tasks('breach-test', timeline, new EscalationSender('breach-test', timeline), () => Promise.resolve());
  tasks.open(playbook, awareAt);
  return tasks;
}

const refusal = (f: () => void) => {
  try {
    f();
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
};

describe('task state', () => {
  it('opens every task of the playbook with its target counted from awareness', () => {
    const statuses = tasksOf().statuses(awareAt + 3 * HOUR_MS);
    expect(statuses.map((t) => t.id)).toEqual(DEFAULT_PLAYBOOK.tasks.map((t) => t.id));
    expect(statuses.find((t) => t.id === 'task-force')).toMatchObject({
      state: 'open',
      targetAt: '2026-11-24T05:00:00.000Z',
      overdue: true,
      records: [],
      escalations: [],
    });
    expect(statuses.find((t) => t.id === 'evidence-preserved')).toMatchObject({ targetAt: '2026-11-24T07:00:00.000Z', overdue: false });
  });

  it.each([
    [{ taskId: 'nope', by: operator, outcome: {} }, /^invalid task record: taskId: no task "nope" \(known: task-force, /],
    [{ taskId: 'counsel-review', by: operator, outcome: {} }, /^invalid task record: role: operator may not record "counsel-review"; it needs manager$/],
    [{ taskId: 'outside-experts', by: operator, outcome: { decision: 'declined' } }, /reason: declining outside experts needs a reason/],
    [{ taskId: 'evidence-preserved', by: operator, outcome: { items: [{ name: 'log', sha256: 'abc' }] } }, /items\.0\.sha256: a SHA-256 in lower-case hex/],
    [{ taskId: 'containment', by: operator, waive: { reason: ' ' } }, /waive\.reason: waiving a task needs a reason/],
  ])('refuses %j, naming why', (request, message) => {
    expect(refusal(() => tasksOf().check(request as never))).toMatch(message);
  });

  it('takes a valid outcome, and a waiver with its reason, from a role the task allows', () => {
    const tasks = tasksOf(DEFAULT_PLAYBOOK_V1);
    expect(
      refusal(() => tasks.check({ taskId: 'counsel-review', by: { id: 'max@example.test', roles: ['manager'] }, outcome: { note: 'reviewed' } })),
    ).toBeUndefined();
    expect(refusal(() => tasks.check({ taskId: 'containment', by: operator, waive: { reason: 'contained by the host' } }))).toBeUndefined();
  });

  it('has no tasks for a breach started before the playbook, and says so', () => {
    const timeline = new Timeline('breach-test', () => undefined);
    const tasks = new Tasks('breach-test', timeline, new EscalationSender('breach-test', timeline), () => Promise.resolve());
    expect(refusal(() => tasks.check({ taskId: 'task-force', by: operator, outcome: {} }))).toBe(
      'invalid task record: this breach was started before the playbook, and has no tasks',
    );
    expect(tasks.statuses(awareAt)).toEqual([]);
  });

  it('provides nothing to the report before an outcome is recorded', () => {
    expect(tasksOf().provided()).toEqual({});
  });
});
