/**
 * The on-disk formats of a group's state: records in the shared CRC framing
 * (record-frame.ts), `[u32 length of body][u32 crc32c(body)][body]`, whose
 * bodies are MessagePack. A journal record holds the ops of one flush as arrays
 * `[opcode, partition, offset or cursor, until?]`; the checkpoint is one
 * record `[version, journal seq, partitions]`.
 */
import { decode, encode } from '@msgpack/msgpack';
import { StorageError } from './errors.js';
import type { FileHandle } from './fs/types.js';
import { GroupState, isOffset } from './group-state.js';
import { FRAME_HEADER_BYTES, Framing } from './record-frame.js';
import type { GroupOp } from './types.js';

/** Zero-length bodies are never written: a zero-filled tail must not pass as empty records. */
export const JOURNAL_FRAMING = new Framing({
  lengthCountsCrc: false,
  minSize: FRAME_HEADER_BYTES + 1,
  maxSize: FRAME_HEADER_BYTES + 0xffff_ffff,
});
const CHECKPOINT_VERSION = 1;
const OPCODES = ['init', 'deliver', 'done', 'delay', 'seek', 'rewind'] as const;
const OPCODE = Object.fromEntries(OPCODES.map((op, code) => [op, code])) as Record<
  GroupOp['op'],
  number
>;

/** Bytes MessagePack takes for a non-negative integer. */
function uintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** Bytes of a MessagePack array header for `n` items. */
function arrayHeaderBytes(n: number): number {
  return n < 16 ? 1 : n < 0x10000 ? 3 : 5;
}

/** The op's third field: the cursor it sets, or the offset it is about. */
function target(op: GroupOp): number {
  return op.op === 'init' || op.op === 'seek' || op.op === 'rewind' ? op.cursor : op.offset;
}

/** Encoded size of an op's tuple `[opcode, partition, offset or cursor, until?]` (opcodes are fixints). */
export function opBytes(op: GroupOp): number {
  const bytes = 2 + uintBytes(op.partition) + uintBytes(target(op));
  return op.op === 'delay' ? bytes + uintBytes(op.until) : bytes;
}

function putArrayHeader(view: DataView, pos: number, n: number): number {
  if (n < 16) {
    view.setUint8(pos, 0x90 | n);
    return pos + 1;
  }
  if (n < 0x10000) {
    view.setUint8(pos, 0xdc);
    view.setUint16(pos + 1, n);
    return pos + 3;
  }
  view.setUint8(pos, 0xdd);
  view.setUint32(pos + 1, n);
  return pos + 5;
}

function putUint(view: DataView, pos: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new StorageError('INTERNAL', `a journal op field is ${n}, not a non-negative integer`);
  if (n < 0x80) {
    view.setUint8(pos, n);
    return pos + 1;
  }
  if (n < 0x100) {
    view.setUint8(pos, 0xcc);
    view.setUint8(pos + 1, n);
    return pos + 2;
  }
  if (n < 0x10000) {
    view.setUint8(pos, 0xcd);
    view.setUint16(pos + 1, n);
    return pos + 3;
  }
  if (n <= 0xffffffff) {
    view.setUint8(pos, 0xce);
    view.setUint32(pos + 1, n);
    return pos + 5;
  }
  view.setUint8(pos, 0xcf);
  view.setUint32(pos + 1, Math.floor(n / 0x1_0000_0000));
  view.setUint32(pos + 5, n >>> 0);
  return pos + 9;
}

/**
 * The journal record of one flush's ops, written straight into its framed buffer: byte for
 * byte what MessagePack's encoder makes of their tuples, without the tuples, the encoder's
 * buffer and copy, or the iterator result its array encoding allocates per item.
 */
export function encodeOps(ops: readonly GroupOp[]): Uint8Array {
  let size = FRAME_HEADER_BYTES + arrayHeaderBytes(ops.length);
  for (let i = 0; i < ops.length; i++) size += opBytes(ops[i] as GroupOp);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = putArrayHeader(view, FRAME_HEADER_BYTES, ops.length);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as GroupOp;
    const delay = op.op === 'delay';
    view.setUint8(pos, 0x90 | (delay ? 4 : 3));
    view.setUint8(pos + 1, OPCODE[op.op]);
    pos = putUint(view, pos + 2, op.partition);
    pos = putUint(view, pos, target(op));
    if (delay) pos = putUint(view, pos, op.until);
  }
  JOURNAL_FRAMING.seal(out, view, 0, size);
  return out;
}

function corrupt(source: string, detail: string): StorageError {
  return new StorageError('STORAGE_FAILED', `${source}: corrupt: ${detail}`);
}

function nat(value: unknown, source: string): number {
  if (!isOffset(value)) throw corrupt(source, `${String(value)} is not an offset`);
  return value;
}

function list(value: unknown, source: string): unknown[] {
  if (!Array.isArray(value)) throw corrupt(source, 'expected an array');
  return value;
}

function unpack(body: Uint8Array, source: string): unknown {
  try {
    return decode(body);
  } catch (e) {
    throw corrupt(source, e instanceof Error ? e.message : String(e));
  }
}

/** The ops of a CRC-valid journal record; a body that does not decode is corruption, not a tear. */
export function decodeOps(body: Uint8Array, source: string): GroupOp[] {
  return list(unpack(body, source), source).map((item): GroupOp => {
    const t = list(item, source);
    const [code, partition, offset] = [t[0], nat(t[1], source), nat(t[2], source)];
    switch (OPCODES[code as number]) {
      case 'init':
        return { op: 'init', partition, cursor: offset };
      case 'seek':
        return { op: 'seek', partition, cursor: offset };
      case 'rewind':
        return { op: 'rewind', partition, cursor: offset };
      case 'deliver':
        return { op: 'deliver', partition, offset };
      case 'done':
        return { op: 'done', partition, offset };
      case 'delay':
        return { op: 'delay', partition, offset, until: nat(t[3], source) };
      default:
        throw corrupt(source, `unknown opcode ${String(code)}`);
    }
  });
}

/**
 * Reads records from the start of a journal, handing each one's ops to
 * `onOps`, until the end or the first torn or invalid record. Returns the
 * length of the valid prefix and the file's size.
 */
export async function scanJournal(
  handle: FileHandle,
  source: string,
  onOps: (ops: GroupOp[]) => void,
): Promise<{ end: number; size: number }> {
  const size = await handle.size();
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  const headerView = new DataView(header.buffer);
  let pos = 0;
  while (size - pos >= FRAME_HEADER_BYTES) {
    await handle.read(header, 0, FRAME_HEADER_BYTES, pos);
    // The header alone is a short frame that tells its size, or a corrupt length.
    const head = JOURNAL_FRAMING.check(header, headerView, 0, FRAME_HEADER_BYTES);
    if (typeof head === 'number' || head.kind !== 'short' || head.need > size - pos) break;
    const record = new Uint8Array(head.need);
    record.set(header);
    const body = head.need - FRAME_HEADER_BYTES;
    if ((await handle.read(record, FRAME_HEADER_BYTES, body, pos + FRAME_HEADER_BYTES)) !== body)
      break;
    if (
      JOURNAL_FRAMING.check(record, new DataView(record.buffer), 0, record.length) !== record.length
    )
      break;
    onOps(decodeOps(record.subarray(FRAME_HEADER_BYTES), source));
    pos += record.length;
  }
  return { end: pos, size };
}

/** The whole state as of the start of journal `seq`. */
export function encodeCheckpoint(seq: number, state: GroupState): Uint8Array {
  const partitions = [...state.partitions].map(([partition, s]) => [
    partition,
    s.cursor,
    [...s.done],
    [...s.deliveries].flat(),
    [...s.delayedUntil].flat(),
  ]);
  return JOURNAL_FRAMING.frame(encode([CHECKPOINT_VERSION, seq, partitions]));
}

/** Flat [key, value, key, value, ...] pairs into a map. */
function pairs(value: unknown, source: string): Map<number, number> {
  const flat = list(value, source).map((n) => nat(n, source));
  if (flat.length % 2 !== 0) throw corrupt(source, 'odd pair list');
  const map = new Map<number, number>();
  for (let i = 0; i < flat.length; i += 2) map.set(flat[i] as number, flat[i + 1] as number);
  return map;
}

/** A checkpoint file is written atomically, so any defect is corruption. */
export function decodeCheckpoint(
  bytes: Uint8Array,
  source: string,
): { seq: number; state: GroupState } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const check = JOURNAL_FRAMING.check(bytes, view, 0, bytes.length);
  if (typeof check !== 'number' && check.kind === 'corrupt') throw corrupt(source, check.reason);
  if (check !== bytes.length) throw corrupt(source, 'bad length');
  const body = bytes.subarray(FRAME_HEADER_BYTES);
  const [version, seq, partitions] = list(unpack(body, source), source);
  if (version !== CHECKPOINT_VERSION) throw corrupt(source, `unknown version ${String(version)}`);
  const state = new GroupState();
  for (const item of list(partitions, source)) {
    const [partition, cursor, done, deliveries, delayedUntil] = list(item, source);
    state.partitions.set(nat(partition, source), {
      cursor: nat(cursor, source),
      done: new Set(list(done, source).map((n) => nat(n, source))),
      deliveries: pairs(deliveries, source),
      delayedUntil: pairs(delayedUntil, source),
    });
  }
  return { seq: nat(seq, source), state };
}
