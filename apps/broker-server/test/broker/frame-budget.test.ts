import {
  DEFAULT_LIMITS,
  type DeadLetterEntry,
  type DeliveredMessage,
  encodeFrame,
  type StationInfo,
} from '@ferry/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deliveredSizeBound,
  FRAME_ENVELOPE_BYTES,
  FrameBudget,
  fitInFrame,
  largestItemBytes,
  msgpackSizeBound,
} from '../../src/broker/frame-budget.js';
import { limits, ValueError } from '../../src/config/values.js';

const U32 = 2 ** 32 - 1;
const uint = fc.oneof(fc.nat(200), fc.nat(U32), fc.maxSafeNat());
const u32 = fc.oneof(fc.nat(200), fc.nat(U32));
/** Any code points (lone surrogates included), short enough for every string limit. */
const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
// The codec refuses the header name __proto__ (ENC-*), so it is not a header a message can have.
const headerName = text(20).filter((name) => name !== '__proto__');
const headers = fc.dictionary(headerName, text(40), { maxKeys: 8, noNullPrototype: true });

const delivered: fc.Arbitrary<DeliveredMessage> = fc.record(
  {
    partition: u32,
    offset: uint,
    timestamp: uint,
    deliveryCount: u32,
    payload: fc.uint8Array({ maxLength: 300 }),
    headers,
    key: text(60),
    msgId: text(60),
  },
  { requiredKeys: ['partition', 'offset', 'timestamp', 'deliveryCount', 'payload'] },
);

const deadLetter: fc.Arbitrary<DeadLetterEntry> = fc.record(
  {
    id: uint,
    group: text(30),
    partition: u32,
    offset: uint,
    timestamp: uint,
    deadLetteredAt: uint,
    deliveryCount: u32,
    reason: text(200),
    payload: fc.uint8Array({ maxLength: 300 }),
    headers,
    key: text(60),
    msgId: text(60),
  },
  {
    requiredKeys: [
      'id',
      'group',
      'partition',
      'offset',
      'timestamp',
      'deadLetteredAt',
      'deliveryCount',
      'reason',
      'payload',
    ],
  },
);

const stationInfo: fc.Arbitrary<StationInfo> = fc.record({
  name: text(30),
  config: fc.record(
    {
      partitions: u32,
      retention: fc.record(
        { maxAgeMs: uint, maxMessages: uint, maxBytes: uint, ackBased: fc.boolean() },
        { requiredKeys: [] },
      ),
      storage: fc.constantFrom('file' as const, 'memory' as const),
      durability: fc.constantFrom('always' as const, 'interval' as const, 'never' as const),
      flushIntervalMs: u32,
      dedupWindowMs: u32,
      ackTimeoutMs: u32,
      maxDeliveries: u32,
      deadLetter: fc.record(
        { enabled: fc.boolean(), maxAgeMs: uint, maxMessages: uint },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  ),
  createdAt: uint,
  partitions: fc.array(
    fc.record({ partition: u32, firstOffset: uint, nextOffset: uint, bytes: uint }),
    { maxLength: 20 },
  ),
  groups: fc.array(
    fc.record(
      {
        name: text(30),
        members: u32,
        pending: uint,
        lag: uint,
        ackTimeoutMs: u32,
        maxDeliveries: u32,
      },
      { requiredKeys: ['name', 'members', 'pending', 'lag'] },
    ),
    { maxLength: 5 },
  ),
  deadLetters: uint,
});

const sum = (sizes: number[]) => sizes.reduce((a, b) => a + b, FRAME_ENVELOPE_BYTES);

describe('frame budget', () => {
  it('[LIMITS-1] [CONS-10] a deliver frame encodes within the envelope plus the bounds of its messages', () => {
    fc.assert(
      fc.property(u32, fc.array(delivered, { maxLength: 6 }), (sid, messages) => {
        const bytes = encodeFrame({ type: 'deliver', sid, messages }).length;
        expect(bytes).toBeLessThanOrEqual(sum(messages.map(msgpackSizeBound)));
        expect(bytes).toBeLessThanOrEqual(sum(messages.map(deliveredSizeBound)));
      }),
      { numRuns: 500 },
    );
  });

  it('[LIMITS-1] a dead-letter page encodes within the envelope plus the bounds of its entries', () => {
    fc.assert(
      fc.property(
        u32,
        fc.array(deadLetter, { maxLength: 6 }),
        fc.boolean(),
        (id, entries, more) => {
          const bytes = encodeFrame({ type: 'dlsEntries', id, entries, more }).length;
          expect(bytes).toBeLessThanOrEqual(sum(entries.map(msgpackSizeBound)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('[LIMITS-1] a station page encodes within the envelope plus the bounds of its stations', () => {
    fc.assert(
      fc.property(
        u32,
        fc.array(stationInfo, { maxLength: 4 }),
        fc.boolean(),
        (id, stations, more) => {
          const bytes = encodeFrame({ type: 'stations', id, stations, more }).length;
          expect(bytes).toBeLessThanOrEqual(sum(stations.map(msgpackSizeBound)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('[LIMITS-1] items are taken while they fit; the first always is', () => {
    const budget = new FrameBudget(1000);
    expect(budget.take(5000)).toBe(true);
    expect(budget.take(1)).toBe(false);
    expect(fitInFrame([400, 400, 400], 10, 1000, (n) => n)).toBe(2);
    expect(fitInFrame([400, 400, 400], 1, 1000, (n) => n)).toBe(1);
    expect(fitInFrame([], 10, 1000, (n) => n)).toBe(0);
  });

  it('[LIMITS-1] the largest message, with every header, key and msgId at its limit, fits in its frames', () => {
    const largest = largestItemBytes(DEFAULT_LIMITS);
    expect(largest).toBeLessThanOrEqual(DEFAULT_LIMITS.maxFrameBytes);
    const hs: Record<string, string> = {};
    for (let i = 0; i < DEFAULT_LIMITS.maxHeaders; i++)
      hs[String(i).padStart(DEFAULT_LIMITS.maxHeaderBytes, 'h')] = '€'.repeat(
        Math.floor(DEFAULT_LIMITS.maxHeaderBytes / 3),
      );
    const message: DeliveredMessage = {
      partition: U32,
      offset: Number.MAX_SAFE_INTEGER,
      timestamp: Number.MAX_SAFE_INTEGER,
      deliveryCount: U32,
      payload: new Uint8Array(DEFAULT_LIMITS.maxMessageBytes),
      headers: hs,
      key: 'k'.repeat(DEFAULT_LIMITS.maxKeyBytes),
      msgId: 'm'.repeat(DEFAULT_LIMITS.maxMsgIdBytes),
    };
    expect(encodeFrame({ type: 'deliver', sid: U32, messages: [message] }).length).toBeLessThan(
      largest,
    );
  });

  it('[LIMITS-1] [GROUP-3] the info of a group with maxPartitions partitions fits in its frame', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const partitions = Array.from({ length: DEFAULT_LIMITS.maxPartitions }, (_, i) => ({
      partition: i + U32 - DEFAULT_LIMITS.maxPartitions,
      cursor: big,
      lag: big,
      inFlight: big,
    }));
    const info = {
      name: 'g'.repeat(DEFAULT_LIMITS.maxNameBytes),
      members: U32,
      pending: big,
      lag: big,
      ackTimeoutMs: U32,
      maxDeliveries: U32,
      ordering: 'partition' as const,
      redeliveries: big,
      partitions,
      deadLetters: big,
    };
    const bytes = encodeFrame({ type: 'group', id: U32, info }).length;
    expect(bytes).toBeLessThanOrEqual(largestItemBytes(DEFAULT_LIMITS));
    expect(bytes).toBeLessThanOrEqual(DEFAULT_LIMITS.maxFrameBytes);
  });

  it('[LIMITS-1] limit overrides that leave no room for one full message are refused', () => {
    expect(() => limits.fromJson({ maxFrameBytes: 1024 * 1024 })).toThrow(ValueError);
    expect(() =>
      limits.fromJson({ maxMessageBytes: 8 * 1024 * 1024, maxFrameBytes: 8 * 1024 * 1024 + 1000 }),
    ).toThrow(/maxFrameBytes/);
    expect(limits.fromJson({ maxMessageBytes: 2 * 1024 * 1024 }).maxMessageBytes).toBe(
      2 * 1024 * 1024,
    );
  });
});
