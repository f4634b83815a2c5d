import { describe, expect, it } from 'vitest';
import {
  ERROR_CODE_BY_NUMBER,
  ERROR_CODES,
  ERROR_DESCRIPTIONS,
  FerryError,
  isErrorCode,
  ProtocolError,
} from '../src/index.js';
import { spec } from './spec-loader.js';

describe('error table', () => {
  it('holds every code of the spec with its number and retriable flag', () => {
    for (const e of spec.errors) {
      expect(ERROR_CODES[e.code as keyof typeof ERROR_CODES]).toEqual({
        number: e.number,
        retriable: e.retriable,
      });
      expect(ERROR_DESCRIPTIONS[e.code as keyof typeof ERROR_DESCRIPTIONS]).toBe(e.description);
      expect(ERROR_CODE_BY_NUMBER.get(e.number)).toBe(e.code);
    }
    expect(Object.keys(ERROR_CODES)).toHaveLength(spec.errors.length);
    expect(Object.keys(ERROR_DESCRIPTIONS)).toEqual(Object.keys(ERROR_CODES));
    expect(isErrorCode('STATION_NOT_FOUND')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });

  it('errors carry code, number, retriable and cause', () => {
    const cause = new Error('disk');
    const e = new FerryError('STORAGE_FULL', 'no space left', { cause });
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.number, e.retriable, e.cause]).toEqual([
      'FerryError',
      'STORAGE_FULL',
      111,
      true,
      cause,
    ]);
    expect(new FerryError('STORAGE_FULL', 'x', { retriable: false }).retriable).toBe(false);
    const p = new ProtocolError('INVALID_FIELD', 'ping.id: bad', { field: 'ping.id' });
    expect(p).toBeInstanceOf(FerryError);
    expect([p.name, p.code, p.number, p.retriable, p.field]).toEqual([
      'ProtocolError',
      'INVALID_FIELD',
      4,
      false,
      'ping.id',
    ]);
  });
});
