import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchSize, checkBatch, decodeRecords, writeBatch } from '../../src/storage/batch.js';
import { crc32c } from '../../src/storage/crc.js';
import type { AppendRecord, StoredRecord } from '../../src/storage/types.js';
import { crc32cReference } from '../support/crc32c-reference.js';

const text = fc.string({ unit: 'binary', maxLength: 20 });
const record: fc.Arbitrary<AppendRecord> = fc.record(
  {
    payload: fc.uint8Array({ maxLength: 300 }),
    key: text,
    msgId: text,
    headers: fc.dictionary(text, text, { maxKeys: 4, noNullPrototype: true }),
  },
  { requiredKeys: ['payload'] },
);

function encode(records: AppendRecord[], baseOffset: number, timestamp: number): Uint8Array {
  const size = batchSize(records);
  const buf = new Uint8Array(size);
  expect(writeBatch(buf, new DataView(buf.buffer), 0, size, baseOffset, timestamp, records)).toBe(
    size,
  );
  return buf;
}

describe('CRC32C', () => {
  it('matches the bitwise reference implementation', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        expect(crc32c(data)).toBe(crc32cReference(data));
      }),
    );
  });
});

describe('record batch', () => {
  it('encodes frozen headers, shared by many records and encoded once, as it encodes any others', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 10 }), (records) => {
        const shared = Object.freeze({ 'ferry-schema': 'orders', 'ferry-schema-version': '12' });
        const frozen = records.map((r) => ({ ...r, headers: shared }));
        const copied = records.map((r) => ({ ...r, headers: { ...shared } }));
        expect(encode(frozen, 7, 9)).toEqual(encode(copied, 7, 9));
        // Encoded once and kept: a second batch reuses it and still decodes the same.
        const buf = encode(frozen, 7, 9);
        const check = checkBatch(buf, 0, buf.length);
        if (check.kind !== 'ok') throw new Error(check.kind);
        const out: StoredRecord[] = [];
        decodeRecords(buf, 0, check.header, 7, out, 1000, Number.POSITIVE_INFINITY, 0);
        expect(out.map((r) => r.headers)).toEqual(records.map(() => ({ ...shared })));
      }),
    );
  });

  it('decodes to the records it encoded, with offsets and the shared timestamp', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 10 }),
        fc.maxSafeNat(),
        fc.maxSafeNat(),
        (records, base, ts) => {
          const buf = encode(records, base, ts);
          const check = checkBatch(buf, 0, buf.length);
          if (check.kind !== 'ok') throw new Error(check.kind);
          expect(check.header).toEqual({
            size: buf.length,
            baseOffset: base,
            timestamp: ts,
            count: records.length,
          });
          const out: StoredRecord[] = [];
          decodeRecords(buf, 0, check.header, base, out, 1000, Number.POSITIVE_INFINITY, 0);
          expect(out).toEqual(records.map((r, i) => ({ ...r, offset: base + i, timestamp: ts })));
        },
      ),
    );
  });

  it('a header named __proto__ survives as a header', () => {
    const headers = JSON.parse('{"__proto__": "x", "a": "b"}') as Record<string, string>;
    const buf = encode([{ payload: new Uint8Array(1), headers }], 0, 1);
    const check = checkBatch(buf, 0, buf.length);
    if (check.kind !== 'ok') throw new Error(check.kind);
    const out: StoredRecord[] = [];
    decodeRecords(buf, 0, check.header, 0, out, 10, 100, 0);
    expect(Object.entries(out[0]?.headers ?? {})).toEqual([
      ['__proto__', 'x'],
      ['a', 'b'],
    ]);
  });

  it('starts at `from`, stops at maxRecords, and at maxBytes after at least one record', () => {
    const records = Array.from({ length: 5 }, () => ({ payload: new Uint8Array(10) }));
    const buf = encode(records, 100, 1);
    const check = checkBatch(buf, 0, buf.length);
    if (check.kind !== 'ok') throw new Error(check.kind);
    const offsets = (from: number, maxRecords: number, maxBytes: number) => {
      const out: StoredRecord[] = [];
      decodeRecords(buf, 0, check.header, from, out, maxRecords, maxBytes, 0);
      return out.map((r) => r.offset);
    };
    expect(offsets(102, 10, 1000)).toEqual([102, 103, 104]);
    expect(offsets(100, 2, 1000)).toEqual([100, 101]);
    expect(offsets(100, 10, 15)).toEqual([100, 101]);
    expect(offsets(100, 10, 1)).toEqual([100]);
  });

  it('every flipped bit and every truncation is detected', () => {
    const buf = encode(
      [{ payload: new Uint8Array([1, 2, 3]), key: 'k', headers: { h: 'v' } }],
      7,
      9,
    );
    for (let i = 0; i < buf.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = buf.slice();
        copy[i] = (copy[i] as number) ^ (1 << bit);
        expect(checkBatch(copy, 0, copy.length).kind, `byte ${i} bit ${bit}`).not.toBe('ok');
      }
      expect(checkBatch(buf, 0, i).kind).toBe('short');
    }
  });

  it('refuses strings too long for their u16 length field', () => {
    expect(() => batchSize([{ payload: new Uint8Array(), key: 'k'.repeat(70_000) }])).toThrow(
      /key of 70000 bytes/,
    );
  });
});
