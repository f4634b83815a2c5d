/**
 * Where the message browser reads, as kept in the URL's query so that a link opens the same
 * page: `partition`, then `offset`, `time` (a datetime-local value) or `last` (the last N), and
 * `size`. Pure, so unit-tested.
 */

export type BrowseFrom =
  | { kind: 'first' }
  | { kind: 'offset'; offset: number }
  | { kind: 'time'; time: string }
  | { kind: 'last'; n: number };

export interface BrowsePosition {
  partition: number;
  from: BrowseFrom;
  size: number;
}

export const DEFAULT_PAGE_SIZE = 50;

function whole(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The position a query names; what is missing or malformed takes the defaults. */
export function positionOf(query: URLSearchParams, maxSize: number): BrowsePosition {
  const size = Math.min(Math.max(whole(query.get('size')) ?? DEFAULT_PAGE_SIZE, 1), maxSize);
  const partition = whole(query.get('partition')) ?? 0;
  const offset = whole(query.get('offset'));
  const time = query.get('time');
  const last = whole(query.get('last'));
  let from: BrowseFrom = { kind: 'first' };
  if (offset !== undefined) from = { kind: 'offset', offset };
  else if (time !== null && time !== '') from = { kind: 'time', time };
  else if (last !== undefined) from = { kind: 'last', n: last };
  return { partition, from, size };
}

/** The query entries of a position, for hrefOf (the tab is the caller's). */
export function queryOf(position: BrowsePosition): Record<string, string | number | undefined> {
  const { from } = position;
  return {
    partition: position.partition,
    offset: from.kind === 'offset' ? from.offset : undefined,
    time: from.kind === 'time' ? from.time : undefined,
    last: from.kind === 'last' ? from.n : undefined,
    size: position.size === DEFAULT_PAGE_SIZE ? undefined : position.size,
  };
}

/** Where the last `n` messages of a partition start. */
export function lastNStart(n: number, partition: { firstOffset: number; nextOffset: number }) {
  return Math.max(partition.firstOffset, partition.nextOffset - n);
}

/** Where the page before one starting at `start` starts, or undefined at the first retained. */
export function olderStart(start: number, size: number, firstOffset: number): number | undefined {
  return start <= firstOffset ? undefined : Math.max(firstOffset, start - size);
}
