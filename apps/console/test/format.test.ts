import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatBytes,
  formatCount,
  formatDuration,
  formatRate,
  formatTime,
  rateBetween,
} from '../src/lib/format.js';

describe('formatCount', () => {
  it('groups thousands', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1234567)).toBe('1,234,567');
  });

  it('keeps the sign of negatives', () => {
    expect(formatCount(-1200)).toBe('-1,200');
  });

  it('shows a dash for what is not a number', () => {
    expect(formatCount(Number.NaN)).toBe('–');
    expect(formatCount(Number.POSITIVE_INFINITY)).toBe('–');
  });
});

describe('formatBytes', () => {
  it('counts whole bytes below a KiB', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1)).toBe('1 B');
    expect(formatBytes(1023)).toBe('1023 B');
  });

  it('switches unit at 1024, with one decimal', () => {
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(1024 ** 2)).toBe('1 MiB');
    expect(formatBytes(5.25 * 1024 ** 3)).toBe('5.3 GiB');
  });

  it('moves up a unit when rounding reaches 1024 of the smaller one', () => {
    expect(formatBytes(1024 ** 2 - 1)).toBe('1 MiB');
    expect(formatBytes(1024 * 1023.96)).toBe('1 MiB');
    expect(formatBytes(1024 * 1023.9)).toBe('1,023.9 KiB');
  });

  it('stops at PiB', () => {
    expect(formatBytes(1024 ** 6)).toBe('1,024 PiB');
  });

  it('shows a dash for negatives, NaN and infinity', () => {
    expect(formatBytes(-1)).toBe('–');
    expect(formatBytes(Number.NaN)).toBe('–');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('–');
  });
});

describe('formatRate', () => {
  it('shows one decimal below 10 and whole numbers from 10', () => {
    expect(formatRate(0)).toBe('0/s');
    expect(formatRate(0.25)).toBe('0.3/s');
    expect(formatRate(9.94)).toBe('9.9/s');
    expect(formatRate(10)).toBe('10/s');
    expect(formatRate(10.6)).toBe('11/s');
    expect(formatRate(12345.4)).toBe('12,345/s');
  });

  it('shows a dash for negatives and NaN', () => {
    expect(formatRate(-1)).toBe('–');
    expect(formatRate(Number.NaN)).toBe('–');
  });
});

describe('formatDuration', () => {
  it('shows milliseconds below a second', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(999)).toBe('999 ms');
  });

  it('shows the two largest units', () => {
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(61_000)).toBe('1m 1s');
    expect(formatDuration(3_723_000)).toBe('1h 2m');
    expect(formatDuration(93_784_000)).toBe('1d 2h');
  });

  it('leaves out a zero second unit rather than skipping to a smaller one', () => {
    expect(formatDuration(3_600_000 + 5_000)).toBe('1h');
    expect(formatDuration(86_400_000 + 60_000)).toBe('1d');
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(86_400_000)).toBe('1d');
  });

  it('keeps units with a zero digit in them', () => {
    expect(formatDuration(10 * 3_600_000 + 20 * 60_000)).toBe('10h 20m');
    expect(formatDuration(100 * 86_400_000)).toBe('100d');
  });

  it('shows a dash for negatives and NaN', () => {
    expect(formatDuration(-1)).toBe('–');
    expect(formatDuration(Number.NaN)).toBe('–');
  });
});

describe('formatTime', () => {
  it('writes local date and time to the millisecond', () => {
    const at = new Date(2024, 0, 2, 3, 4, 5, 6).getTime();
    expect(formatTime(at)).toBe('2024-01-02 03:04:05.006');
  });

  it('shows a dash for NaN', () => {
    expect(formatTime(Number.NaN)).toBe('–');
  });
});

describe('formatAgo', () => {
  it('says just now under a second, and for times ahead of the clock', () => {
    expect(formatAgo(10_000, 10_999)).toBe('just now');
    expect(formatAgo(10_000, 9_000)).toBe('just now');
  });

  it('says how long ago', () => {
    expect(formatAgo(0, 12_000)).toBe('12s ago');
    expect(formatAgo(0, 184_000)).toBe('3m 4s ago');
  });
});

describe('rateBetween', () => {
  it('divides the growth by the time between', () => {
    expect(rateBetween({ value: 100, at: 1000 }, { value: 300, at: 3000 })).toBe(100);
    expect(rateBetween({ value: 5, at: 0 }, { value: 5, at: 500 })).toBe(0);
  });

  it('needs two samples in time order', () => {
    expect(rateBetween(undefined, { value: 1, at: 1 })).toBeUndefined();
    expect(rateBetween({ value: 1, at: 5 }, { value: 2, at: 5 })).toBeUndefined();
    expect(rateBetween({ value: 1, at: 6 }, { value: 2, at: 5 })).toBeUndefined();
  });

  it('reads a counter that went back as 0', () => {
    expect(rateBetween({ value: 500, at: 0 }, { value: 20, at: 1000 })).toBe(0);
  });
});
