/**
 * The on-disk formats of a group's state: CRC-framed records
 * `[u32 length][u32 crc32c(body)][body]` (big-endian), whose bodies are
 * MessagePack. A journal record holds the ops of one flush as arrays
 * `[opcode, partition, offset or cursor, until?]`; the checkpoint is one
 * record `[version, journal seq, partitions]`.
 */
import { decode, encode } from '@msgpack/msgpack';
import { crc32c } from './crc.js';
import { StorageError } from './errors.js';
import type { FileHandle } from './fs/types.js';
import { GroupState, isOffset } from './group-state.js';
import type { GroupOp } from './types.js';

export const FRAME_HEADER_BYTES = 8;
const CHECKPOINT_VERSION = 1;
const OPCODES = ['init', 'deliver', 'done', 'delay', 'seek'] as const;

export type OpTuple = number[];

export function opToTuple(op: GroupOp): OpTuple {
  const code = OPCODES.indexOf(op.op);
  switch (op.op) {
    case 'init':
    case 'seek':
      return [code, op.partition, op.cursor];
    case 'delay':
      return [code, op.partition, op.offset, op.until];
    default:
      return [code, op.partition, op.offset];
  }
}

/** Bytes MessagePack takes for a non-negative integer. */
function uintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** Encoded size of a tuple (a fixarray of integers): what the pending-bytes bound counts. */
export function tupleBytes(tuple: OpTuple): number {
  let bytes = 1;
  for (const n of tuple) bytes += uintBytes(n);
  return bytes;
}

export function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  view.setUint32(4, crc32c(body));
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

export function encodeOps(tuples: OpTuple[]): Uint8Array {
  return frame(encode(tuples));
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
  const view = new DataView(header.buffer);
  let pos = 0;
  while (size - pos >= FRAME_HEADER_BYTES) {
    await handle.read(header, 0, FRAME_HEADER_BYTES, pos);
    const length = view.getUint32(0);
    // Zero is never written: a zero-filled tail must not pass as empty records.
    if (length === 0 || length > size - pos - FRAME_HEADER_BYTES) break;
    const body = new Uint8Array(length);
    const read = await handle.read(body, 0, length, pos + FRAME_HEADER_BYTES);
    if (read !== length || crc32c(body) !== view.getUint32(4)) break;
    onOps(decodeOps(body, source));
    pos += FRAME_HEADER_BYTES + length;
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
  return frame(encode([CHECKPOINT_VERSION, seq, partitions]));
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
  if (
    bytes.length < FRAME_HEADER_BYTES ||
    view.getUint32(0) !== bytes.length - FRAME_HEADER_BYTES
  ) {
    throw corrupt(source, 'bad length');
  }
  const body = bytes.subarray(FRAME_HEADER_BYTES);
  if (crc32c(body) !== view.getUint32(4)) throw corrupt(source, 'CRC mismatch');
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
