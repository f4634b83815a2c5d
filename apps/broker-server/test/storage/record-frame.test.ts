import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BATCH_FRAMING, batchSize, checkBatch, writeBatch } from '../../src/storage/batch.js';
import { crc32c } from '../../src/storage/crc.js';
import {
  decodeCheckpoint,
  encodeOps,
  JOURNAL_FRAMING,
  opBytes,
} from '../../src/storage/group-journal.js';
import { FRAME_HEADER_BYTES, type Framing } from '../../src/storage/record-frame.js';
import type { GroupOp } from '../../src/storage/types.js';

const FORMATS = { batch: BATCH_FRAMING, journal: JOURNAL_FRAMING };
const format = fc.constantFrom(...(Object.keys(FORMATS) as (keyof typeof FORMATS)[]));
const body = fc.uint8Array({ minLength: 24, maxLength: 600 });

/** An op's journal tuple as the format defines it: what encodeOps must match byte for byte. */
function tuple(op: GroupOp): number[] {
  const code = ['init', 'deliver', 'done', 'delay', 'seek', 'rewind'].indexOf(op.op);
  if (op.op === 'init' || op.op === 'seek' || op.op === 'rewind')
    return [code, op.partition, op.cursor];
  if (op.op === 'delay') return [code, op.partition, op.offset, op.until];
  return [code, op.partition, op.offset];
}

const viewOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const check = (framing: Framing, b: Uint8Array) => framing.check(b, viewOf(b), 0, b.length);

describe('record framing', () => {
  it('checks what it framed, at any position in a buffer', () => {
    fc.assert(
      fc.property(format, body, fc.nat(16), (name, data, at) => {
        const framing = FORMATS[name];
        const frame = framing.frame(data);
        const buf = new Uint8Array(at + frame.length + 3);
        buf.set(frame, at);
        expect(framing.check(buf, viewOf(buf), at, at + frame.length)).toBe(
          FRAME_HEADER_BYTES + data.length,
        );
        expect(buf.subarray(at + FRAME_HEADER_BYTES, at + frame.length)).toEqual(data);
      }),
    );
  });

  it('detects any flipped bit', () => {
    fc.assert(
      fc.property(format, body, fc.nat(), (name, data, bitSeed) => {
        const framing = FORMATS[name];
        const frame = framing.frame(data);
        const bit = bitSeed % (frame.length * 8);
        frame[bit >> 3] = (frame[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(typeof check(framing, frame)).not.toBe('number');
      }),
    );
  });

  it('reports any truncation as short, with the size it needs once the header is there', () => {
    fc.assert(
      fc.property(format, body, fc.nat(), (name, data, cutSeed) => {
        const framing = FORMATS[name];
        const frame = framing.frame(data);
        const cut = cutSeed % frame.length;
        const result = check(framing, frame.subarray(0, cut));
        expect(result).toEqual({
          kind: 'short',
          need: cut < FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES : frame.length,
        });
      }),
    );
  });

  it('refuses a length outside the format, a zero-filled tail included', () => {
    for (const framing of Object.values(FORMATS)) {
      expect(check(framing, new Uint8Array(64))).toMatchObject({ kind: 'corrupt' });
    }
    const wild = new Uint8Array(64);
    viewOf(wild).setUint32(0, 0xffff_fff0);
    expect(check(FORMATS.batch, wild)).toMatchObject({ kind: 'corrupt' });
  });
});

describe('the on-disk formats are unchanged', () => {
  it('a journal record is [u32 body length][u32 crc32c(body)][body] of [opcode, partition, offset or cursor, until?] tuples', () => {
    const nat = fc.oneof(
      fc.nat(0x1_0000_0000 + 10),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 }),
    );
    const op: fc.Arbitrary<GroupOp> = fc.oneof(
      fc.record({ op: fc.constantFrom('init', 'seek', 'rewind'), partition: nat, cursor: nat }),
      fc.record({ op: fc.constantFrom('deliver', 'done'), partition: nat, offset: nat }),
      fc.record({ op: fc.constant('delay'), partition: nat, offset: nat, until: nat }),
    ) as fc.Arbitrary<GroupOp>;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const data = encode(ops.map(tuple));
        const expected = new Uint8Array(8 + data.length);
        viewOf(expected).setUint32(0, data.length);
        viewOf(expected).setUint32(4, crc32c(data));
        expected.set(data, 8);
        expect(encodeOps(ops)).toEqual(expected);
        for (const o of ops) expect(opBytes(o)).toBe(encode(tuple(o)).length);
      }),
    );
  });

  it('a journal record of more than 65,535 ops is the same MessagePack array32', () => {
    const ops = Array.from(
      { length: 70_000 },
      (_, i): GroupOp => ({ op: 'done', partition: i % 4, offset: i * 1_000_003 }),
    );
    const data = encode(ops.map(tuple));
    expect(encodeOps(ops).subarray(8)).toEqual(data);
    expect(viewOf(encodeOps(ops)).getUint32(4)).toBe(crc32c(data));
  });

  it('a journal op field that is not a non-negative integer is refused, not mis-encoded', () => {
    for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 2, Number.NaN])
      expect(() => encodeOps([{ op: 'done', partition: 0, offset: bad }])).toThrow(
        /not a non-negative integer/,
      );
  });

  it("a batch's length counts what follows it, its CRC32C covers what follows the CRC", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 100 }), { minLength: 1, maxLength: 5 }),
        (payloads) => {
          const records = payloads.map((payload) => ({ payload }));
          const size = batchSize(records);
          const buf = new Uint8Array(size);
          writeBatch(buf, viewOf(buf), 0, size, 7, 1234, records);
          expect(viewOf(buf).getUint32(0)).toBe(size - 4);
          expect(viewOf(buf).getUint32(4)).toBe(crc32c(buf.subarray(8)));
          expect(checkBatch(buf, 0, size)).toMatchObject({ kind: 'ok', header: { size } });
        },
      ),
    );
  });

  it('a checkpoint with a bad length or CRC is corrupt', () => {
    const good = encodeOps([{ op: 'init', partition: 1, cursor: 2 }]);
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    expect(() => decodeCheckpoint(longer, 'checkpoint')).toThrow(/bad length/);
    const flipped = good.slice();
    flipped[good.length - 1] = (flipped[good.length - 1] as number) ^ 1;
    expect(() => decodeCheckpoint(flipped, 'checkpoint')).toThrow(/CRC32C mismatch/);
  });
});
