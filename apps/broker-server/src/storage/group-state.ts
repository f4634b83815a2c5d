/**
 * A consumer group's state in memory, and the rules by which ops change it.
 * Pure: the file and memory group stores both apply ops through it, and the
 * tests use it as the model the stores must match.
 */
import { StorageError } from './errors.js';
import type { GroupOp, GroupPartitionState } from './types.js';

/** An offset or cursor: a non-negative safe integer whose successor is safe too (the cursor moves past it). */
export function isOffset(value: unknown): value is number {
  return (
    Number.isSafeInteger(value) &&
    (value as number) >= 0 &&
    (value as number) < Number.MAX_SAFE_INTEGER
  );
}

/** The first invalid field of an op, if any. */
function invalidField(op: GroupOp): string | undefined {
  if (typeof op !== 'object' || op === null) return 'op';
  if (!isOffset(op.partition)) return 'partition';
  switch (op.op) {
    case 'init':
    case 'seek':
    case 'rewind':
      return isOffset(op.cursor) ? undefined : 'cursor';
    case 'delay':
      if (!isOffset(op.until)) return 'until';
      return isOffset(op.offset) ? undefined : 'offset';
    case 'deliver':
    case 'done':
      return isOffset(op.offset) ? undefined : 'offset';
    default:
      return 'op';
  }
}

/** Throws StorageError('INTERNAL') for the first malformed op, so that a batch is applied whole or not at all. */
export function validateOps(ops: readonly GroupOp[]): void {
  if (!Array.isArray(ops)) throw new StorageError('INTERNAL', 'group ops: not an array');
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as GroupOp;
    const field = invalidField(op);
    if (field !== undefined)
      throw new StorageError('INTERNAL', `group op ${i} (${String(op?.op)}): invalid ${field}`);
  }
}

/** Moves the cursor over the offsets already done, so `done` only holds offsets above it. */
function advance(s: GroupPartitionState): void {
  while (s.done.delete(s.cursor)) s.cursor++;
}

function dropBelow<T>(entries: Set<number> | Map<number, T>, cursor: number): void {
  for (const offset of entries.keys()) if (offset < cursor) entries.delete(offset);
}

export class GroupState {
  /** Per partition; nothing is kept for offsets below a cursor, so the size follows what is in flight. */
  readonly partitions = new Map<number, GroupPartitionState>();

  get(partition: number): GroupPartitionState | undefined {
    return this.partitions.get(partition);
  }

  /** Applies a valid op (see validateOps). Ops on a partition without an init are ignored. */
  apply(op: GroupOp): void {
    if (op.op === 'init') {
      // The start position applies only when the group is created.
      if (!this.partitions.has(op.partition)) {
        this.partitions.set(op.partition, {
          cursor: op.cursor,
          done: new Set(),
          deliveries: new Map(),
          delayedUntil: new Map(),
        });
      }
      return;
    }
    const s = this.partitions.get(op.partition);
    if (s === undefined) return;
    switch (op.op) {
      case 'deliver':
        if (op.offset >= s.cursor && !s.done.has(op.offset)) {
          s.deliveries.set(op.offset, (s.deliveries.get(op.offset) ?? 0) + 1);
        }
        return;
      case 'delay':
        if (op.offset >= s.cursor && !s.done.has(op.offset))
          s.delayedUntil.set(op.offset, op.until);
        return;
      case 'done':
        if (op.offset < s.cursor) return;
        s.deliveries.delete(op.offset);
        s.delayedUntil.delete(op.offset);
        s.done.add(op.offset);
        advance(s);
        return;
      case 'seek':
        // State at or above the new cursor is kept: offsets done there stay done.
        s.cursor = op.cursor;
        dropBelow(s.done, s.cursor);
        dropBelow(s.deliveries, s.cursor);
        dropBelow(s.delayedUntil, s.cursor);
        advance(s);
        return;
      case 'rewind':
        s.cursor = op.cursor;
        s.done.clear();
        s.deliveries.clear();
        s.delayedUntil.clear();
        return;
    }
  }
}
