import type { DeliveredMessage, Frame, GroupOptions, ProduceMessage } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { Deliveries } from '../support/deliveries.js';
import type { RawClient } from '../support/raw-client.js';
import { expectError, expectType, type Requester } from '../support/requester.js';

const fixture = useBrokers();

interface Client {
  r: Requester;
  d: Deliveries;
  raw: RawClient;
}

async function client(b: BrokerProcess): Promise<Client> {
  const { raw, requests } = await fixture.connect(b);
  return { r: requests, d: new Deliveries(requests), raw };
}

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const refs = (ms: readonly DeliveredMessage[]) =>
  ms.map(({ partition, offset }) => ({ partition, offset }));
const partitionsOf = (ms: readonly DeliveredMessage[]) =>
  [...new Set(ms.map((m) => m.partition))].sort();

async function produce(r: Requester, station: string, messages: ProduceMessage[]): Promise<void> {
  expectType(await r.request({ type: 'produce', station, messages }), 'produceAck');
}

/** `n` messages to each of `partitions`, by explicit partition. */
function toEach(partitions: number[], n: number): ProduceMessage[] {
  return partitions.flatMap((partition) =>
    Array.from({ length: n }, (_, i) => ({ partition, payload: text(`p${partition}-${i}`) })),
  );
}

async function createGroup(r: Requester, station: string, group: string, options: GroupOptions) {
  return r.request({ type: 'groupCreate', station, group, options });
}

async function subscribe(c: Client, station: string, group: string, credit: number) {
  expectType(
    await c.r.request({ type: 'subscribe', sid: 1, station, group, options: { credit } }),
    'subscribed',
  );
}

async function ack(c: Client, ms: readonly DeliveredMessage[]): Promise<void> {
  expectType(await c.r.request({ type: 'ack', sid: 1, refs: refs(ms) }), 'ok');
}

/**
 * Members of one group, each on its own connection, whose deliveries land in one timeline as they
 * arrive. A member holds a message from its delivery until the test sends its ack (or the member
 * leaves): what the broker may not give another member of the same partition at the same time.
 */
class Members {
  readonly held = new Map<string, DeliveredMessage[]>();
  /** Deliveries that arrived while another member held messages of their partition. */
  readonly overlaps: string[] = [];
  /** Messages in the order the members settled them. */
  readonly settled: DeliveredMessage[] = [];
  private readonly clients = new Map<string, Client>();
  private wakers: (() => void)[] = [];

  constructor(
    private readonly broker: BrokerProcess,
    private readonly station: string,
    private readonly group: string,
    private readonly credit: number,
  ) {}

  async join(name: string): Promise<void> {
    const c = await client(this.broker);
    this.clients.set(name, c);
    this.held.set(name, []);
    await subscribe(c, this.station, this.group, this.credit);
    void this.follow(name, c);
  }

  /** Settles what `name` holds, then gives the credit back. */
  async settle(name: string): Promise<void> {
    const c = this.clients.get(name);
    const held = this.held.get(name) ?? [];
    if (c === undefined || held.length === 0) return;
    this.held.set(name, []);
    this.settled.push(...held);
    await ack(c, held);
    c.r.client.send({ type: 'credit', sid: 1, credit: held.length });
  }

  /** Leaves gracefully: settles first, then unsubscribes. */
  async leave(name: string): Promise<void> {
    await this.settle(name);
    const c = this.clients.get(name);
    this.clients.delete(name);
    this.held.delete(name);
    if (c !== undefined) expectType(await c.r.request({ type: 'unsubscribe', sid: 1 }), 'ok');
  }

  /** Members holding messages now. */
  holders(): string[] {
    return [...this.held].filter(([, ms]) => ms.length > 0).map(([name]) => name);
  }

  /** Resolves once `done` is true, checked after every delivery. */
  async until(done: () => boolean): Promise<void> {
    while (!done()) await new Promise<void>((resolve) => this.wakers.push(resolve));
  }

  private async follow(name: string, c: Client): Promise<void> {
    for (;;) {
      let frame: Frame;
      try {
        frame = await c.r.nextUnsolicited(30_000);
      } catch {
        return;
      }
      if (frame.type !== 'deliver') continue;
      for (const m of frame.messages) {
        for (const [other, ms] of this.held)
          if (other !== name && ms.some((x) => x.partition === m.partition))
            this.overlaps.push(`${name} got ${m.partition}/${m.offset} while ${other} held it`);
      }
      this.held.get(name)?.push(...frame.messages);
      for (const wake of this.wakers.splice(0)) wake();
    }
  }
}

describe('consumer group ordering', () => {
  it('[GROUP-4] with ordering partition, 3 members of a 4-partition station share the partitions 2/1/1 and each receives only its own', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'even', config: { partitions: 4 } });
    expectType(
      await createGroup(r, 'even', 'g', { ordering: 'partition', start: { kind: 'earliest' } }),
      'group',
    );
    const members = new Members(b, 'even', 'g', 100);
    for (const name of ['a', 'b', 'c']) await members.join(name);
    await produce(r, 'even', toEach([0, 1, 2, 3], 10));
    const received = () => [...members.held.values()].reduce((n, ms) => n + ms.length, 0);
    await members.until(() => received() === 40);
    const owned = [...members.held.values()].map(partitionsOf);
    expect(owned.map((ps) => ps.length).sort()).toEqual([1, 1, 2]);
    expect(owned.flat().sort()).toEqual([0, 1, 2, 3]);
    for (const ms of members.held.values()) {
      expect(ms).toHaveLength(10 * partitionsOf(ms).length);
      // In offset order per partition.
      for (const p of partitionsOf(ms))
        expect(ms.filter((m) => m.partition === p).map((m) => m.offset)).toEqual(
          Array.from({ length: 10 }, (_, i) => i),
        );
    }
    const info = expectType(
      await r.request({ type: 'groupInfo', station: 'even', group: 'g' }),
      'group',
    );
    expect(info.info).toMatchObject({ members: 3, pending: 40, lag: 0, ordering: 'partition' });
  });

  it('[GROUP-4] a joining member gets a partition only after the old owner settled its messages in flight', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'join', config: { partitions: 2 } });
    await createGroup(r, 'join', 'g', { ordering: 'partition', start: { kind: 'earliest' } });
    await produce(r, 'join', toEach([0, 1], 3));
    const a = await client(b);
    await subscribe(a, 'join', 'g', 100);
    const first = await a.d.take(1, 6);
    expect(partitionsOf(first)).toEqual([0, 1]);
    const m = await client(b);
    await subscribe(m, 'join', 'g', 100);
    await produce(r, 'join', toEach([0, 1], 3));
    // a keeps one partition and gets its new messages; the other waits for a to settle.
    const kept = await a.d.take(1, 3);
    expect(kept.map((x) => x.offset)).toEqual([3, 4, 5]);
    const [keptPartition] = partitionsOf(kept);
    const moving = keptPartition === 0 ? 1 : 0;
    expect(partitionsOf(kept)).toEqual([keptPartition]);
    // Settling the kept partition's messages hands nothing over.
    await ack(
      a,
      first.filter((x) => x.partition === keptPartition),
    );
    const pong = await m.r.request({ type: 'ping' });
    expectType(pong, 'pong');
    expect(m.r.unsolicited).toEqual([]);
    // Settling all but one of the moving partition's messages hands nothing over either.
    const movingHeld = first.filter((x) => x.partition === moving);
    await ack(a, movingHeld.slice(0, 2));
    expectType(await m.r.request({ type: 'ping' }), 'pong');
    expect(m.r.unsolicited).toEqual([]);
    // The last one settled, the new owner gets the partition from where a left it.
    await ack(a, movingHeld.slice(2));
    const moved = await m.d.take(1, 3);
    expect(moved.map((x) => [x.partition, x.offset, x.deliveryCount])).toEqual([
      [moving, 3, 1],
      [moving, 4, 1],
      [moving, 5, 1],
    ]);
  });

  it('[GROUP-4] a leaving member hands its partitions and its unsettled messages to the others, in offset order', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'leave', config: { partitions: 2 } });
    await createGroup(r, 'leave', 'g', { ordering: 'partition' });
    const a = await client(b);
    const m = await client(b);
    await subscribe(a, 'leave', 'g', 100);
    await subscribe(m, 'leave', 'g', 100);
    await produce(r, 'leave', toEach([0, 1], 2));
    const ofA = await a.d.take(1, 2);
    const ofM = await m.d.take(1, 2);
    expect(partitionsOf(ofA)).toHaveLength(1);
    expect(partitionsOf(ofM)).toHaveLength(1);
    const [partitionA] = partitionsOf(ofA);
    await ack(a, ofA.slice(0, 1));
    expectType(await a.r.request({ type: 'unsubscribe', sid: 1 }), 'ok');
    await produce(r, 'leave', toEach([partitionA ?? 0], 1));
    // a's unsettled message first, redelivered, then the new one.
    const taken = await m.d.take(1, 2);
    expect(taken.map((x) => [x.partition, x.offset, x.deliveryCount])).toEqual([
      [partitionA, 1, 2],
      [partitionA, 2, 1],
    ]);
  });

  it('[GROUP-4] members joining and leaving while messages flow never hold one partition at once, and settle each partition in order', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'flow', config: { partitions: 4 } });
    await createGroup(r, 'flow', 'g', { ordering: 'partition', start: { kind: 'earliest' } });
    const members = new Members(b, 'flow', 'g', 7);
    const batch = (from: number) =>
      Array.from({ length: 100 }, (_, i) => ({
        key: `k${(from + i) % 8}`,
        payload: text(`${from + i}`),
      }));
    // At these counts of settled messages a member joins or leaves, or more are produced.
    const script = new Map<number, () => Promise<void>>([
      [0, () => members.join('a')],
      [10, () => members.join('b')],
      [30, () => produce(r, 'flow', batch(100))],
      [40, () => members.join('c')],
      [80, () => members.leave('a')],
      [120, () => members.join('d')],
      [150, () => produce(r, 'flow', batch(200))],
      [170, () => members.leave('c')],
      [220, () => members.join('a')],
      [250, () => members.leave('b')],
    ]);
    await produce(r, 'flow', batch(0));
    let turn = 0;
    while (members.settled.length < 300) {
      for (const [at, step] of script) {
        if (at > members.settled.length) break;
        script.delete(at);
        await step();
      }
      await members.until(() => members.holders().length > 0);
      const holders = members.holders();
      await members.settle(holders[turn++ % holders.length] ?? '');
    }
    expect(members.overlaps).toEqual([]);
    // Each message settled once, and per partition (so per key) in produce order.
    const order = (ms: DeliveredMessage[]) => ms.map((m) => Number(decode(m.payload)));
    expect(order(members.settled).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 300 }, (_, i) => i),
    );
    for (let k = 0; k < 8; k++) {
      const ofKey = order(members.settled.filter((m) => m.key === `k${k}`));
      expect(ofKey).toEqual([...ofKey].sort((x, y) => x - y));
    }
    for (let p = 0; p < 4; p++) {
      const offsets = members.settled.filter((m) => m.partition === p).map((m) => m.offset);
      expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
    }
  });

  it('[GROUP-4] [GROUP-1] ordering is kept across a restart, reported by groupInfo, and part of the settings GROUP_EXISTS compares', async () => {
    const first = await fixture.broker();
    let c = await client(first);
    await c.r.request({ type: 'stationCreate', name: 'kept', config: { partitions: 2 } });
    // Set by the subscribe that creates the group, or by groupCreate.
    expectType(
      await c.r.request({
        type: 'subscribe',
        sid: 1,
        station: 'kept',
        group: 'by-subscribe',
        options: { ordering: 'partition' },
      }),
      'subscribed',
    );
    const created = expectType(
      await createGroup(c.r, 'kept', 'by-create', { ordering: 'partition' }),
      'group',
    );
    expect(created.info.ordering).toBe('partition');
    const plain = expectType(await createGroup(c.r, 'kept', 'plain', {}), 'group');
    expect(plain.info.ordering).toBe('none');
    // The same ordering, or none given, answers the group; another is GROUP_EXISTS.
    expectType(await createGroup(c.r, 'kept', 'by-create', { ordering: 'partition' }), 'group');
    expectType(await createGroup(c.r, 'kept', 'by-create', { maxDeliveries: 5 }), 'group');
    expect(
      expectError(await createGroup(c.r, 'kept', 'by-create', { ordering: 'none' })).code,
    ).toBe('GROUP_EXISTS');
    expect(
      expectError(await createGroup(c.r, 'kept', 'plain', { ordering: 'partition' })).code,
    ).toBe('GROUP_EXISTS');
    expectType(await createGroup(c.r, 'kept', 'plain', { ordering: 'none' }), 'group');
    c.raw.close();
    await fixture.stop(first);
    const second = await fixture.broker({ dataDir: first.dataDir });
    c = await client(second);
    const list = expectType(await c.r.request({ type: 'groupList', station: 'kept' }), 'groups');
    expect(list.groups.map((g) => [g.name, g.ordering])).toEqual([
      ['by-create', 'partition'],
      ['by-subscribe', 'partition'],
      ['plain', 'none'],
    ]);
    expect(
      expectError(await createGroup(c.r, 'kept', 'by-subscribe', { ordering: 'none' })).code,
    ).toBe('GROUP_EXISTS');
    // And it still rules deliveries: two members, one partition each.
    const m = await client(second);
    await subscribe(c, 'kept', 'by-subscribe', 100);
    await subscribe(m, 'kept', 'by-subscribe', 100);
    await produce(c.r, 'kept', toEach([0, 1], 2));
    const ofC = await c.d.take(1, 2);
    const ofM = await m.d.take(1, 2);
    expect([...partitionsOf(ofC), ...partitionsOf(ofM)].sort()).toEqual([0, 1]);
  });
});
