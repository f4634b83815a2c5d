/**
 * Acks, nacks and dead-letters of one consumer, gathered per event-loop turn into one frame
 * per kind: a consumer acking every message sends one frame per turn, not one per message.
 * The broker's MESSAGE_NOT_PENDING lists exactly the refs it could not settle (CONS-4), so
 * each message still learns its own outcome.
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

  constructor(
    private readonly conn: Connection,
    private readonly sid: number,
  ) {}

  /** Queues one message's settlement; resolves once the broker has recorded it durably. */
  add(ref: MessageRef, settlement: Settlement, session: number): Promise<void> {
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

  private flush(): void {
    this.scheduled = false;
    const batches = [...this.batches.values()];
    this.batches.clear();
    for (const batch of batches) this.send(batch);
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
    this.conn.request(frame, { session }).then(
      () => {
        for (const waiter of batch.waiters) waiter.resolve();
      },
      (error: unknown) => this.failed(batch, error),
    );
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
