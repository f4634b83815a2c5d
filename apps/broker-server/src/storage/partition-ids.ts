/**
 * Where the dedup rebuild at start finds a partition's msgIds (dedup.ts), newest part first:
 * a file partition's segments, a sealed one's from the msgIds kept in its index file
 * (segment-ids.ts), the active one's, or one without them, from its records; a memory
 * partition's from its records. Each part also bounds the rest: nothing older is newer than
 * its floor, so the rebuild stops reading once what is left cannot be among what it keeps.
 */
import { join } from 'node:path';
import type { FileHandle, FileSystem } from './fs/types.js';
import { indexSummary, segmentName } from './segment.js';
import { decodeMsgIds, type MsgIds, type SegmentExtent, scanMsgIds } from './segment-ids.js';
import type { PartitionLog } from './types.js';

/** Records read at once when msgIds are read from the records themselves. */
const READ = { maxRecords: 10_000, maxBytes: 16 * 1024 * 1024 };

/** A part's msgIds from a time on; no record of the older parts has a later timestamp than `floor`. */
export interface PartitionIdChunk extends MsgIds {
  floor: number;
}

/** A partition's parts, newest first, each read with the oldest timestamp wanted. */
export interface PartitionIds {
  partition: number;
  parts: ((since: number) => Promise<PartitionIdChunk>)[];
}

/** The msgIds of the records in [from, to), from the window's start on, read through the log. */
async function recordIds(
  log: PartitionLog,
  from: number,
  to: number,
  since: number,
): Promise<PartitionIdChunk> {
  const chunk: PartitionIdChunk = { ids: [], offsets: [], timestamps: [], floor: Infinity };
  const start = Math.max(from, log.bounds().first);
  let offset = Math.max(start, await log.offsetForTimestamp(since));
  // Records skipped for their age: the older parts are older still.
  if (offset > start) chunk.floor = -Infinity;
  while (offset < to) {
    const records = await log.read(offset, READ);
    if (records.length === 0) break;
    for (const r of records) {
      if (r.offset >= to) break;
      if (chunk.floor === Infinity) chunk.floor = r.timestamp;
      if (r.msgId === undefined) continue;
      chunk.ids.push(r.msgId);
      chunk.offsets.push(r.offset);
      chunk.timestamps.push(r.timestamp);
    }
    offset = (records[records.length - 1]?.offset ?? offset) + 1;
  }
  return chunk;
}

/** A memory partition, or any log read through its records: one part. */
export function logIds(log: PartitionLog): PartitionIds {
  return { partition: log.partition, parts: [(since) => recordIds(log, 0, Infinity, since)] };
}

/**
 * A file partition's segments in `dir`, opened and recovered as `log`: each is read from the
 * msgIds kept in its index file, else by scanning its batches (CRC checked), else through the
 * log (which reports a segment it cannot serve, as reading it always did).
 */
export async function fileIds(
  fs: FileSystem,
  dir: string,
  log: PartitionLog,
): Promise<PartitionIds> {
  const bases = (await fs.readdir(dir))
    .filter((n) => /^\d{20}\.log$/.test(n))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
  const parts = bases.map((base, i) => {
    const end = bases[i + 1] ?? log.bounds().next;
    const path = join(dir, segmentName(base));
    return async (since: number): Promise<PartitionIdChunk> =>
      (await segmentIds(
        fs,
        path,
        { baseOffset: base, nextOffset: end },
        log,
        since,
        i < bases.length - 1,
      )) ?? recordIds(log, base, end, since);
  });
  return { partition: log.partition, parts: parts.reverse() };
}

/** The segment's msgIds from its index file (a sealed one's), or from its batches; undefined if neither reads whole. */
async function segmentIds(
  fs: FileSystem,
  path: string,
  range: { baseOffset: number; nextOffset: number },
  log: PartitionLog,
  since: number,
  sealed: boolean,
): Promise<PartitionIdChunk | undefined> {
  const first = log.bounds().first;
  if (range.nextOffset <= first) return { ids: [], offsets: [], timestamps: [], floor: -Infinity };
  let handle: FileHandle;
  try {
    handle = await fs.open(`${path}.log`, 'read');
  } catch {
    return undefined;
  }
  try {
    const extent: SegmentExtent = { ...range, size: await handle.size() };
    let floor = Infinity;
    if (sealed) {
      const bytes = await fs.readFile(`${path}.idx`);
      const index = bytes === undefined ? undefined : indexSummary(bytes);
      // The index must describe this file, as recovery requires before it trusts the index.
      if (bytes !== undefined && index !== undefined && index.size === extent.size) {
        floor = index.firstTimestamp;
        const ids = decodeMsgIds(bytes, index.blockEnd, extent, first, since);
        if (ids !== undefined)
          return { ...ids, floor: Math.min(floor, ids.firstTimestamp ?? floor) };
      }
    }
    const block = await scanMsgIds(handle, extent, true);
    const ids = block === undefined ? undefined : decodeMsgIds(block, 0, extent, first, since);
    if (ids === undefined) return undefined;
    return { ...ids, floor: Math.min(floor, ids.firstTimestamp ?? floor) };
  } finally {
    await handle.close();
  }
}
