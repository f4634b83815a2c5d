/**
 * Acks, nacks and dead-letters of one consumer, gathered per event-loop turn into one frame
 * per kind: a consumer acking every message sends one frame per turn, not one per message.
 * The broker's MESSAGE_NOT_PENDING lists exactly the refs it could not settle (CONS-4), so
 * each message still learns its own outcome. Nobody waits for a settlement's answer to send
 * the next one [CLIENT-3]; a consumer that stops first sends what is queued and waits for the
 * answers [CLIENT-2].
 */
import type { MessageRef } from '@ferry/protocol';
import type { Connection, RequestFrame } from './connection.js';
import { type Deferred, deferred } from './deferred.js';
import { ServerError } from './errors.js';
import type { Settlement } from './message.js';
import { nextTurn } from './next-turn.js';

interface Batch {
  settlement: Settlement;
  session: number;
  refs: MessageRef[];
  waiters: Deferred<void>[];
}

const refKey = (ref: MessageRef): string => `${ref.partition}/${ref.offset}`;

function batchKey(settlement: Settlement, session: number): string {
  if (settlement.kind === 'ack') return `${session}:ack`;
  if (settlement.kind === 'nack') return `${session}:nack:${settlement.delayMs ?? 0}`;
  return `${session}:deadLetter:${settlement.reason}`;
}

export class Settlements {
  private readonly batches = new Map<string, Batch>();
  private scheduled = false;
  /** Settlements queued or awaiting the broker's answer. */
  private outstanding = 0;
  private readonly idle: Deferred<void>[] = [];

  /** `sent` is told of each frame as it goes out: how many messages of `session` it settles. */
  constructor(
    private readonly conn: Connection,
    private readonly sid: number,
    private readonly sent: (session: number, count: number) => void,
  ) {}

  /** Whether a settlement is queued or awaiting its answer. */
  get busy(): boolean {
    return this.outstanding > 0;
  }

  /** Queues one message's settlement; resolves once the broker has recorded it durably. */
  add(ref: MessageRef, settlement: Settlement, session: number): Promise<void> {
    this.outstanding += 1;
    const key = batchKey(settlement, session);
    let batch = this.batches.get(key);
    if (batch === undefined) {
      batch = { settlement, session, refs: [], waiters: [] };
      this.batches.set(key, batch);
    }
    const waiter = deferred<void>();
    batch.refs.push(ref);
    batch.waiters.push(waiter);
    if (batch.refs.length >= this.conn.serverLimits.maxBatchMessages) {
      this.batches.delete(key);
      this.send(batch);
    } else if (!this.scheduled) {
      this.scheduled = true;
      nextTurn(() => this.flush());
    }
    return waiter.promise;
  }

  /** Sends what is queued now; resolves once every settlement so far has its answer. */
  answered(): Promise<void> {
    this.flush();
    if (this.outstanding === 0) return Promise.resolve();
    const waiter = deferred<void>();
    this.idle.push(waiter);
    return waiter.promise;
  }

  private flush(): void {
    this.scheduled = false;
    const batches = [...this.batches.values()];
    this.batches.clear();
    for (const batch of batches) this.send(batch);
  }

  private done(count: number): void {
    this.outstanding -= count;
    if (this.outstanding === 0) for (const waiter of this.idle.splice(0)) waiter.resolve();
  }

  private send(batch: Batch): void {
    const { settlement, refs, session } = batch;
    const base = { id: 0, sid: this.sid, refs };
    const frame: RequestFrame =
      settlement.kind === 'ack'
        ? { type: 'ack', ...base }
        : settlement.kind === 'nack'
          ? {
              type: 'nack',
              ...base,
              ...(settlement.delayMs === undefined ? {} : { delayMs: settlement.delayMs }),
            }
          : { type: 'deadLetter', ...base, reason: settlement.reason };
    let answer: Promise<unknown>;
    try {
      answer = this.conn.request(frame, { session });
    } catch (error) {
      // Refused before it was sent (a frame over a limit): it fails, and its credit still returns.
      answer = Promise.reject(error);
    }
    answer
      .then(
        () => {
          for (const waiter of batch.waiters) waiter.resolve();
        },
        (error: unknown) => this.failed(batch, error),
      )
      .finally(() => this.done(refs.length));
    this.sent(session, refs.length);
  }

  /** Fails exactly the refs the broker named as not pending; any other error fails them all. */
  private failed(batch: Batch, error: unknown): void {
    if (!(error instanceof ServerError) || error.refs === undefined) {
      for (const waiter of batch.waiters) waiter.reject(error);
      return;
    }
    const stale = new Map<string, number>();
    for (const ref of error.refs) stale.set(refKey(ref), (stale.get(refKey(ref)) ?? 0) + 1);
    // A ref twice in one batch (a redelivered copy) was applied once: the later copy is stale.
    for (let index = batch.refs.length - 1; index >= 0; index--) {
      const key = refKey(batch.refs[index] as MessageRef);
      const remaining = stale.get(key) ?? 0;
      const waiter = batch.waiters[index] as Deferred<void>;
      if (remaining > 0) {
        stale.set(key, remaining - 1);
        waiter.reject(
          new ServerError(
            error.code,
            `${key} is not in flight to this consumer (already settled, or redelivered after its ack timeout)`,
            error.retriable,
          ),
        );
      } else waiter.resolve();
    }
  }
}
