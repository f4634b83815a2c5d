import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecs } from '../src/index.js';

describe('codecs', () => {
  it('round-trip their values', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.string(), fc.jsonValue(), (bytes, text, json) => {
        expect(codecs.bytes.decode(codecs.bytes.encode(bytes))).toEqual(bytes);
        expect(codecs.text.decode(codecs.text.encode(text))).toBe(text);
        const viaJson = codecs.json().decode(codecs.json().encode(json));
        expect(viaJson).toEqual(JSON.parse(JSON.stringify(json)));
        expect(codecs.msgpack().decode(codecs.msgpack().encode({ text, bytes }))).toEqual({
          text,
          bytes,
        });
      }),
    );
  });

  it('refuses invalid UTF-8 rather than guessing', () => {
    expect(() => codecs.text.decode(new Uint8Array([0xff, 0xfe]))).toThrow();
  });
});
