import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { avro } from '../src/avro.js';
import { CodecError, codecs } from '../src/index.js';

const READING = {
  type: 'record',
  name: 'Reading',
  namespace: 'iot',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'celsius', type: 'double' },
    { name: 'count', type: 'long' },
    { name: 'unit', type: { type: 'enum', name: 'Unit', symbols: ['C', 'F'] } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'samples', type: { type: 'array', items: 'float' } },
    { name: 'labels', type: { type: 'map', values: 'string' } },
    { name: 'raw', type: 'bytes' },
    { name: 'id', type: { type: 'fixed', name: 'Id', size: 4 } },
    {
      name: 'location',
      type: [
        'null',
        {
          type: 'record',
          name: 'Location',
          fields: [
            { name: 'lat', type: 'double' },
            { name: 'lon', type: 'double' },
          ],
        },
      ],
    },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
  ],
};

const readings = codecs.avro(READING);

const fullReading = {
  sensor: 's-1',
  celsius: 21.5,
  count: 2 ** 53 - 1,
  unit: 'C',
  note: 'calibrated',
  samples: [0.5, -1.25],
  labels: { room: 'lab' },
  raw: new Uint8Array([1, 2, 3]),
  id: new Uint8Array([9, 8, 7, 6]),
  location: { lat: 48.85, lon: 2.35 },
  at: 1_700_000_000_000,
  day: 19_700,
};

describe('codecs.avro', () => {
  it('round-trips records, enums, unions, arrays, maps, bytes, fixed and logical types', () => {
    const payload = readings.encode(fullReading);
    expect(payload.constructor).toBe(Uint8Array);
    expect(readings.decode(payload)).toEqual(fullReading);
  });

  it('decodes plain objects and plain Uint8Arrays, never avsc records or Buffers', () => {
    const decoded = readings.decode(readings.encode(fullReading)) as typeof fullReading;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(decoded.location)).toBe(Object.prototype);
    expect(decoded.raw.constructor).toBe(Uint8Array);
    expect(decoded.id.constructor).toBe(Uint8Array);
  });

  it('keeps longs exact over the whole safe-integer range, and refuses one past it on decode', () => {
    const longs = avro<number>('long');
    for (const n of [
      0,
      -1,
      2 ** 52 + 1,
      -(2 ** 52) - 1,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ]) {
      expect(longs.decode(longs.encode(n))).toBe(n);
    }
    // 2^53 as an Avro long: zigzag 2^54, as a varint.
    const beyond = new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    expect(() => longs.decode(beyond)).toThrow(
      expect.objectContaining({ code: 'SCHEMA_VIOLATION' }),
    );
  });

  it('wraps a union whose branches JavaScript cannot tell apart', () => {
    const point = (name: string) => ({
      type: 'record',
      name,
      fields: [{ name: 'x', type: 'int' }],
    });
    const shapes = avro<{ at: unknown }>({
      type: 'record',
      name: 'Shape',
      fields: [{ name: 'at', type: ['null', point('Plane'), point('Line')] }],
    });
    for (const value of [{ at: { Line: { x: 1 } } }, { at: null }]) {
      expect(shapes.decode(shapes.encode(value))).toEqual(value);
    }
  });

  it('takes the schema as JSON text, and a bare primitive name', () => {
    const fromText = avro(JSON.stringify(READING));
    expect(fromText.decode(readings.encode(fullReading))).toEqual(fullReading);
    const names = avro<string>('string');
    expect(names.decode(names.encode('ferry'))).toBe('ferry');
  });

  it.each([
    [{ ...fullReading, sensor: 7 }, 'sensor must be string, not 7'],
    [{ ...fullReading, unit: 'K' }, 'unit must be iot.Unit, not "K"'],
    [{ ...fullReading, count: 2 ** 53 }, 'count must be long, not 9007199254740992'],
    [{ ...fullReading, raw: 'AQID' }, 'raw must be bytes, not "AQID"'],
    [{ ...fullReading, id: new Uint8Array(3) }, 'id must be iot.Id, not 3 bytes'],
    [{ ...fullReading, samples: ['x'] }, 'samples.0 must be float, not "x"'],
    [{ ...fullReading, note: 3 }, 'note must be null or string, not 3'],
  ])('refuses an invalid value on encode, naming the field (%#)', (value, problem) => {
    expect(() => readings.encode(value)).toThrow(CodecError);
    expect(() => readings.encode(value)).toThrow(
      expect.objectContaining({
        code: 'SCHEMA_VIOLATION',
        message: `not a valid iot.Reading: ${problem}`,
      }),
    );
  });

  it('refuses a truncated payload and trailing bytes with SCHEMA_VIOLATION', () => {
    const payload = readings.encode(fullReading);
    for (const wrong of [
      payload.subarray(0, payload.length - 1),
      new Uint8Array([...payload, 0]),
    ]) {
      expect(() => readings.decode(wrong)).toThrow(
        expect.objectContaining({ code: 'SCHEMA_VIOLATION', name: 'CodecError' }),
      );
    }
  });

  it('refuses a schema avsc does not accept with SCHEMA_INVALID', () => {
    expect(() =>
      avro({ type: 'record', name: 'R', fields: [{ name: 'x', type: 'nope' }] }),
    ).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }));
    expect(() => avro('{ not json')).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }));
  });

  it('round-trips random readings', () => {
    // avsc reads map entries by assignment, so a key __proto__ does not come back.
    const key = fc.string().filter((k) => k !== '__proto__');
    const reading = fc.record({
      sensor: fc.string(),
      celsius: fc.double({ noNaN: true }),
      count: fc.maxSafeInteger(),
      unit: fc.constantFrom('C', 'F'),
      note: fc.option(fc.string(), { nil: null }),
      samples: fc.array(fc.float({ noNaN: true }), { maxLength: 8 }),
      labels: fc.dictionary(key, fc.string(), { maxKeys: 4 }),
      raw: fc.uint8Array({ maxLength: 32 }),
      id: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      location: fc.option(fc.record({ lat: fc.double(), lon: fc.double() }), { nil: null }),
      at: fc.maxSafeInteger(),
      day: fc.integer(),
    });
    fc.assert(
      fc.property(reading, (value) => {
        expect(readings.decode(readings.encode(value))).toEqual(value);
      }),
    );
  });
});
