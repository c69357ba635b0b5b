// The worker's end of workflows/status-snapshot.ts: each breach's status as its workflow task left it, sealed by the
// payload codec and written to the store before the task's completion goes to Temporal, so a change an update made
// can be read as soon as the update has answered (when the store answers within WRITE_WAIT_MS). Bounded both ways:
// the task waits for the write at most WRITE_WAIT_MS (a slow store does not hold the breach up; the write goes on),
// and a failed write is tried again a few times, then withdrawn (the breach is then read by query, never from a
// status older than its state) and counted (breachline_status_snapshots_total).
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { InjectedSinks } from '@temporalio/worker';
import { statusSnapshots, timedStore } from '../activities/metrics';
import type { Store } from '../activities/store';
import type { BreachSummary, OpenRowsQuery, StatusListing } from '../activities/store/status-snapshots';
import type { StatusPosition, StatusSinks } from '../workflows/status-snapshot';
import type { BreachStatus } from '../workflows/definitions';
import type { EncryptionCodec } from './codec';

/** The workflow interceptor module every breach worker's bundle carries. */
export const STATUS_SNAPSHOT_MODULE = fileURLToPath(new URL('../workflows/status-snapshot.ts', import.meta.url));

const WRITE_WAIT_MS = 1_000;
const RETRY_DELAYS_MS = [500, 2_000, 8_000];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const Payload = proto.temporal.api.common.v1.Payload;

/** A value as the store keeps it: a payload encrypted by the codec, as Temporal keeps it. */
async function seal(codec: Pick<EncryptionCodec, 'encode'>, value: unknown): Promise<Uint8Array> {
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
  return Payload.encode(sealed!).finish();
}

async function open<T>(codec: Pick<EncryptionCodec, 'decode'>, sealed: Uint8Array): Promise<T> {
  const [payload] = await codec.decode([Payload.decode(sealed)]);
  return defaultPayloadConverter.fromPayload<T>(payload!);
}

/** A status as the store keeps it. */
export function sealStatus(codec: Pick<EncryptionCodec, 'encode'>, status: BreachStatus): Promise<Uint8Array> {
  return seal(codec, status);
}

/** The detection as a list shows it: free text, sealed like the status. */
type ListedDetection = Pick<BreachSummary, 'source' | 'summary' | 'detectedAt'>;

/**
 * What the list filters and orders by, from the status: the values the workflow keeps in its search attributes
 * (workflows/breach/response.ts, publishSearchAttributes): phase, every obligation's regime, the nearest open
 * deadline; and the detection's severity, which the client sets at start.
 */
export function listingOf(status: BreachStatus): Omit<StatusListing, 'startedAt' | 'summary'> {
  const open = status.obligations.filter((o) => o.state === 'open').map((o) => Date.parse(o.dueAt));
  return {
    phase: status.phase,
    ...(status.detection.severity ? { severity: status.detection.severity } : {}),
    regimes: [...new Set(status.obligations.map((o) => o.regime))],
    nextDeadlineAt: open.length ? Math.min(...open) : null,
  };
}

/** The reader the API gives Breaches: each breach's status from the store, opened with the codec. */
export function statusReader(snapshots: Pick<Store['statusSnapshots'], 'latest' | 'listOpen' | 'countOpen'>, codec: Pick<EncryptionCodec, 'decode'>) {
  return {
    async latest(breachId: string): Promise<BreachStatus | undefined> {
      const sealed = await snapshots.latest(breachId);
      return sealed ? open<BreachStatus>(codec, sealed) : undefined;
    },
    /** Open breaches from their rows, soonest deadline first; a row whose summary cannot be opened carries `error`. */
    async listOpen(query: OpenRowsQuery): Promise<BreachSummary[]> {
      const rows = await snapshots.listOpen(query);
      return Promise.all(
        rows.map(async (row) => {
          const listed: BreachSummary = {
            breachId: row.breachId,
            status: 'RUNNING',
            phase: row.phase,
            ...(row.severity ? { severity: row.severity } : {}),
            regimes: row.regimes,
            nextDeadlineAt: row.nextDeadlineAt ? row.nextDeadlineAt.toISOString() : null,
            startedAt: row.startedAt.toISOString(),
          };
          try {
            return { ...listed, ...(await open<ListedDetection>(codec, row.summary)) };
          } catch (error) {
            return { ...listed, error: `cannot decode this breach's summary: ${(error as Error).message}` };
          }
        }),
      );
    },
    countOpen: () => snapshots.countOpen(),
  };
}

export function statusSink(
  store: Pick<Store, 'statusSnapshots'>,
  codec: Pick<EncryptionCodec, 'encode'>,
  options: { retryDelaysMs?: number[] } = {},
): InjectedSinks<StatusSinks> {
  const delays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
  /** The newest position handed over for each breach whose write is not settled: an older one stops retrying. */
  const newest = new Map<string, StatusPosition>();
  const superseded = (breachId: string, position: StatusPosition) => newest.get(breachId) !== position;

  async function write(status: BreachStatus, position: StatusPosition, startedAt: Date): Promise<void> {
    const { breachId } = status;
    let sealed: { status: Uint8Array; listing: StatusListing } | undefined; // sealed once, whatever the retries
    for (let attempt = 0; ; attempt++) {
      try {
        sealed ??= {
          status: await seal(codec, status),
          listing: {
            ...listingOf(status),
            startedAt,
            summary: await seal(codec, { source: status.detection.source, summary: status.detection.summary, detectedAt: status.detection.detectedAt }),
          },
        };
        const { status: bytes, listing } = sealed;
        const outcome = await timedStore('status-snapshot', () => store.statusSnapshots.record(breachId, bytes, position, listing));
        statusSnapshots.inc({ outcome });
        break;
      } catch {
        if (superseded(breachId, position)) break;
        if (attempt >= delays.length) {
          statusSnapshots.inc({ outcome: 'failed' });
          // What the store holds is older than the breach: withdrawn, the status is read by query instead.
          await store.statusSnapshots.forget(breachId, position).catch(() => undefined);
          break;
        }
        await sleep(delays[attempt]!);
      }
    }
    if (!superseded(breachId, position)) newest.delete(breachId);
  }

  return {
    breachStatus: {
      snapshot: {
        fn: async (info, status, position) => {
          if (status.breachId !== info.workflowId) return;
          newest.set(status.breachId, position);
          let timer: NodeJS.Timeout | undefined;
          const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, WRITE_WAIT_MS)));
          await Promise.race([write(status, position, info.startTime), waited]).finally(() => clearTimeout(timer));
        },
        callDuringReplay: false,
      },
    },
  };
}
