/**
 * The built package under Deno, as an application importing it from npm gets it: protobufjs as
 * it is, avsc through Deno's Node compatibility (its Buffer, from node:buffer). Run by
 * deno.test.ts.
 */
import assert from 'node:assert/strict';
import { codecs } from '../dist/index.js';

const PROTO = `syntax = "proto3";
package iot;
enum Unit { UNIT_UNSPECIFIED = 0; CELSIUS = 1; }
message Reading { string sensor = 1; int64 at = 2; Unit unit = 3; bytes raw = 4; }`;

Deno.test('protobuf round-trips under Deno', () => {
  const readings = codecs.protobuf(PROTO, 'iot.Reading');
  const value = {
    sensor: 's-1',
    at: '-9223372036854775808',
    unit: 'CELSIUS',
    raw: new Uint8Array([1]),
  };
  const payload = readings.encode(value);
  assert.equal(payload.constructor, Uint8Array);
  assert.deepEqual(readings.decode(payload), value);
  assert.throws(() => readings.encode({ sensor: 1 }), {
    name: 'CodecError',
    code: 'SCHEMA_VIOLATION',
  });
});

Deno.test('avro round-trips under Deno', () => {
  const payments = codecs.avro({
    type: 'record',
    name: 'Payment',
    fields: [
      { name: 'cents', type: 'long' },
      { name: 'raw', type: 'bytes' },
      { name: 'note', type: ['null', 'string'] },
    ],
  });
  const value = { cents: -(2 ** 52) - 1, raw: new Uint8Array([1, 2]), note: null };
  const payload = payments.encode(value);
  assert.equal(payload.constructor, Uint8Array);
  assert.deepEqual(payments.decode(payload), value);
  assert.throws(() => payments.encode({ ...value, cents: 1.5 }), /cents must be long/);
});
