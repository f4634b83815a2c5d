/** The dead-letter store's own retention: entries older than maxAgeMs, and the oldest past maxMessages. */
import { FrameBudget, msgpackSizeBound } from '../frame-budget.js';
import type { Station } from './station.js';

/** Bytes of dead-letter entries one page of the expiry holds in memory. */
const EXPIRY_PAGE_BYTES = 16 * 1024 * 1024;

export async function expireDeadLetters(station: Station, now: number): Promise<number> {
  const { maxAgeMs, maxMessages } = station.config.deadLetter;
  const store = station.backend.deadLetters;
  const excess = maxMessages === undefined ? 0 : Math.max(0, (await store.count()) - maxMessages);
  if (maxAgeMs === undefined && excess === 0) return 0;
  const expired: number[] = [];
  let after: number | undefined;
  // Entries are in id order, which is dead-lettering order: the expired ones come first.
  for (;;) {
    // Entries carry their payloads: a page is bounded by bytes too, like a dlsList reply.
    const budget = new FrameBudget(EXPIRY_PAGE_BYTES);
    const page = await store.list({
      after,
      limit: 1000,
      admit: (entry) => budget.take(msgpackSizeBound(entry)),
    });
    for (const e of page.entries) {
      const old = maxAgeMs !== undefined && e.deadLetteredAt < now - maxAgeMs;
      if (!old && expired.length >= excess) return (await store.remove(expired)).length;
      expired.push(e.id);
    }
    if (!page.more) break;
    after = page.entries[page.entries.length - 1]?.id;
  }
  return (await store.remove(expired)).length;
}
