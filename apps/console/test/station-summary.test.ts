import type { StationInfo } from '@ferry/browser';
import { describe, expect, it } from 'vitest';
import { configBadges, retentionSummary, stationRow } from '../src/lib/station-summary.js';

const info: StationInfo = {
  name: 'orders',
  config: { partitions: 2, retention: { maxAgeMs: 7 * 86_400_000 } },
  createdAt: 0,
  partitions: [
    { partition: 0, firstOffset: 10, nextOffset: 25, bytes: 1000 },
    { partition: 1, firstOffset: 0, nextOffset: 5, bytes: 24 },
  ],
  groups: [
    { name: 'a', members: 1, pending: 0, lag: 3 },
    { name: 'b', members: 0, pending: 2, lag: 4 },
  ],
  deadLetters: 7,
};

describe('stationRow', () => {
  it('sums messages, bytes and lag over partitions and groups', () => {
    expect(stationRow(info)).toEqual({
      name: 'orders',
      partitions: 2,
      messages: 20,
      bytes: 1024,
      retention: '7d',
      groups: 2,
      lag: 7,
      deadLetters: 7,
    });
  });
});

describe('retentionSummary', () => {
  it('says forever when nothing limits it', () => {
    expect(retentionSummary(undefined)).toBe('forever');
    expect(retentionSummary({ ackBased: false })).toBe('forever');
  });
  it('lists every limit', () => {
    expect(
      retentionSummary({
        maxAgeMs: 3_600_000,
        maxMessages: 10_000,
        maxBytes: 1024 ** 3,
        ackBased: true,
      }),
    ).toBe('1h · 10,000 msgs · 1 GiB · until acked');
  });
});

describe('configBadges', () => {
  it('names the settings, and the interval of interval durability', () => {
    expect(
      configBadges({
        partitions: 1,
        storage: 'file',
        durability: 'interval',
        flushIntervalMs: 200,
        dedupWindowMs: 0,
        deadLetter: { enabled: false },
      }),
    ).toEqual([
      '1 partition',
      'file',
      'fsync every 200 ms',
      'retention forever',
      'no dedup',
      'dead letters dropped',
    ]);
  });
  it('leaves out the durability of memory stations, which is implied', () => {
    expect(configBadges({ storage: 'memory', durability: 'memory' })).toEqual([
      'memory',
      'retention forever',
    ]);
  });
});
