import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from '@ferry/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { Deliveries } from '../support/deliveries.js';
import type { Requester } from '../support/requester.js';

const fixture = useBrokers();
const configDir = mkdtempSync(join(tmpdir(), 'ferry-retention-config-'));
afterAll(() => rmSync(configDir, { recursive: true, force: true }));

/** A broker with 1 KiB segments and retention every 50 ms, so retention has segments to delete. */
async function broker() {
  const file = join(configDir, 'ferry.json');
  writeFileSync(
    file,
    JSON.stringify({ storage: { segmentBytes: 1024 }, stations: { retentionCheckMs: 50 } }),
  );
  const b = await fixture.broker({ args: ['--config', file] });
  return fixture.connect(b);
}

async function firstOffset(r: Requester, station: string): Promise<number> {
  const info = await r.request({ type: 'stationInfo', name: station });
  if (info.type !== 'station') throw new Error(JSON.stringify(info));
  return info.info.partitions[0]?.firstOffset ?? -1;
}

/** Polls a bounded number of times for retention to run; never asserts a time. */
async function eventually(check: () => Promise<boolean>, tries = 200): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function produce(r: Requester, station: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const reply: Frame = await r.request({
      type: 'produce',
      station,
      messages: [{ payload: new Uint8Array(100).fill(i) }],
    });
    if (reply.type !== 'produceAck') throw new Error(JSON.stringify(reply));
  }
}

describe('retention in the broker', () => {
  it('by message count: deletes the oldest whole segments in the background', async () => {
    const { requests: r } = await broker();
    await r.request({
      type: 'stationCreate',
      name: 'counted',
      config: { retention: { maxMessages: 20 } },
    });
    await produce(r, 'counted', 100);
    expect(await eventually(async () => (await firstOffset(r, 'counted')) > 0)).toBe(true);
    const first = await firstOffset(r, 'counted');
    expect(100 - first).toBeGreaterThanOrEqual(20);
  });

  it('ack-based: deletes only what every group has acknowledged', async () => {
    const { requests: r } = await broker();
    await r.request({
      type: 'stationCreate',
      name: 'acked',
      config: { retention: { ackBased: true } },
    });
    await r.request({
      type: 'subscribe',
      sid: 1,
      station: 'acked',
      group: 'fast',
      options: { start: { kind: 'earliest' }, credit: 1000 },
    });
    await r.request({
      type: 'subscribe',
      sid: 2,
      station: 'acked',
      group: 'slow',
      options: { start: { kind: 'earliest' }, credit: 1000 },
    });
    await produce(r, 'acked', 60);
    const deliveries = new Deliveries(r);
    const fast = await deliveries.take(1, 60);
    await r.request({
      type: 'ack',
      sid: 1,
      refs: fast.map(({ partition, offset }) => ({ partition, offset })),
    });
    // The slow group has acknowledged nothing: nothing may go, however many times retention runs.
    expect(await eventually(async () => (await firstOffset(r, 'acked')) > 0, 40)).toBe(false);
    const slow = await deliveries.take(2, 60);
    await r.request({
      type: 'ack',
      sid: 2,
      refs: slow.slice(0, 30).map(({ partition, offset }) => ({ partition, offset })),
    });
    expect(await eventually(async () => (await firstOffset(r, 'acked')) > 0)).toBe(true);
    expect(await firstOffset(r, 'acked')).toBeLessThanOrEqual(30);
  }, 60_000);
});
