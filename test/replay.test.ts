// Versioning: breaches live 60 days and more, so the workflow code of today must replay the histories of breaches
// started by earlier code. The committed fixtures (test/fixtures/histories, recorded by the scripts beside them from
// synthetic breaches) are replayed with the current code; a change that would break them must be guarded with
// patched() (see workflows/breach.ts), or this test fails with the nondeterminism the change would cause.
// Core matches commands by kind and sequence number only, so the test also compares what the current code schedules
// (each timer's summary, each activity's type) with what the history holds: a clock started in another order fails.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { type InjectedSinks, Worker, type WorkflowBundle } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../worker/worker';
import { FIXTURE_CODEC } from './fixtures/codec';
import type { ScheduleSinks } from './fixtures/schedule-recorder';
import type { StatusSinks } from '../workflows/status-snapshot';

type History = proto.temporal.api.history.v1.IHistory;
const { EventType } = proto.temporal.api.enums.v1;

const dir = new URL('./fixtures/histories/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.history.pb'))
  .sort();
const workflowIds: Record<string, string> = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8'));
const SCHEDULE_RECORDER = fileURLToPath(new URL('./fixtures/schedule-recorder.ts', import.meta.url));

/** What a run scheduled: timers by sequence number with their summary, activities by sequence number with their type. */
interface Schedule {
  timers: [number, string | undefined][];
  activities: [number, string][];
}

describe('replay of recorded breach histories', () => {
  it('has fixtures to replay', () => {
    expect(fixtures).toEqual([
      'appi-breach-answered.history.pb',
      'appi-breach-before-playbook.history.pb',
      'appi-breach-decided-at-start.history.pb',
      'appi-breach-with-playbook.history.pb',
      'appi-breach-with-stages.history.pb',
      'appi-breach.history.pb',
      'campaign-breach.history.pb',
      'campaign.history.pb',
    ]);
    expect(Object.keys(workflowIds).sort()).toEqual(fixtures);
  });

  it.each(fixtures)('replays %s with the current workflow code, which schedules the same timers and activities', async (file) => {
    const history = load(file);
    expect(history.events!.length).toBeGreaterThan(20);
    await expectSameSchedule(history, workflowIds[file]!);
  });

  // A breach still running, none of its timers fired yet: a reordering that core sees once the timers fire or are
  // cancelled (they would fire for the wrong clock) is invisible to it here, and only the schedule tells.
  it.each(fixtures)('replays %s cut after the first workflow task that schedules, as a breach still running, with the same schedule', async (file) => {
    const events = load(file).events!;
    const scheduling = events.findIndex(
      (event) => event.eventType === EventType.EVENT_TYPE_TIMER_STARTED || event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    );
    const next = events.findIndex((event, i) => i > scheduling && event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    expect(next).toBeGreaterThan(scheduling);
    await expectSameSchedule({ events: events.slice(0, next) }, workflowIds[file]!);
  });

  it("takes both branches of patched('playbook-tasks'): no tasks for a breach started before the playbook, every task for one started after", async () => {
    const taskTimers = (schedule: Schedule) => schedule.timers.filter(([, summary]) => summary?.startsWith('task ')).length;
    const before = load('appi-breach-before-playbook.history.pb');
    const after = load('appi-breach-with-playbook.history.pb');
    expect(patchMarkers(before)).toEqual([]);
    expect(patchMarkers(after)).toEqual(['playbook-tasks']);
    expect(taskTimers(await replay(before, workflowIds['appi-breach-before-playbook.history.pb']!))).toBe(0);
    // The default playbook's thirteen tasks, each with its clock from the first workflow task on, and their escalations.
    expect(taskTimers(await replay(after, workflowIds['appi-breach-with-playbook.history.pb']!))).toBeGreaterThan(13);
    // Obligation clocks are started in the same workflow task as the task clocks, so their order is held by the fixture.
    const first = (await scheduledIn(after)).timers.slice(0, 16).map(([, summary]) => summary ?? '');
    expect(first.filter((s) => s.startsWith('task ')).length).toBe(13);
    expect(first.filter((s) => s.startsWith('JP-APPI/')).length).toBe(3);
  });
});

describe("replay across patched('response-plan-stages')", () => {
  it('keeps the first playbook for a breach started before the stages, and opens tasks as the facts switch them on for one started after', async () => {
    const before = load('appi-breach-with-playbook.history.pb');
    const after = load('appi-breach-with-stages.history.pb');
    expect(patchMarkers(before)).not.toContain('response-plan-stages');
    expect(patchMarkers(after)).toContain('response-plan-stages');
    const stageTimers = (schedule: Schedule) =>
      [
        ...new Set(
          schedule.timers.map(([, summary]) => summary?.match(/^task ((?:insurer-notice|police|takedown|holding|investigation-body)[a-z0-9-]*):/)?.[1]),
        ),
      ]
        .filter(Boolean)
        .sort();
    expect(stageTimers(await replay(before, workflowIds['appi-breach-with-playbook.history.pb']!))).toEqual([]);
    expect(stageTimers(await replay(after, workflowIds['appi-breach-with-stages.history.pb']!))).toEqual([
      'holding-statement',
      'insurer-notice-1',
      'investigation-body',
      'police-consultation',
      'police-filing',
      'takedown-1',
      'takedown-monitoring',
    ]);
  });
});

describe('replay of a breach whose escalations were answered', () => {
  it("holds patched('escalation-answers') and the clocks an answer restarts: a snooze's held step, then the deadline's own", async () => {
    const history = load('appi-breach-answered.history.pb');
    expect(patchMarkers(history)).toEqual(expect.arrayContaining(['playbook-tasks', 'escalation-answers']));
    const final = (await replay(history, workflowIds['appi-breach-answered.history.pb']!)).timers
      .map(([, summary]) => summary ?? '')
      .filter((s) => s.startsWith('JP-APPI/ppc-final'));
    // at-50% as laddered, again when the snooze held it; at-80% once it was sent; then, acknowledged, only the deadline's own.
    expect(final).toEqual(['JP-APPI/ppc-final: at-50%', 'JP-APPI/ppc-final: at-50%', 'JP-APPI/ppc-final: at-80%', 'JP-APPI/ppc-final: missed']);
  });
});

async function expectSameSchedule(history: History, workflowId: string): Promise<void> {
  const recorded = await scheduledIn(history);
  expect(recorded.timers.length + recorded.activities.length).toBeGreaterThan(0);
  const replayed = await replay(history, workflowId);
  // Matched by sequence number: a timer started and cancelled within one workflow task never reaches history.
  const timers = new Map(replayed.timers);
  expect(recorded.timers.map(([seq]) => [seq, timers.get(seq)])).toEqual(recorded.timers);
  const activities = new Map(replayed.activities);
  expect(recorded.activities.map(([seq]) => [seq, activities.get(seq)])).toEqual(recorded.activities);
}

function load(file: string): History {
  return proto.temporal.api.history.v1.History.decode(readFileSync(new URL(file, dir)));
}

/** Replays one history with the current code, returning what it scheduled; throws on the nondeterminism core sees. */
async function replay(history: History, workflowId: string): Promise<Schedule> {
  const schedule: Schedule = { timers: [], activities: [] };
  const sinks: InjectedSinks<ScheduleSinks & StatusSinks> = {
    // The workers' status sink (worker/status-sink.ts), which a replay worker never calls: registered, as workers have it.
    breachStatus: { snapshot: { fn: () => undefined } },
    schedule: {
      timer: { fn: (_info, seq, summary) => void schedule.timers.push([seq, summary]), callDuringReplay: true },
      activity: { fn: (_info, seq, activityType) => void schedule.activities.push([seq, activityType]), callDuringReplay: true },
    },
  };
  await Worker.runReplayHistory({ workflowBundle: await bundle(), sinks, dataConverter: { payloadCodecs: [FIXTURE_CODEC] } }, history, workflowId);
  return schedule;
}

/** What the history holds: each TimerStarted with its summary (sealed by the codec), each ActivityTaskScheduled with its type. */
async function scheduledIn(history: History): Promise<Schedule> {
  const schedule: Schedule = { timers: [], activities: [] };
  for (const event of history.events!) {
    if (event.eventType === EventType.EVENT_TYPE_TIMER_STARTED) {
      const sealed = event.userMetadata?.summary as Payload | undefined;
      const summary = sealed ? defaultPayloadConverter.fromPayload<string>((await FIXTURE_CODEC.decode([sealed]))[0]!) : undefined;
      schedule.timers.push([Number(event.timerStartedEventAttributes!.timerId), summary]);
    } else if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const attributes = event.activityTaskScheduledEventAttributes!;
      schedule.activities.push([Number(attributes.activityId), attributes.activityType!.name!]);
    }
  }
  return schedule;
}

/** The ids of the patches the history's markers record. */
function patchMarkers(history: History): string[] {
  return history.events!.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    return [defaultPayloadConverter.fromPayload<{ id: string }>(marker.details!['patch-data']!.payloads![0] as Payload).id];
  });
}

let bundled: Promise<WorkflowBundle> | undefined;
const bundle = () => (bundled ??= bundleWorkflows({ workflowInterceptorModules: [SCHEDULE_RECORDER] }));
