// The worker's bounds: a cache sized from the heap it has, never the SDK's 600 a GiB that let one worker grow until
// its workflow thread ran out of memory, and few workflow task slots, so a starved CPU queues tasks on the server.
import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../workflows/domain/facts';
import { boundWorkflowHeap, CACHED_BREACH_KIB, cacheForHeap, DEFAULT_WORKFLOW_HEAP_MIB, workerTuning } from '../worker/tuning';

describe('worker tuning', () => {
  it('sizes the sticky cache from the heap limit, bounded both ways', () => {
    expect(cacheForHeap(512)).toBe(Math.floor((256 * 1024) / CACHED_BREACH_KIB));
    expect(cacheForHeap(100)).toBe(10);
    expect(cacheForHeap(64 * 1024)).toBe(2000);
    // What the SDK would cache on a 4 GiB heap (2,280 workflows) does not fit: ours does, with the base to spare.
    expect(cacheForHeap(4096) * CACHED_BREACH_KIB).toBeLessThanOrEqual((4096 - 256) * 1024);
  });

  it('takes the cache and the slots from the environment, and refuses a bad value naming the variable', () => {
    expect(workerTuning({}, 1024)).toEqual({ maxCachedWorkflows: cacheForHeap(1024), maxConcurrentWorkflowTaskExecutions: 10 });
    expect(workerTuning({ BREACHLINE_MAX_CACHED_WORKFLOWS: '0', BREACHLINE_WORKFLOW_TASK_SLOTS: '4', BREACHLINE_ACTIVITY_TASK_SLOTS: '20' }, 1024)).toEqual({
      maxCachedWorkflows: 0,
      maxConcurrentWorkflowTaskExecutions: 4,
      maxConcurrentActivityTaskExecutions: 20,
    });
    expect(() => workerTuning({ BREACHLINE_MAX_CACHED_WORKFLOWS: 'lots' })).toThrow(InvalidInput);
    expect(() => workerTuning({ BREACHLINE_MAX_CACHED_WORKFLOWS: 'lots' })).toThrow(/BREACHLINE_MAX_CACHED_WORKFLOWS/);
  });

  it("bounds the workflow thread's heap for 1 GiB of RSS unless told otherwise, and sizes the cache from it", () => {
    const flags: string[] = [];
    const apply = (f: string) => void flags.push(f);
    expect(boundWorkflowHeap({}, '', apply)).toBe(DEFAULT_WORKFLOW_HEAP_MIB);
    expect(boundWorkflowHeap({ BREACHLINE_WORKFLOW_HEAP_MIB: '1024' }, '--max-old-space-size=4096', apply)).toBe(1024);
    expect(flags).toEqual([`--max-old-space-size=${DEFAULT_WORKFLOW_HEAP_MIB}`, '--max-old-space-size=1024']);
    // node's own --max-old-space-size is inherited by the thread: left alone.
    boundWorkflowHeap({}, '--max-old-space-size=512', apply);
    expect(flags).toHaveLength(2);
    expect(() => boundWorkflowHeap({ BREACHLINE_WORKFLOW_HEAP_MIB: '64' }, '', apply)).toThrow(/BREACHLINE_WORKFLOW_HEAP_MIB/);
    expect(workerTuning({}, DEFAULT_WORKFLOW_HEAP_MIB).maxCachedWorkflows).toBe(cacheForHeap(DEFAULT_WORKFLOW_HEAP_MIB));
  });
});
