// Histories as a loaded worker records them, made from the histories a test run recorded.
import proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.IHistory;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const { EventType } = proto.temporal.api.enums.v1;
const { HistoryEvent } = proto.temporal.api.history.v1;
const isLocalActivityMarker = (event: HistoryEvent) =>
  event.eventType === EventType.EVENT_TYPE_MARKER_RECORDED && event.markerRecordedEventAttributes?.markerName === 'core_local_activity';

/**
 * The breach's first workflow task, as recorded when its local activities' results came back late: the first
 * `resultsInFirst` results are in the first task, and what the workflow did with them (the commands after them) is in
 * a second task, as the server records it when the worker completes the task with the results and carries on in the
 * next (seen on a loaded machine, test/production.e2e.ts). The history is cut at the end of those commands: a breach
 * still running. Replay delivers the results while it replays the first task, so the code after them runs there,
 * one task earlier than it ran when recorded.
 */
export function withLocalActivityResultsAhead(history: History, resultsInFirst: number): History {
  const events = history.events!;
  const firstCompleted = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const nextTask = events.findIndex((e, i) => i > firstCompleted && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  const commands = events.slice(firstCompleted + 1, nextTask === -1 ? events.length : nextTask);
  // The first `resultsInFirst` local activity results stay in the first task; what follows them moves to the second.
  let results = 0;
  const lastMarker = commands.findIndex((e) => isLocalActivityMarker(e) && ++results === resultsInFirst);
  if (lastMarker === -1 || lastMarker === commands.length - 1)
    throw new Error(`the first workflow task has no ${resultsInFirst} local activity results followed by further commands`);
  const inFirst = commands.slice(0, lastMarker + 1);
  const inSecond = commands.slice(lastMarker + 1);
  const at = firstCompleted + 1 + inFirst.length + 1; // event ids count from 1
  // The second task is the first one's three events again, numbered after the results.
  const [scheduled, started, completed] = events.slice(firstCompleted - 2, firstCompleted + 1).map((e) => HistoryEvent.toObject(HistoryEvent.create(e)));
  const task = [
    { ...scheduled, eventId: at },
    { ...started, eventId: at + 1, workflowTaskStartedEventAttributes: { ...started!.workflowTaskStartedEventAttributes, scheduledEventId: at } },
    {
      ...completed,
      eventId: at + 2,
      workflowTaskCompletedEventAttributes: {
        ...completed!.workflowTaskCompletedEventAttributes,
        scheduledEventId: at,
        startedEventId: at + 1,
        sdkMetadata: {},
      },
    },
  ].map((e) => HistoryEvent.fromObject(e));
  const moved = inSecond.map((e, i) => HistoryEvent.fromObject({ ...HistoryEvent.toObject(HistoryEvent.create(e)), eventId: at + 3 + i }));
  return { events: [...events.slice(0, firstCompleted + 1), ...inFirst, ...task, ...moved] };
}
