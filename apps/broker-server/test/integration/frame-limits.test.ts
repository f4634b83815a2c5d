import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIMITS, type DeliveredMessage, type ProduceMessage } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { largestItemBytes } from '../../src/broker/frame-budget.js';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { Deliveries } from '../support/deliveries.js';
import { recordFrameSizes } from '../support/frame-sizes.js';
import { connectTcp } from '../support/raw-client.js';
import { expectType, Requester } from '../support/requester.js';
import { useTempDirs } from '../support/temp-dir.js';

const fixture = useBrokers();
const tempDir = useTempDirs('frame-limits');
const MIB = 1024 * 1024;

interface Client {
  r: Requester;
  d: Deliveries;
  /** Body length of every frame received after the handshake. */
  sizes: number[];
}

async function client(b: BrokerProcess): Promise<Client> {
  const raw = await connectTcp(b.tcpPort);
  fixture.track(raw);
  await raw.handshake();
  const sizes = recordFrameSizes(raw);
  const r = new Requester(raw);
  return { r, d: new Deliveries(r), sizes };
}

/** A broker whose maxFrameBytes is the least the limits allow: one full message and no more. */
async function tightBroker(): Promise<{ b: BrokerProcess; maxFrameBytes: number }> {
  const maxFrameBytes = largestItemBytes(DEFAULT_LIMITS);
  const file = join(tempDir(), 'ferry.json');
  writeFileSync(file, JSON.stringify({ limits: { maxFrameBytes } }));
  return { b: await fixture.broker({ args: ['--config', file] }), maxFrameBytes };
}

const mib = (fill: number) => new Uint8Array(MIB).fill(fill);
const refs = (ms: DeliveredMessage[]) => ms.map(({ partition, offset }) => ({ partition, offset }));

/** Produces one frame at a time, `perFrame` messages each. */
async function produce(c: Client, station: string, messages: ProduceMessage[], perFrame: number) {
  for (let i = 0; i < messages.length; i += perFrame) {
    const batch = messages.slice(i, i + perFrame);
    expectType(await c.r.request({ type: 'produce', station, messages: batch }), 'produceAck');
  }
}

/** A message at every limit: maxMessageBytes of payload, maxHeaders headers of maxHeaderBytes, a key and a msgId. */
function fullMessage(fill: number): ProduceMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < DEFAULT_LIMITS.maxHeaders; i++)
    headers[String(i).padStart(DEFAULT_LIMITS.maxHeaderBytes, 'h')] = 'v'.repeat(
      DEFAULT_LIMITS.maxHeaderBytes,
    );
  return {
    payload: mib(fill),
    headers,
    key: 'k'.repeat(DEFAULT_LIMITS.maxKeyBytes),
    msgId: String(fill).padStart(DEFAULT_LIMITS.maxMsgIdBytes, 'm'),
  };
}

describe('frames within maxFrameBytes', () => {
  it('[CONS-10] [LIMITS-1] 20 × 1 MiB messages nacked together are redelivered in frames that each fit', async () => {
    const b = await fixture.broker();
    const c = await client(b);
    expectType(
      await c.r.request({
        type: 'subscribe',
        sid: 1,
        station: 'big',
        group: 'g',
        options: { credit: 40 },
      }),
      'subscribed',
    );
    await produce(
      c,
      'big',
      Array.from({ length: 20 }, (_, i) => ({ payload: mib(i) })),
      4,
    );
    const first = await c.d.take(1, 20);
    expect(first).toHaveLength(20);
    expectType(await c.r.request({ type: 'nack', sid: 1, refs: refs(first) }), 'ok');
    const again = await c.d.take(1, 20);
    expect(again.map((m) => m.offset)).toEqual(first.map((m) => m.offset));
    expect(new Set(again.map((m) => m.deliveryCount))).toEqual(new Set([2]));
    expect(again.map((m) => m.payload[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Math.max(...c.sizes)).toBeLessThanOrEqual(DEFAULT_LIMITS.maxFrameBytes);
  });

  it('[CONS-10] [LIMITS-1] a message with maxHeaders headers of maxHeaderBytes that cannot share a frame comes alone', async () => {
    const { b, maxFrameBytes } = await tightBroker();
    const c = await client(b);
    // 4 KiB: more than the room a full message leaves in a frame, so only full ones come alone.
    const small = (n: number): ProduceMessage => ({ payload: new Uint8Array(4096).fill(n) });
    const sent = [fullMessage(0), small(1), small(2), fullMessage(3), fullMessage(4), small(5)];
    await produce(c, 'full', sent, 1);
    // Subscribing after the produce, so that all six are there to be batched.
    const options = { credit: 100, start: { kind: 'earliest' as const } };
    expectType(
      await c.r.request({ type: 'subscribe', sid: 1, station: 'full', group: 'g', options }),
      'subscribed',
    );
    const frames: DeliveredMessage[][] = [];
    let received = 0;
    while (received < sent.length) {
      const frame = expectType(await c.r.nextUnsolicited(), 'deliver');
      frames.push(frame.messages);
      received += frame.messages.length;
    }
    const full = frames.filter((ms) => ms.some((m) => m.payload.length === MIB));
    expect(full.map((ms) => ms.length)).toEqual([1, 1, 1]);
    for (const [m] of full) expect(Object.keys(m?.headers ?? {})).toHaveLength(64);
    // The small ones that follow each other share a frame.
    expect(frames.some((ms) => ms.length === 2)).toBe(true);
    expect(frames.flat().map((m) => m.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Math.max(...c.sizes)).toBeLessThanOrEqual(maxFrameBytes);
  });

  it('[LIMITS-1] a station list of large stations pages within maxFrameBytes', async () => {
    const { b, maxFrameBytes } = await tightBroker();
    const c = await client(b);
    const names = Array.from({ length: 40 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    for (const name of names) {
      const config = { partitions: 1024, storage: 'memory' as const };
      expectType(await c.r.request({ type: 'stationCreate', name, config }), 'station');
    }
    const listed: string[] = [];
    let pages = 0;
    let after: string | undefined;
    for (;;) {
      const page = expectType(
        await c.r.request({ type: 'stationList', ...(after === undefined ? {} : { after }) }),
        'stations',
      );
      pages++;
      listed.push(...page.stations.map((s) => s.name));
      after = listed[listed.length - 1];
      if (!page.more) break;
    }
    expect(listed).toEqual(names);
    expect(pages).toBeGreaterThan(1);
    expect(Math.max(...c.sizes)).toBeLessThanOrEqual(maxFrameBytes);
  });

  it('[LIMITS-1] a dead-letter list of 1 MiB entries pages within maxFrameBytes', async () => {
    const b = await fixture.broker();
    const c = await client(b);
    expectType(
      await c.r.request({
        type: 'subscribe',
        sid: 1,
        station: 'dl',
        group: 'g',
        options: { credit: 20 },
      }),
      'subscribed',
    );
    await produce(
      c,
      'dl',
      Array.from({ length: 12 }, (_, i) => ({ payload: mib(i) })),
      4,
    );
    const got = await c.d.take(1, 12);
    expectType(
      await c.r.request({ type: 'deadLetter', sid: 1, refs: refs(got), reason: 'too big to like' }),
      'ok',
    );
    const ids: number[] = [];
    let pages = 0;
    let after: number | undefined;
    for (;;) {
      const page = expectType(
        await c.r.request({
          type: 'dlsList',
          station: 'dl',
          ...(after === undefined ? {} : { after }),
        }),
        'dlsEntries',
      );
      pages++;
      ids.push(...page.entries.map((e) => e.id));
      after = ids[ids.length - 1];
      if (!page.more) break;
    }
    expect(new Set(ids).size).toBe(12);
    expect(pages).toBeGreaterThan(1);
    expect(Math.max(...c.sizes)).toBeLessThanOrEqual(DEFAULT_LIMITS.maxFrameBytes);
  });
});
