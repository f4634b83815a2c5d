/**
 * A partition's logical first offset [LIMITS-8]. Retention by count, bytes, age or acks moves
 * it as soon as the policy says, to the record, and reads and bounds() see it at once; segment
 * files go once wholly below it. Its position in its segment is kept too, so the bytes retained
 * are known to the byte without reading on every append (see record-starts.ts).
 *
 * It is written beside the segments (`first-offset`, aside then renamed) when retention runs
 * and at close, not on every append: a crash can only bring back records that count or bytes
 * retention had dropped since the last check, and the policy drops them again on the next
 * append (age and acks at the next check).
 */
import { join } from 'node:path';
import { crc32c } from './crc.js';
import { StorageError } from './errors.js';
import type { FileSystem } from './fs/types.js';
import { writeFileDurably } from './fs/write-file.js';
import type { StorageLogger } from './logger.js';
import { type RecordStart, RecordStarts } from './record-starts.js';
import type { Segment } from './segment.js';
import { seekTimestamp } from './segment-reader.js';
import type { RetentionPolicy } from './types.js';

export const FIRST_OFFSET_FILE = 'first-offset';
const FILE_BYTES = 16;
const VERSION = 1;
const HIGH = 0x1_0000_0000;
/** Known starts ahead of the first offset below which the window reads ahead in the background. */
const READ_AHEAD_BELOW = 512;

export interface LogFrontContext {
  fs: FileSystem;
  dir: string;
  partition: number;
  log: StorageLogger;
}

/** The segment holding `offset`, or the last one (segments are in offset order, never empty). */
export function segmentFor(segments: readonly Segment[], offset: number): Segment {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((segments[mid] as Segment).baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo] as Segment;
}

/** The last index entry (a batch start) whose offset, or position, is at most `value`. */
function indexFloor(segment: Segment, by: 'offset' | 'position', value: number): RecordStart {
  const { index } = segment;
  let found: RecordStart = { offset: segment.baseOffset, position: 0 };
  let lo = 0;
  let hi = index.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const entry = { offset: index.offset(mid), position: index.position(mid) };
    if (entry[by] <= value) {
      found = entry;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The first index entry whose position is at least `position`, if any. */
function indexCeiling(segment: Segment, position: number): RecordStart | undefined {
  const { index } = segment;
  let lo = 0;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index.position(mid) < position) lo = mid + 1;
    else hi = mid;
  }
  return lo < index.length ? { offset: index.offset(lo), position: index.position(lo) } : undefined;
}

export class LogFront {
  /** The first record's segment (or, when the log is empty, the segment it ends), and its position there. */
  private segment: Segment;
  private position = 0;
  private starts: RecordStarts | undefined;
  private reading: Promise<boolean> | undefined;
  private persisted: number;
  /** Moves run one at a time: the writer's (count, bytes) and the retention check's. */
  private turn: Promise<unknown> = Promise.resolve();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly ctx: LogFrontContext,
    private readonly segments: readonly Segment[],
    public first: number,
  ) {
    this.segment = segmentFor(segments, first);
    this.persisted = first;
  }

  /** The first offset as last written, never below the oldest segment nor above the end. */
  static async load(ctx: LogFrontContext, segments: readonly Segment[]): Promise<LogFront> {
    const oldest = (segments[0] as Segment).baseOffset;
    const next = (segments[segments.length - 1] as Segment).nextOffset;
    const saved = decode(await ctx.fs.readFile(join(ctx.dir, FIRST_OFFSET_FILE)));
    if (saved === 'invalid')
      ctx.log.warn(
        { partition: ctx.partition, dir: ctx.dir },
        `${FIRST_OFFSET_FILE} is damaged: the first offset starts from the oldest segment`,
      );
    const front = new LogFront(ctx, segments, oldest);
    const first = Math.min(Math.max(typeof saved === 'number' ? saved : oldest, oldest), next);
    await front.moveTo(first);
    front.persisted = typeof saved === 'number' ? saved : oldest;
    return front;
  }

  private get next(): number {
    return (this.segments[this.segments.length - 1] as Segment).nextOffset;
  }

  /** Bytes of the records from the first on, as recordLogBytes counts them. */
  bytes(): number {
    this.settle();
    let bytes = -this.position;
    for (const s of this.segments) if (s.baseOffset >= this.segment.baseOffset) bytes += s.size;
    return bytes;
  }

  /** What the writer just wrote at `position` of `segment`, so that the window need not read it. */
  written(segment: Segment, buf: Uint8Array, position: number): void {
    if (this.starts?.segment === segment) this.starts.written(buf, position);
  }

  /**
   * Moves the first offset as far as `policy` and `deleteBelow` (ack-based retention) say;
   * `now` is needed for age only, which the writer does not apply. Returns the records dropped.
   */
  retain(policy: RetentionPolicy, now: number | undefined, deleteBelow?: number): Promise<number> {
    const run = this.turn.then(async () => {
      const next = this.next;
      let target = this.first;
      if (policy.maxMessages !== undefined) target = Math.max(target, next - policy.maxMessages);
      if (deleteBelow !== undefined) target = Math.max(target, Math.min(deleteBelow, next));
      if (policy.maxBytes !== undefined && target < next)
        target = Math.max(target, await this.keepingBytes(policy.maxBytes));
      if (policy.maxAgeMs !== undefined && now !== undefined && target < next)
        target = Math.max(target, await this.youngest(now - policy.maxAgeMs));
      const before = this.first;
      await this.moveTo(target);
      this.readAheadIfLow();
      return this.first - before;
    });
    this.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes the first offset if it moved since it was last written; one write at a time (they
   * share the draft file), apart from the moves, so that appends never wait for one.
   */
  persist(): Promise<void> {
    const run = this.writing.then(() => this.write());
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async write(): Promise<void> {
    const first = this.first;
    if (first === this.persisted) return;
    const { fs, dir } = this.ctx;
    const draft = join(dir, `${FIRST_OFFSET_FILE}.tmp`);
    await writeFileDurably(fs, draft, encode(first));
    await fs.rename(draft, join(dir, FIRST_OFFSET_FILE));
    await fs.syncDir(dir);
    this.persisted = first;
  }

  /** A first offset at the end of its segment, with a later segment, is that one's start. */
  settle(): void {
    const last = this.segments[this.segments.length - 1];
    if (this.first < this.segment.nextOffset || this.segment === last) return;
    const segment = segmentFor(this.segments, this.first);
    if (segment.baseOffset !== this.first) return;
    this.segment = segment;
    this.position = 0;
  }

  private async moveTo(offset: number): Promise<void> {
    if (offset <= this.first) return;
    const segment = segmentFor(this.segments, offset);
    let position: number;
    try {
      position = await this.positionOf(segment, offset);
    } catch (err) {
      if (!(err instanceof StorageError && err.code === 'STORAGE_FAILED')) throw err;
      // A damaged segment: the first offset moves all the same, its bytes counted from the batch before.
      position = indexFloor(segment, 'offset', offset).position;
      this.ctx.log.warn(
        { partition: this.ctx.partition, err },
        'retention could not read where the first record starts: its bytes are counted from an earlier batch',
      );
    }
    this.first = offset;
    this.segment = segment;
    this.position = position;
    this.starts?.dropBefore(offset);
    this.settle();
  }

  private async positionOf(segment: Segment, offset: number): Promise<number> {
    if (offset <= segment.baseOffset) return 0;
    if (offset >= segment.nextOffset) return segment.size;
    const floor = indexFloor(segment, 'offset', offset);
    const current = this.starts;
    const usable =
      current?.segment === segment &&
      offset >= current.startOffset &&
      floor.offset <= current.endOffset;
    const starts = usable ? current : this.restart(segment, floor);
    for (;;) {
      const position = starts.position(offset);
      if (position !== undefined) return position;
      await this.extend(starts);
    }
  }

  /** The first record starting at or after `position` of `segment` (its next offset past the end). */
  private async atOrAfter(segment: Segment, position: number): Promise<RecordStart> {
    if (position <= 0) return { offset: segment.baseOffset, position: 0 };
    if (position >= segment.size) return { offset: segment.nextOffset, position: segment.size };
    const floor = indexFloor(segment, 'position', position);
    const current = this.starts;
    const usable =
      current?.segment === segment &&
      position >= current.startPosition &&
      floor.position <= current.endPosition;
    const starts = usable ? current : this.restart(segment, floor);
    try {
      for (;;) {
        const found = starts.atOrAfter(position);
        if (found !== undefined) return found;
        await this.extend(starts);
      }
    } catch (err) {
      if (!(err instanceof StorageError && err.code === 'STORAGE_FAILED')) throw err;
      // A damaged segment: the next batch the index knows keeps within the bound too.
      return (
        indexCeiling(segment, position) ?? { offset: segment.nextOffset, position: segment.size }
      );
    }
  }

  /**
   * A new window from the index entry `floor`: for another segment, or when the current one
   * ends before that entry (a window is not read through to a far target).
   */
  private restart(segment: Segment, floor: RecordStart): RecordStarts {
    this.starts = new RecordStarts(segment, floor.offset, floor.position);
    this.reading = undefined;
    return this.starts;
  }

  private async extend(starts: RecordStarts): Promise<void> {
    const pending = this.reading;
    if (pending !== undefined && this.starts === starts && (await pending)) return;
    if (!(await starts.readAhead()))
      throw new StorageError(
        'INTERNAL',
        `partition ${this.ctx.partition}: ${starts.segment.logPath} ends before offset ${starts.endOffset + 1}`,
      );
  }

  /** Reads ahead in the background when few known starts are left, so appends rarely wait on a read. */
  private readAheadIfLow(): void {
    const starts = this.starts;
    if (starts === undefined || this.reading !== undefined || !starts.readable) return;
    if (starts.endOffset - this.first > READ_AHEAD_BELOW) return;
    const reading = starts.readAhead().catch(() => false);
    this.reading = reading;
    void reading.finally(() => {
      if (this.reading === reading) this.reading = undefined;
    });
  }

  /** The smallest offset that keeps at most `maxBytes`. */
  private async keepingBytes(maxBytes: number): Promise<number> {
    const excess = this.bytes() - maxBytes;
    if (excess <= 0) return this.first;
    let i = this.segments.indexOf(this.segment);
    let at = this.position + excess;
    while (i < this.segments.length - 1 && at >= (this.segments[i] as Segment).size) {
      at -= (this.segments[i] as Segment).size;
      i++;
    }
    return (await this.atOrAfter(this.segments[i] as Segment, at)).offset;
  }

  /** The first offset whose timestamp is at or after `cutoff` (the end when none is). */
  private async youngest(cutoff: number): Promise<number> {
    for (const segment of this.segments) {
      if (segment.nextOffset <= this.first || segment.records === 0) continue;
      if (segment.lastTimestamp < cutoff) continue;
      return seekTimestamp(segment, cutoff);
    }
    return this.next;
  }
}

function encode(first: number): Uint8Array {
  const buf = new Uint8Array(FILE_BYTES);
  const view = new DataView(buf.buffer);
  view.setUint32(4, VERSION);
  view.setUint32(8, Math.floor(first / HIGH));
  view.setUint32(12, first % HIGH);
  view.setUint32(0, crc32c(buf.subarray(4)));
  return buf;
}

function decode(bytes: Uint8Array | undefined): number | 'invalid' | undefined {
  if (bytes === undefined) return undefined;
  if (bytes.length !== FILE_BYTES) return 'invalid';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== crc32c(bytes.subarray(4)) || view.getUint32(4) !== VERSION)
    return 'invalid';
  return view.getUint32(8) * HIGH + view.getUint32(12);
}
