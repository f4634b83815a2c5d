import { describe, expect, it } from 'vitest';
import { localTimeValue, parseLocalTime, startOf } from '../src/lib/start-position.js';

describe('startOf', () => {
  const base = { number: '', time: '' };
  it('maps each kind to the SDK start', () => {
    expect(startOf({ ...base, kind: 'earliest' })).toEqual({ ok: true, start: 'earliest' });
    expect(startOf({ ...base, kind: 'latest' })).toEqual({ ok: true, start: 'latest' });
    expect(startOf({ ...base, kind: 'offset', number: '12' })).toEqual({
      ok: true,
      start: { offset: 12 },
    });
    expect(startOf({ ...base, kind: 'lastN', number: '5' })).toEqual({
      ok: true,
      start: { lastN: 5 },
    });
    const time = new Date(2026, 10, 29, 8, 0, 0).getTime();
    expect(startOf({ ...base, kind: 'time', time: '2026-11-29T08:00' })).toEqual({
      ok: true,
      start: { time },
    });
  });
  it('refuses a missing number or time', () => {
    expect(startOf({ ...base, kind: 'offset' }).ok).toBe(false);
    expect(startOf({ ...base, kind: 'lastN', number: '-2' }).ok).toBe(false);
    expect(startOf({ ...base, kind: 'time' })).toEqual({
      ok: false,
      error: 'Pick a date and time',
    });
  });
});

describe('local times', () => {
  it('round-trips to the second', () => {
    const ms = new Date(2026, 0, 2, 3, 4, 5).getTime();
    expect(localTimeValue(ms)).toBe('2026-01-02T03:04:05');
    expect(parseLocalTime(localTimeValue(ms))).toBe(ms);
  });
  it('takes milliseconds and refuses other text', () => {
    expect(parseLocalTime('2026-01-02T03:04:05.5')).toBe(
      new Date(2026, 0, 2, 3, 4, 5, 500).getTime(),
    );
    expect(parseLocalTime('yesterday')).toBeUndefined();
  });
});
