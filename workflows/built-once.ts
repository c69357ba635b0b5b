// Values every breach workflow builds alike (the zod schemas, the default playbooks, the rule packs), built once per
// workflow thread and then shared by every workflow on it.
//
// The workflow sandbox evaluates each workflow module anew for every workflow it runs (on first start and on every
// replay after an eviction), so that no workflow sees another's module state; only preloaded modules are shared,
// and the SDK deep-freezes them. zod schemas cannot be frozen (they fill in their internals on first use), and
// building Breachline's few hundred schemas and a hundred rule packs was a third of the CPU a breach's first
// workflow task took, and a copy of each held by every cached breach. This module is preloaded (worker/worker.ts);
// its map is not reachable from its exports, so it is neither frozen nor per workflow: the first workflow that
// evaluates a module builds its values, every later one takes them from here.
//
// What may be built once: values that no workflow changes and that depend on nothing a workflow holds (no facts,
// no clock, no module state that changes). Plain data is deep-frozen here, so a workflow that tried to change it
// would fail its task at once, in every test, instead of changing another breach's copy. Schemas are not frozen;
// zod's own caches in them are the same for every workflow.
//
// Outside the sandbox (the API, the activities, the tests) a module is evaluated once per process anyway, and this
// only memoises.

const built = new Map<string, unknown>();
let reused = 0;

export interface BuildOnce {
  /** A value no one changes that cannot be frozen: a zod schema, or an object holding schemas. */
  <T>(build: () => T): T;
  /** Plain data (with the pure functions in it), its objects and arrays deep-frozen. */
  data<T>(build: () => T): T;
}

/**
 * The builder for one module: its values are keyed by the module's name and their order, which is the same at every
 * evaluation of the module (every call is at its top level, none conditional).
 */
export function buildOnce(moduleName: string): BuildOnce {
  let next = 0;
  const take = <T>(build: () => T, finish: (value: T) => T): T => {
    const key = `${moduleName}#${next++}`;
    if (built.has(key)) {
      reused++;
      return built.get(key) as T;
    }
    const value = finish(build());
    built.set(key, value);
    return value;
  };
  const once = (<T>(build: () => T) => take(build, (value) => value)) as BuildOnce;
  once.data = <T>(build: () => T) => take(build, deepFreeze);
  return once;
}

/** How many values this thread (or process) has built, and how many times one was taken instead of built again. */
export const builtOnceStats = (): { built: number; reused: number } => ({ built: built.size, reused });

/** Objects and arrays, not the functions in them: a function is code, and a bundler may still name it after this. */
function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor && 'value' in descriptor) deepFreeze(descriptor.value, seen);
  }
  return Object.freeze(value);
}
