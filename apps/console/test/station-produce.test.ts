import { describe, expect, it } from 'vitest';
import { parseHeaders, payloadBytes } from '../src/lib/station-produce.js';

describe('payloadBytes', () => {
  it('encodes text as UTF-8', () => {
    expect(payloadBytes('hé', 'text')).toEqual({
      ok: true,
      value: new Uint8Array([104, 195, 169]),
    });
  });
  it('checks JSON and sends it as typed', () => {
    expect(payloadBytes('{ "a": 1 }', 'json')).toEqual({
      ok: true,
      value: new TextEncoder().encode('{ "a": 1 }'),
    });
    const bad = payloadBytes('{bad', 'json');
    expect(bad.ok).toBe(false);
    expect(bad.ok ? '' : bad.error).toMatch(/^Not valid JSON/);
  });
  it('reads hex with spaces, colons and 0x', () => {
    expect(payloadBytes('0x68 65:6C\n6c 6f', 'hex')).toEqual({
      ok: true,
      value: new TextEncoder().encode('hello'),
    });
    expect(payloadBytes('abc', 'hex').ok).toBe(false);
    expect(payloadBytes('zz', 'hex').ok).toBe(false);
  });
});

describe('parseHeaders', () => {
  it('reads name=value lines, skipping blank ones', () => {
    expect(parseHeaders('source=web\n\ntrace = a=b\r\n')).toEqual({
      ok: true,
      value: { source: 'web', trace: ' a=b' },
    });
  });
  it('gives undefined for none, and refuses a line without a name', () => {
    expect(parseHeaders('  \n')).toEqual({ ok: true, value: undefined });
    expect(parseHeaders('oops')).toEqual({
      ok: false,
      error: 'Header line 1 is not name=value: "oops"',
    });
  });
});
