/**
 * Memory stations over real sockets against a real broker process [LIMITS-4]: bounded per
 * station and all together, retention dropping the oldest instead when it may, deleted
 * stations giving their room back, and acks and info saying `memory`.
 */
import type { ProduceAckFrame, ProduceResult, Retention } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { Requester } from '../support/requester.js';

const fixture = useBrokers();
const KIB = 1024;

async function broker(stationMax: number, total: number): Promise<Requester> {
  const b = await fixture.broker({
    args: ['--memory-station-max-bytes', String(stationMax), '--memory-max-bytes', String(total)],
  });
  return (await fixture.connect(b)).requests;
}

async function create(r: Requester, name: string, retention: Retention = {}): Promise<void> {
  const reply = await r.request({
    type: 'stationCreate',
    name,
    config: { storage: 'memory', partitions: 1, retention },
  });
  if (reply.type !== 'station') throw new Error(JSON.stringify(reply));
}

async function produceOne(r: Requester, station: string): Promise<ProduceAckFrame> {
  const reply = await r.request({
    type: 'produce',
    station,
    messages: [{ payload: new Uint8Array(KIB) }],
  });
  if (reply.type !== 'produceAck') throw new Error(JSON.stringify(reply));
  return reply;
}

/** Produces 1 KiB messages until one is refused (at most 2,000); returns how many were stored and the refusal. */
async function fill(
  r: Requester,
  station: string,
): Promise<{ stored: number; refused?: ProduceResult }> {
  for (let stored = 0; stored < 2000; stored++) {
    const [result] = (await produceOne(r, station)).results;
    if (result?.kind !== 'ok') return { stored, refused: result };
  }
  return { stored: 2000 };
}

async function partition(r: Requester, station: string) {
  const info = await r.request({ type: 'stationInfo', name: station });
  if (info.type !== 'station') throw new Error(JSON.stringify(info));
  return { config: info.info.config, ...info.info.partitions[0] };
}

describe('memory stations are bounded [LIMITS-4]', () => {
  it('[LIMITS-4] a produce past the station bound gets OVERLOADED and stores nothing', async () => {
    const r = await broker(256 * KIB, 1024 * KIB);
    await create(r, 'mem');
    const { stored, refused } = await fill(r, 'mem');
    expect(refused).toMatchObject({
      kind: 'error',
      code: 'OVERLOADED',
      message: expect.stringContaining('storage.memoryStationMaxBytes'),
    });
    expect(stored).toBeGreaterThan(150);
    expect(stored).toBeLessThan(256);
    expect(await partition(r, 'mem')).toMatchObject({ firstOffset: 0, nextOffset: stored });
    // Still refused, still nothing stored.
    expect((await produceOne(r, 'mem')).results[0]).toMatchObject({ code: 'OVERLOADED' });
    expect(await partition(r, 'mem')).toMatchObject({ nextOffset: stored });
  }, 60_000);

  it('[LIMITS-4] with retention maxBytes or maxMessages the oldest are dropped to make room instead', async () => {
    const r = await broker(256 * KIB, 1024 * KIB);
    for (const [name, retention] of [
      ['by-bytes', { maxBytes: 64 * 1024 * KIB }],
      ['by-count', { maxMessages: 1_000_000 }],
    ] as const) {
      await create(r, name, retention);
      for (let i = 0; i < 1000; i++)
        expect((await produceOne(r, name)).results[0]).toMatchObject({ kind: 'ok', offset: i });
      const p = await partition(r, name);
      expect(p.nextOffset).toBe(1000);
      expect(p.firstOffset).toBeGreaterThan(700);
      expect(p.bytes).toBeLessThanOrEqual(256 * KIB);
    }
  }, 60_000);

  it('[LIMITS-4] past the engine budget OVERLOADED; after deleting a full station a new one takes the whole budget again', async () => {
    const r = await broker(256 * KIB, 384 * KIB);
    await create(r, 'a');
    const a = await fill(r, 'a');
    expect(a.refused).toMatchObject({ code: 'OVERLOADED' });
    await create(r, 'b');
    const b = await fill(r, 'b');
    expect(b.refused).toMatchObject({
      code: 'OVERLOADED',
      message: expect.stringContaining('storage.memoryMaxBytes'),
    });
    expect(b.stored).toBeLessThan(a.stored * 0.75);
    for (const name of ['a', 'b'])
      expect((await r.request({ type: 'stationDelete', name })).type).toBe('ok');
    await create(r, 'c');
    expect((await fill(r, 'c')).stored).toBe(a.stored);
  }, 60_000);

  it('[LIMITS-4] a memory station acks with durability memory, and its info says memory', async () => {
    const r = await broker(256 * KIB, 1024 * KIB);
    await create(r, 'said');
    expect((await produceOne(r, 'said')).durability).toBe('memory');
    expect((await partition(r, 'said')).config.durability).toBe('memory');
    // A file station still says what it does.
    expect(
      (
        await r.request({
          type: 'produce',
          station: 'file',
          messages: [{ payload: new Uint8Array(1) }],
        })
      ).type === 'produceAck',
    ).toBe(true);
    expect((await partition(r, 'file')).config.durability).toBe('always');
  }, 60_000);
});
