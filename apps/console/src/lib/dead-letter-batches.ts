/**
 * Acting on many dead letters: the broker takes at most maxListItems ids per resend or drop,
 * so ids go in batches, and "all" means every entry the list pages through. Pure but for the
 * calls it is given, so tests drive it with fakes.
 */
import { formatCount } from './format.js';

/** `items` in consecutive slices of at most `size` (at least 1). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const step = Math.max(1, Math.floor(size));
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += step) out.push(items.slice(at, at + step));
  return out;
}

/**
 * Every id an entry listing yields, in its order, and the groups they came from (a resend of
 * the schema's refusals says something else than one to consumer groups).
 */
export async function collectIds(
  entries: AsyncIterable<{ id: number; group: string }>,
): Promise<{ ids: number[]; groups: Set<string> }> {
  const ids: number[] = [];
  const groups = new Set<string>();
  for await (const entry of entries) {
    ids.push(entry.id);
    groups.add(entry.group);
  }
  return { ids, groups };
}

/**
 * Runs `act` (resend or drop) on `ids` one batch after another and adds up the counts it
 * resolves to. A failing batch stops the rest: what was done before it stays done.
 */
export async function inBatches(
  ids: readonly number[],
  size: number,
  act: (batch: number[]) => Promise<number>,
): Promise<number> {
  let total = 0;
  for (const batch of batches(ids, size)) total += await act(batch);
  return total;
}

/**
 * A page of entries and whether more follow: reads `limit + 1` to know, stopping the listing
 * there (breaking out of it sends no further request).
 */
export async function firstEntries<T>(
  entries: AsyncIterable<T>,
  limit: number,
): Promise<{ entries: T[]; more: boolean }> {
  const out: T[] = [];
  for await (const entry of entries) {
    if (out.length === limit) return { entries: out, more: true };
    out.push(entry);
  }
  return { entries: out, more: false };
}

/** "3 entries", "1 entry". */
export function countEntries(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'entry' : 'entries'}`;
}
