/**
 * Opening a partition's segments after a clean stop or a crash, trusting only
 * what passes its CRC: sealed segments load their index or are scanned, and a
 * corrupt one is quarantined (reported, never served); the active segment is
 * scanned unless its index matches its tail, and cut at its last valid batch.
 */
import type { FileSystem } from './fs/types.js';
import { writeFileDurably } from './fs/write-file.js';
import type { StorageLogger } from './logger.js';
import { createSegment, loadIndexFile, openSegment, type Segment, scanSegment } from './segment.js';
import { holdsLaterBatch } from './segment-reader.js';

/** Recovery keeps (and looks for valid batches in) at most this much of a cut tail. */
const MAX_KEPT_TAIL_BYTES = 64 * 1024 * 1024;

export interface RecoveryContext {
  fs: FileSystem;
  /** The partition's own directory. */
  dir: string;
  partition: number;
  log: StorageLogger;
}

/** The partition's segments in offset order, the last one active (created if there is none). */
export async function recoverSegments(ctx: RecoveryContext): Promise<Segment[]> {
  const { fs, dir } = ctx;
  await fs.mkdir(dir);
  const bases = (await fs.readdir(dir))
    .filter((n) => /^\d{20}\.log$/.test(n))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (const [i, base] of bases.entries()) {
    const active = i === bases.length - 1;
    const segment = await openSegment(fs, dir, base, active ? 'write' : 'read');
    segments.push(segment);
    // The active segment has an index only after a clean close, checked against the file's tail.
    if (await loadIndexFile(fs, segment, active)) continue;
    const scan = await scanSegment(segment);
    if (!active) segment.index.trim();
    if (scan.problem === undefined) continue;
    if (active) await cutTail(ctx, segment, scan.validEnd, scan.fileSize, scan.problem);
    else {
      segment.corrupt = scan.problem;
      ctx.log.error(
        { partition: ctx.partition, segment: segment.logPath, problem: scan.problem },
        'corrupt segment quarantined: its records are not served',
      );
    }
  }
  if (segments.length === 0) segments.push(await createSegment(fs, dir, 0));
  return segments;
}

/**
 * Only the tail written after the last fdatasync can be torn, and none of it was
 * acknowledged. Valid batches beyond the damage would mean bit rot instead, so the cut
 * bytes are kept beside the segment and the cut is reported loudly either way.
 */
async function cutTail(
  ctx: RecoveryContext,
  segment: Segment,
  validEnd: number,
  fileSize: number,
  problem: string,
): Promise<void> {
  const tail = new Uint8Array(Math.min(fileSize - validEnd, MAX_KEPT_TAIL_BYTES));
  await segment.handle.read(tail, 0, tail.length, validEnd);
  const bitRot = holdsLaterBatch(tail, segment.nextOffset);
  const kept = `${segment.logPath}.torn-${validEnd}`;
  await writeFileDurably(ctx.fs, kept, tail);
  const report = {
    partition: ctx.partition,
    segment: segment.logPath,
    problem,
    truncatedBytes: fileSize - validEnd,
    keptIn: kept,
  };
  if (bitRot) ctx.log.error(report, 'segment damaged before valid data: truncated at the damage');
  else ctx.log.warn(report, 'torn tail truncated');
  await segment.handle.truncate(validEnd);
  await segment.handle.datasync();
}
