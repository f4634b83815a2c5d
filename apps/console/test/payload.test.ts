import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  guessView,
  hex,
  hexDump,
  previewPayload,
  renderPayload,
  utf8,
} from '../src/lib/payload.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('guessView', () => {
  it('prefers JSON, then text, then MessagePack, then hex', () => {
    expect(guessView(bytes('{"a":1}'))).toBe('json');
    expect(guessView(bytes('42'))).toBe('json');
    expect(guessView(bytes('hello world'))).toBe('text');
    expect(guessView(encode({ a: 1 }))).toBe('msgpack');
    expect(guessView(new Uint8Array([0xff, 0xfe, 0xfd]))).toBe('hex');
  });

  it('reads blank text as text, not JSON', () => {
    expect(guessView(bytes('  \n'))).toBe('text');
  });

  it('does not call text with control characters text', () => {
    expect(guessView(bytes('a\u0001b'))).not.toBe('text');
    expect(guessView(bytes('tab\tnewline\ncr\r'))).toBe('text');
  });

  it('treats an empty payload as (empty) text', () => {
    expect(guessView(new Uint8Array())).toBe('text');
    expect(renderPayload(new Uint8Array(), 'auto')).toEqual({ view: 'text', text: '' });
  });
});

describe('renderPayload', () => {
  it('indents JSON', () => {
    expect(renderPayload(bytes('{"a":[1,2]}'), 'auto')).toEqual({
      view: 'json',
      text: '{\n  "a": [\n    1,\n    2\n  ]\n}',
    });
  });

  it('shows text as it is', () => {
    expect(renderPayload(bytes('héllo ✓'), 'text')).toEqual({ view: 'text', text: 'héllo ✓' });
  });

  it('falls back to hex, saying why, when the bytes do not fit the view', () => {
    const rendered = renderPayload(bytes('not json'), 'json');
    expect(rendered).toEqual({
      view: 'hex',
      text: hexDump(bytes('not json')),
      error: 'not json',
    });
    expect(renderPayload(new Uint8Array([0xc3, 0x28]), 'text').error).toBe('not text');
    expect(renderPayload(new Uint8Array([0xc1]), 'msgpack').error).toBe('not msgpack');
  });

  it('decodes MessagePack maps, bin and 64-bit integers into JSON', () => {
    const payload = encode(
      { n: 1, bin: new Uint8Array([1, 0xab]), big: 2n ** 63n, list: [true, null] },
      { useBigInt64: true },
    );
    const rendered = renderPayload(payload, 'auto');
    expect(rendered.view).toBe('msgpack');
    expect(JSON.parse(rendered.text)).toEqual({
      n: 1,
      bin: '<bin 01 ab>',
      big: '9223372036854775808',
      list: [true, null],
    });
  });

  it('decodes a MessagePack string as a JSON string', () => {
    expect(renderPayload(encode('hi'), 'auto')).toEqual({ view: 'msgpack', text: '"hi"' });
  });

  it('shows bytes that are no valid UTF-8 nor MessagePack as hex', () => {
    const rendered = renderPayload(new Uint8Array([0xc3, 0x28, 0xa0]), 'auto');
    expect(rendered.view).toBe('hex');
    expect(rendered.error).toBeUndefined();
  });

  it('never throws, and any view of any bytes gives text', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom('auto', 'json', 'text', 'msgpack', 'hex' as const),
        (payload, view) => {
          const rendered = renderPayload(payload, view);
          expect(typeof rendered.text).toBe('string');
          if (view !== 'auto' && rendered.view !== view) expect(rendered.view).toBe('hex');
        },
      ),
    );
  });
});

describe('utf8', () => {
  it('decodes valid UTF-8 and refuses invalid', () => {
    expect(utf8(bytes('ok ✓'))).toBe('ok ✓');
    expect(utf8(new Uint8Array([0xc3, 0x28]))).toBeUndefined();
    expect(utf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBeUndefined(); // a lone surrogate
  });
});

describe('hex and hexDump', () => {
  it('writes lower-case pairs separated by spaces', () => {
    expect(hex(new Uint8Array([0, 15, 255]))).toBe('00 0f ff');
    expect(hex(new Uint8Array())).toBe('');
  });

  it('lays out 16 bytes a line: offset, hex padded to one width, printable ASCII', () => {
    const payload = new Uint8Array(18).map((_, i) => (i === 1 ? 0x0a : 0x41 + i));
    const lines = hexDump(payload).split('\n');
    expect(lines).toEqual([
      '00000000  41 0a 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  A.CDEFGHIJKLMNOP',
      `00000010  51 52${' '.repeat(42)}  QR`,
    ]);
    expect(hexDump(new Uint8Array())).toBe('');
  });

  it('gives ceil(n / 16) lines whose hex reads back as the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (payload) => {
        const dump = hexDump(payload);
        const lines = dump === '' ? [] : dump.split('\n');
        expect(lines.length).toBe(Math.ceil(payload.length / 16));
        const back = lines.flatMap((line) =>
          line
            .slice(10, 57)
            .trim()
            .split(' ')
            .filter((pair) => pair !== '')
            .map((pair) => Number.parseInt(pair, 16)),
        );
        expect(back).toEqual([...payload]);
      }),
    );
  });
});

describe('previewPayload', () => {
  it('squeezes whitespace into one line', () => {
    expect(previewPayload(bytes('{\n  "a": 1\n}'))).toBe('{ "a": 1 }');
  });

  it('cuts at max characters with an ellipsis', () => {
    const preview = previewPayload(bytes('x'.repeat(100)), 80);
    expect(preview).toBe(`${'x'.repeat(79)}…`);
    expect(previewPayload(bytes('x'.repeat(80)), 80)).toBe('x'.repeat(80));
  });

  it('decodes MessagePack, and shows other bytes as hex', () => {
    expect(previewPayload(encode({ a: 1 }))).toBe('{ "a": 1 }');
    expect(previewPayload(new Uint8Array([0xc3, 0x28]))).toBe('c3 28');
  });

  it('is empty for an empty payload', () => {
    expect(previewPayload(new Uint8Array())).toBe('');
  });

  it('never exceeds max characters nor spans lines', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 120 }),
        (payload, max) => {
          const preview = previewPayload(payload, max);
          expect(preview.length).toBeLessThanOrEqual(max);
          expect(preview).not.toMatch(/[\n\r]/);
        },
      ),
    );
  });
});
