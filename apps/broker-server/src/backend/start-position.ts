/** Where a new group starts in a partition, from the subscribe options. [CONS-1] */
import { FerryError, type StartPosition } from '@ferry/protocol';
import type { PartitionBounds } from '../storage/types.js';

export function startOffset(bounds: PartitionBounds, start: StartPosition | undefined): number {
  const { first, next } = bounds;
  switch (start?.kind ?? 'latest') {
    case 'earliest':
      return first;
    case 'latest':
      return next;
    case 'offset':
      return Math.min(Math.max(required(start), first), next);
    case 'lastN':
      return Math.max(first, next - required(start));
    default:
      throw new FerryError('INVALID_CONFIG', `unknown start kind ${String(start?.kind)}`);
  }
}

function required(start: StartPosition | undefined): number {
  if (start?.value === undefined)
    throw new FerryError('INVALID_CONFIG', `start kind ${start?.kind} needs a value`);
  return start.value;
}
