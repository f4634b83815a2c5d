/** Where a new group starts in a partition, or where a seek moves it. [CONS-1] */
import { FerryError, type StartPosition } from '@ferry/protocol';
import type { PartitionBounds } from '../storage/types.js';

/** What a start position is computed from: the partition's bounds, and its time index. */
export interface StartSource {
  bounds: PartitionBounds;
  /** The first offset appended at or after `timestamp` (next if none). */
  offsetAt(timestamp: number): Promise<number>;
}

export async function startOffset(
  source: StartSource,
  start: StartPosition | undefined,
): Promise<number> {
  const { first, next } = source.bounds;
  switch (start?.kind ?? 'latest') {
    case 'earliest':
      return first;
    case 'latest':
      return next;
    case 'offset':
      return clamp(required(start), first, next);
    case 'lastN':
      return Math.max(first, next - required(start));
    case 'time':
      return clamp(await source.offsetAt(required(start)), first, next);
    default:
      throw new FerryError('INVALID_CONFIG', `unknown start kind ${String(start?.kind)}`);
  }
}

/** Refuses a start position that could not be computed, before anything is created or moved. */
export function checkStart(start: StartPosition | undefined): void {
  if (start === undefined) return;
  if (!['earliest', 'latest', 'offset', 'lastN', 'time'].includes(start.kind))
    throw new FerryError('INVALID_CONFIG', `unknown start kind ${String(start.kind)}`);
  if (start.kind !== 'earliest' && start.kind !== 'latest') required(start);
}

function clamp(offset: number, first: number, next: number): number {
  return Math.min(Math.max(offset, first), next);
}

function required(start: StartPosition | undefined): number {
  if (start?.value === undefined)
    throw new FerryError('INVALID_CONFIG', `start kind ${start?.kind} needs a value`);
  return start.value;
}
