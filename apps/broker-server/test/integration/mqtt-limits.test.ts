/**
 * MQTT limits against a real broker: what a v5 CONNACK advertises, packet size, subscriptions,
 * connections and retained messages, and the flow control of QoS 1 both ways (the client's
 * Receive Maximum and mqtt.maxInflight outbound, mqtt.receiveMaximum inbound).
 */
import {
  generate,
  type IPubackPacket,
  type IPublishPacket,
  type ISubackPacket,
  type Packet,
} from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { type Inbox, inboxOf } from '../support/mqtt-client.js';
import { type MqttBroker, useMqtt } from '../support/mqtt-fixture.js';
import { createStation, stationMessages } from '../support/mqtt-http.js';
import type { ProtocolVersion, RawMqtt } from '../support/mqtt-raw.js';
import { waitFor } from '../support/mqtt-wait.js';

const m = useMqtt();

const publishPacket = (
  topic: string,
  payload: Buffer | string,
  messageId: number,
  extra: Partial<IPublishPacket> = {},
): IPublishPacket => ({
  cmd: 'publish',
  topic,
  payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
  qos: 1,
  messageId,
  dup: false,
  retain: false,
  ...extra,
});

describe('what a v5 CONNACK advertises', () => {
  it('the defaults: Maximum Packet Size 1114112, Receive Maximum 1024, Topic Alias Maximum 16, no Maximum QoS (QoS 2 is taken)', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, 5);
    const connack = await raw.handshake({ clientId: 'defaults' });
    expect(connack.properties).toMatchObject({
      maximumPacketSize: 1114112,
      receiveMaximum: 1024,
      topicAliasMaximum: 16,
    });
    expect(connack.properties?.maximumQoS).toBeUndefined();
  });

  it('the configured mqtt.maxPacketBytes, mqtt.receiveMaximum and mqtt.topicAliasMaximum', async () => {
    const b = await m.broker({
      config: { mqtt: { maxPacketBytes: 4096, receiveMaximum: 8, topicAliasMaximum: 4 } },
    });
    const raw = await m.raw(b, 5);
    const connack = await raw.handshake({ clientId: 'configured' });
    expect(connack.properties).toMatchObject({
      maximumPacketSize: 4096,
      receiveMaximum: 8,
      topicAliasMaximum: 4,
    });
    // Retained messages, wildcards and shared subscriptions are available: not said otherwise.
    for (const flag of [
      'retainAvailable',
      'wildcardSubscriptionAvailable',
      'sharedSubscriptionAvailable',
    ] as const)
      expect(connack.properties?.[flag]).not.toBe(false);
  });
});

/** A QoS 1 PUBLISH on `topic` of exactly `size` bytes on the wire. */
function publishOfSize(version: ProtocolVersion, topic: string, size: number, messageId: number) {
  const base = generate(publishPacket(topic, '', messageId), { protocolVersion: version }).length;
  // The remaining length takes 2 bytes from 128 up: one more byte of header.
  let payload = size - base;
  const total = (n: number) =>
    generate(publishPacket(topic, Buffer.alloc(n, 0x61), messageId), { protocolVersion: version })
      .length;
  while (total(payload) > size) payload--;
  expect(total(payload)).toBe(size);
  return publishPacket(topic, Buffer.alloc(payload, 0x61), messageId);
}

describe.each([4, 5] as const)('mqtt.maxPacketBytes, protocol level %i', (version) => {
  it('a packet of exactly mqtt.maxPacketBytes is taken; one byte more closes the connection (v5: DISCONNECT 0x95) and is not stored', async () => {
    const b = await m.broker({ config: { mqtt: { maxPacketBytes: 1024 } } });
    const other = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(other);
    await other.subscribeAsync('big/#', { qos: 1 });
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: `big-${version}` });
    raw.send(publishOfSize(version, 'big/fits', 1024, 1));
    const ack = await raw.nextOf<IPubackPacket>('puback');
    expect([ack.messageId, ack.reasonCode ?? 0]).toEqual([1, 0]);
    raw.send(publishOfSize(version, 'big/over', 1025, 2));
    await raw.waitClosed();
    if (version === 5) expect(raw.disconnect?.reasonCode).toBe(0x95);
    expect(raw.received.filter((p) => p.cmd === 'puback')).toHaveLength(1);
    const stored = await stationMessages(b, 'big');
    expect(stored.map((s) => s.headers?.['mqtt-topic'])).toEqual(['big/fits']);
    // Another client is unaffected.
    await other.publishAsync('big/small', 'fine', { qos: 1 });
    await inbox.text('fine');
  });
});

describe('MQTT 5 Maximum Packet Size of the client', () => {
  it('[MQTT-3.1.2-25] a message larger than the client’s Maximum Packet Size is not sent to it; later ones are', async () => {
    const b = await m.broker();
    await createStation(b, 'sized');
    const small = await m.client(b, {
      protocolVersion: 5,
      properties: { maximumPacketSize: 256 },
    });
    const inbox = inboxOf(small);
    await small.subscribeAsync('sized/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: 5 });
    await pub.publishAsync('sized/a', Buffer.alloc(1000, 0x62), { qos: 1 });
    await pub.publishAsync('sized/a', 'small one', { qos: 1 });
    await inbox.text('small one');
    expect(inbox.texts()).toEqual(['small one']);
    expect(small.connected).toBe(true);
  });
});

describe.each([4, 5] as const)('mqtt.maxSubscriptions, protocol level %i', (version) => {
  it('filters past mqtt.maxSubscriptions are refused in SUBACK (v3.1.1 0x80, v5 0x97)', async () => {
    const b = await m.broker({ config: { mqtt: { maxSubscriptions: 2 } } });
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: `subs-${version}` });
    raw.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: ['cap/a', 'cap/b', 'cap/c'].map((topic) => ({ topic, qos: 1 as const })),
    });
    const suback = await raw.nextOf<ISubackPacket>('suback');
    expect(suback.granted).toEqual([1, 1, version === 5 ? 0x97 : 0x80]);
    // Subscribing again to a filter it holds is no new subscription.
    raw.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'cap/a', qos: 1 }] });
    expect((await raw.nextOf<ISubackPacket>('suback')).granted).toEqual([1]);
  });
});

/**
 * A subscriber that holds its PUBACKs: checks that no more than `window` QoS 1 deliveries are
 * ever unacknowledged, acknowledging one at a time, until `total` have come.
 */
async function holdAcks(raw: RawMqtt, window: number, total: number, control: Inbox) {
  const outstanding = () => raw.peek('publish').length;
  const delivered: string[] = [];
  await waitFor(() => outstanding() >= Math.min(window, total), 15_000, 'the first deliveries');
  // Everything has reached another subscriber, and a ping has made a round trip: the broker has
  // had every chance to send more than the window.
  await control.take(total, 15_000);
  raw.send({ cmd: 'pingreq' });
  await raw.nextOf('pingresp');
  expect(outstanding()).toBe(Math.min(window, total));
  while (delivered.length < total) {
    expect(outstanding()).toBeLessThanOrEqual(window);
    const p = await raw.nextOf<IPublishPacket>('publish', 15_000);
    expect(p.qos).toBe(1);
    delivered.push(p.payload.toString());
    raw.send({ cmd: 'puback', messageId: p.messageId as number });
    if (delivered.length < total) {
      await waitFor(
        () => outstanding() >= Math.min(window, total - delivered.length),
        15_000,
        'the next delivery',
      );
    }
  }
  return delivered;
}

async function flowSetup(b: MqttBroker, version: ProtocolVersion, connectExtra: object) {
  await createStation(b, 'flow');
  const control = await m.client(b, { protocolVersion: 5 });
  const controlInbox = inboxOf(control);
  await control.subscribeAsync('flow/#', { qos: 1 });
  const raw = await m.raw(b, version);
  await raw.handshake({ clientId: `held-${version}`, ...connectExtra });
  raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flow/#', qos: 1 }] });
  await raw.nextOf('suback');
  const pub = await m.client(b, { protocolVersion: 5 });
  const sent = Array.from({ length: 10 }, (_, i) => `m${i}`);
  for (const text of sent) await pub.publishAsync('flow/x', text, { qos: 1 });
  return { raw, controlInbox, sent };
}

describe('QoS 1 flow control towards a client', () => {
  it('[MQTT-3.3.4-9] a client with Receive Maximum 2 never has more than 2 unacknowledged QoS 1 deliveries', async () => {
    const b = await m.broker();
    const { raw, controlInbox, sent } = await flowSetup(b, 5, {
      properties: { receiveMaximum: 2 },
    });
    expect(await holdAcks(raw, 2, sent.length, controlInbox)).toEqual(sent);
  });

  it('mqtt.maxInflight caps the unacknowledged QoS 1 deliveries to a v3.1.1 client', async () => {
    const b = await m.broker({ config: { mqtt: { maxInflight: 3 } } });
    const { raw, controlInbox, sent } = await flowSetup(b, 4, {});
    expect(await holdAcks(raw, 3, sent.length, controlInbox)).toEqual(sent);
  });
});

describe('QoS 1 flow control and other subscribers', () => {
  it('a subscriber holding its PUBACKs does not hold back another subscriber', async () => {
    const b = await m.broker();
    await createStation(b, 'busy');
    const stuck = await m.raw(b, 5);
    await stuck.handshake({ clientId: 'stuck', properties: { receiveMaximum: 1 } });
    stuck.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'busy/#', qos: 1 }] });
    await stuck.nextOf('suback');
    const free = await m.client(b, { protocolVersion: 5 });
    await free.subscribeAsync('busy/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: 5 });
    const sent = Array.from({ length: 50 }, (_, i) => `b${i}`);
    for (const text of sent) await pub.publishAsync('busy/x', text, { qos: 1 });
    await inboxOf(free).take(sent.length);
    expect(inboxOf(free).texts()).toEqual(sent);
    await waitFor(() => stuck.peek('publish').length >= 1, 10_000, 'the stuck one’s first');
    expect(stuck.peek('publish')).toHaveLength(1);
  });

  it('a backlog of a persistent session reaches a client with Receive Maximum 5 in full and in order', async () => {
    const b = await m.broker();
    const session = {
      protocolVersion: 5 as const,
      clientId: 'backlog',
      clean: false,
      resubscribe: false,
      properties: { sessionExpiryInterval: 300, receiveMaximum: 5 },
    };
    const first = await m.client(b, session);
    await first.subscribeAsync('backlog/#', { qos: 1 });
    await first.endAsync();
    const pub = await m.client(b, { protocolVersion: 5 });
    const sent = Array.from({ length: 200 }, (_, i) => `q${i}`);
    await Promise.all(sent.map((text) => pub.publishAsync('backlog/x', text, { qos: 1 })));
    const again = await m.client(b, session);
    await inboxOf(again).take(sent.length, 30_000);
    expect(inboxOf(again).texts()).toEqual(sent);
  });
});

describe('QoS 1 flow control from a client', () => {
  it('a v3.1.1 client sending far more QoS 1 publishes than mqtt.receiveMaximum at once gets every PUBACK, and all are stored', async () => {
    const b = await m.broker({ config: { mqtt: { receiveMaximum: 4 } } });
    await createStation(b, 'burst');
    const raw = await m.raw(b, 4);
    await raw.handshake({ clientId: 'burst' });
    const n = 300;
    const bytes = Buffer.concat(
      Array.from({ length: n }, (_, i) =>
        generate(publishPacket('burst/a', `b${i}`, i + 1), { protocolVersion: 4 }),
      ),
    );
    raw.write(bytes);
    await waitFor(() => raw.peek('puback').length >= n, 20_000, 'every PUBACK');
    const acked = raw.peek('puback').map((p) => (p as IPubackPacket).messageId);
    expect(acked).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const stored = await stationMessages(b, 'burst');
    expect(stored.map((s) => s.text)).toEqual(Array.from({ length: n }, (_, i) => `b${i}`));
    expect(raw.closed).toBe(false);
  });

  it('over mqtt.maxPendingBytes and mqtt.maxPendingBytesTotal, connections are read more slowly, not dropped: every publish is acknowledged and stored', async () => {
    const b = await m.broker({
      config: { mqtt: { maxPendingBytes: 4096, maxPendingBytesTotal: 8192 } },
    });
    await createStation(b, 'pending', 2);
    const n = 100;
    const clients = await Promise.all([1, 2, 3].map(() => m.raw(b, 4)));
    await Promise.all(clients.map((raw, c) => raw.handshake({ clientId: `pending-${c}` })));
    for (const [c, raw] of clients.entries()) {
      raw.write(
        Buffer.concat(
          Array.from({ length: n }, (_, i) =>
            generate(publishPacket(`pending/${c}`, Buffer.alloc(1024, 0x61 + c), i + 1), {
              protocolVersion: 4,
            }),
          ),
        ),
      );
    }
    for (const raw of clients)
      await waitFor(() => raw.peek('puback').length >= n, 30_000, 'every PUBACK');
    expect(clients.every((raw) => !raw.closed)).toBe(true);
    expect(await stationMessages(b, 'pending')).toHaveLength(3 * n);
  });

  it('a v5 client honouring Receive Maximum 4 publishes 100 QoS 1 messages at once, all acknowledged', async () => {
    const b = await m.broker({ config: { mqtt: { receiveMaximum: 4 } } });
    const c = await m.client(b, { protocolVersion: 5 });
    const sent = Array.from({ length: 100 }, (_, i) => `v${i}`);
    await Promise.all(sent.map((text) => c.publishAsync('burst5/a', text, { qos: 1 })));
    const stored = await stationMessages(b, 'burst5');
    expect(stored.map((s) => s.text).sort()).toEqual([...sent].sort());
  });
});

describe('mqtt.maxConnections', () => {
  it('a connection past mqtt.maxConnections is refused; the others keep working, and a freed place is taken again', async () => {
    const b = await m.broker({ config: { mqtt: { maxConnections: 2 } } });
    const first = await m.client(b, { protocolVersion: 5, clientId: 'first' });
    const second = await m.client(b, { protocolVersion: 5, clientId: 'second' });
    const inbox = inboxOf(second);
    await second.subscribeAsync('conn/#', { qos: 1 });
    const third = await m.raw(b, 5);
    third.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clean: true,
      keepalive: 60,
      clientId: 'third',
    } as Packet);
    await third.waitClosed();
    const connack = third.received.find((p) => p.cmd === 'connack');
    if (connack !== undefined)
      expect((connack as { reasonCode?: number }).reasonCode).toBeGreaterThanOrEqual(0x80);
    await first.publishAsync('conn/a', 'still here', { qos: 1 });
    await inbox.text('still here');
    await first.endAsync();
    const fourth = await waitFor(
      () => m.client(b, { protocolVersion: 5, clientId: 'fourth' }).catch(() => undefined),
      10_000,
      'a place to connect',
    );
    expect(fourth.connected).toBe(true);
  });
});

describe('mqtt.maxConnections over both transports', () => {
  it('WebSocket and TCP connections count together against mqtt.maxConnections', async () => {
    const b = await m.broker({ config: { mqtt: { maxConnections: 2 } } });
    await m.client(b, { protocolVersion: 5, clientId: 'over-tcp' });
    await m.client(b, { protocolVersion: 5, clientId: 'over-ws', transport: 'ws' });
    const refused = await m
      .client(b, { protocolVersion: 5, clientId: 'one-more', connectTimeout: 5000 })
      .then(
        () => 'connected',
        () => 'refused',
      );
    expect(refused).toBe('refused');
  });
});

describe('mqtt.maxRetained', () => {
  it('a retained publish on a new topic past mqtt.maxRetained is answered PUBACK 0x97 (v5); replacing a kept one works', async () => {
    const b = await m.broker({ config: { mqtt: { maxRetained: 1 } } });
    const raw = await m.raw(b, 5);
    await raw.handshake({ clientId: 'retainer' });
    raw.send(publishPacket('kept/a', 'one', 1, { retain: true }));
    expect((await raw.nextOf<IPubackPacket>('puback')).reasonCode ?? 0).toBe(0);
    raw.send(publishPacket('kept/b', 'two', 2, { retain: true }));
    const refused = await raw.nextOf<IPubackPacket>('puback');
    expect([refused.messageId, refused.reasonCode]).toEqual([2, 0x97]);
    raw.send(publishPacket('kept/a', 'one again', 3, { retain: true }));
    expect((await raw.nextOf<IPubackPacket>('puback')).reasonCode ?? 0).toBe(0);
    const sub = await m.client(b, { protocolVersion: 5 });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('kept/#', { qos: 1 });
    const [got] = await inbox.take(1);
    expect([got?.topic, got?.text, got?.packet.retain]).toEqual(['kept/a', 'one again', true]);
  });
});

describe('mqtt.maxRetainedBytes', () => {
  it('a retained publish that would pass mqtt.maxRetainedBytes is answered PUBACK 0x97 (v5)', async () => {
    const b = await m.broker({ config: { mqtt: { maxRetainedBytes: 16 } } });
    const raw = await m.raw(b, 5);
    await raw.handshake({ clientId: 'retained-bytes' });
    raw.send(publishPacket('bytes/a', '0123456789', 1, { retain: true }));
    expect((await raw.nextOf<IPubackPacket>('puback')).reasonCode ?? 0).toBe(0);
    raw.send(publishPacket('bytes/b', '0123456789', 2, { retain: true }));
    const refused = await raw.nextOf<IPubackPacket>('puback');
    expect([refused.messageId, refused.reasonCode]).toEqual([2, 0x97]);
  });
});
