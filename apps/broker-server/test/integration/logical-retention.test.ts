/**
 * Logical retention over real sockets against a real broker process [LIMITS-8]: the first
 * offset moves on the produce that passes the policy, groups and stationInfo see it at once,
 * it survives a restart, and segment files go once wholly below it.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, PartitionInfo, Retention } from '@ferry/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { Deliveries } from '../support/deliveries.js';
import type { Requester } from '../support/requester.js';

const fixture = useBrokers();
const configDir = mkdtempSync(join(tmpdir(), 'ferry-logical-retention-'));
afterAll(() => rmSync(configDir, { recursive: true, force: true }));

async function broker(config: object = {}, dataDir?: string): Promise<BrokerProcess> {
  const file = join(configDir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return fixture.broker({
    args: ['--config', file],
    ...(dataDir === undefined ? {} : { dataDir }),
  });
}

async function partition(r: Requester, station: string): Promise<PartitionInfo> {
  const info = await r.request({ type: 'stationInfo', name: station });
  if (info.type !== 'station') throw new Error(JSON.stringify(info));
  return info.info.partitions[0] as PartitionInfo;
}

async function create(r: Requester, name: string, retention: Retention): Promise<void> {
  const reply = await r.request({ type: 'stationCreate', name, config: { retention } });
  if (reply.type !== 'station') throw new Error(JSON.stringify(reply));
}

/** `n` messages of 100 B, one per produce, each acknowledged before the next. */
async function produce(r: Requester, station: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const reply: Frame = await r.request({
      type: 'produce',
      station,
      messages: [{ payload: new Uint8Array(100).fill(i & 0xff) }],
    });
    if (reply.type !== 'produceAck') throw new Error(JSON.stringify(reply));
  }
}

/** Polls a bounded number of times for the background to catch up; never asserts a time. */
async function eventually(check: () => Promise<boolean> | boolean, tries = 200): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Offsets a new group starting at the earliest message gets. */
async function fromEarliest(r: Requester, station: string, n: number): Promise<number[]> {
  const reply = await r.request({
    type: 'subscribe',
    sid: 7,
    station,
    group: 'late',
    options: { start: { kind: 'earliest' }, credit: 2000 },
  });
  if (reply.type !== 'subscribed') throw new Error(JSON.stringify(reply));
  const got = await new Deliveries(r).take(7, n);
  return got.map((m) => m.offset);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
/** A 100 B message as the log keeps it, sent alone: batch header, record header, payload. */
const LOG_BYTES = 32 + 5 + 100;

describe('logical retention in the broker [LIMITS-8]', () => {
  it('[LIMITS-8] maxMessages 100 with default segments: first = 900 at once after 1,000 messages, groups from earliest get 900..999, and a restart keeps it', async () => {
    const first = await broker();
    let { requests: r } = await fixture.connect(first);
    await create(r, 'counted', { maxMessages: 100 });
    await produce(r, 'counted', 1000);
    // No retention check has run (it runs every 10 s): the produce moved it.
    expect(await partition(r, 'counted')).toMatchObject({
      firstOffset: 900,
      nextOffset: 1000,
      bytes: 100 * LOG_BYTES,
    });
    expect(await fromEarliest(r, 'counted', 100)).toEqual(range(900, 1000));
    await fixture.stop(first);
    const second = await broker({}, first.dataDir);
    ({ requests: r } = await fixture.connect(second));
    expect(await partition(r, 'counted')).toMatchObject({
      firstOffset: 900,
      nextOffset: 1000,
      bytes: 100 * LOG_BYTES,
    });
  }, 120_000);

  it('[LIMITS-8] after a kill -9 the first offset is back where the policy puts it as soon as the broker is up', async () => {
    // No retention check in the test's time: only the pass at start can move it.
    const config = { stations: { retentionCheckMs: 3_600_000 } };
    const first = await broker(config);
    let { requests: r } = await fixture.connect(first);
    await create(r, 'crashed', { maxMessages: 100 });
    await produce(r, 'crashed', 300);
    await first.kill();
    const second = await broker(config, first.dataDir);
    ({ requests: r } = await fixture.connect(second));
    expect(await eventually(async () => (await partition(r, 'crashed')).firstOffset === 200)).toBe(
      true,
    );
    expect(await partition(r, 'crashed')).toMatchObject({
      nextOffset: 300,
      bytes: 100 * LOG_BYTES,
    });
  }, 120_000);

  it('[LIMITS-8] maxBytes, to the record: first = 900 at once after 1,000 messages, and a restart keeps it', async () => {
    const first = await broker();
    let { requests: r } = await fixture.connect(first);
    // Room for 100 messages and a little, not for 101.
    await create(r, 'sized', { maxBytes: 100 * LOG_BYTES + LOG_BYTES - 1 });
    await produce(r, 'sized', 1000);
    expect(await partition(r, 'sized')).toMatchObject({
      firstOffset: 900,
      nextOffset: 1000,
      bytes: 100 * LOG_BYTES,
    });
    expect(await fromEarliest(r, 'sized', 100)).toEqual(range(900, 1000));
    await fixture.stop(first);
    const second = await broker({}, first.dataDir);
    ({ requests: r } = await fixture.connect(second));
    expect(await partition(r, 'sized')).toMatchObject({ firstOffset: 900, nextOffset: 1000 });
  }, 120_000);

  it('[LIMITS-8] maxAgeMs: a retention check drops every expired message, the newest too; younger ones stay', async () => {
    const b = await broker({ stations: { retentionCheckMs: 50 } });
    const { requests: r } = await fixture.connect(b);
    await create(r, 'aged', { maxAgeMs: 3000 });
    await produce(r, 'aged', 10);
    expect(await eventually(async () => (await partition(r, 'aged')).firstOffset === 10)).toBe(
      true,
    );
    await produce(r, 'aged', 5);
    expect(await partition(r, 'aged')).toMatchObject({
      firstOffset: 10,
      nextOffset: 15,
      bytes: 5 * LOG_BYTES,
    });
    expect(await fromEarliest(r, 'aged', 5)).toEqual(range(10, 15));
  }, 60_000);

  it('[LIMITS-8] segment files are deleted once wholly below the first offset', async () => {
    const b = await broker({ storage: { segmentBytes: 1024 } });
    const { requests: r } = await fixture.connect(b);
    await create(r, 'rolled', { maxMessages: 20 });
    await produce(r, 'rolled', 100);
    expect(await partition(r, 'rolled')).toMatchObject({ firstOffset: 80, nextOffset: 100 });
    const dir = join(b.dataDir, 'stations', 'rolled', 'partitions', '0');
    const bases = () =>
      readdirSync(dir)
        .filter((n) => n.endsWith('.log'))
        .map((n) => Number(n.slice(0, 20)))
        .sort((x, y) => x - y);
    // Deletion runs beside the produces: the oldest file left holds offset 80, the next starts above it.
    expect(await eventually(() => (bases()[1] ?? Infinity) > 80)).toBe(true);
    expect(bases()[0]).toBeLessThanOrEqual(80);
  }, 60_000);
});
