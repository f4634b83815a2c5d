/** The streams a station is made of, created with it and deleted with it. */
import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { StationStoreConfig } from '../backend/types.js';
import type { JsContext } from './context.js';
import { isNotFound, jsError } from './errors.js';
import type { StationNames } from './names.js';

/** How long a dead-letter add is remembered, so a broker that stopped mid-way adds it once. */
const DEAD_LETTER_DEDUP_MS = 120_000;
/** Claims outlive their window by this much, so a duplicate's claim can still be read. */
const CLAIM_GRACE_MS = 60_000;

export async function createStreams(
  ctx: JsContext,
  names: StationNames,
  config: StationStoreConfig,
): Promise<void> {
  // The station's own replicas; a station made without (the contract's, say) takes the engine's.
  const common: Partial<StreamConfig> = {
    storage: config.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: config.replicas ?? ctx.replicas,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
  };
  const window = config.dedupWindowMs;
  const streams: (Partial<StreamConfig> & { name: string })[] = Array.from(
    { length: config.partitions },
    (_, p) => ({
      name: names.partitionStream(p),
      subjects: [names.partitionSubject(p)],
      ...(window > 0 ? { duplicate_window: nanos(window) } : {}),
    }),
  );
  streams.push({
    name: names.deadLetterStream,
    subjects: [names.deadLetterSubjects],
    duplicate_window: nanos(DEAD_LETTER_DEDUP_MS),
  });
  streams.push({
    name: names.resendStream,
    subjects: [names.resendSubjects],
    retention: RetentionPolicy.Workqueue,
  });
  if (window > 0)
    streams.push({
      name: names.claimStream,
      subjects: [names.claimSubject],
      duplicate_window: nanos(window),
      max_age: nanos(window + CLAIM_GRACE_MS),
    });
  try {
    await Promise.all(streams.map((s) => ctx.jsm.streams.add({ ...common, ...s })));
  } catch (err) {
    await deleteStreams(ctx, names).catch(() => {});
    throw jsError('the station could not be created', err);
  }
}

/** Deletes every stream of the station (those that exist). */
export async function deleteStreams(ctx: JsContext, names: StationNames): Promise<void> {
  const mine: string[] = [];
  try {
    for await (const name of ctx.jsm.streams.names()) {
      if (name.startsWith(names.streamPrefix)) mine.push(name);
    }
    await Promise.all(
      mine.map((name) =>
        ctx.jsm.streams.delete(name).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        }),
      ),
    );
  } catch (err) {
    throw jsError('the station could not be deleted', err);
  }
}
