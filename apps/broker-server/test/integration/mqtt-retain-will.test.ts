/**
 * Retained messages and last wills against a real broker.
 *
 * That something does not arrive is shown by order: a message that must arrive is published
 * after it, on a station of one partition, or on the very topic it would have come on.
 */
import { describe, expect, it } from 'vitest';
import { inboxOf } from '../support/mqtt-client.js';
import { useMqtt } from '../support/mqtt-fixture.js';
import { createStation, stationMessages } from '../support/mqtt-http.js';

const m = useMqtt();

describe.each([4, 5] as const)('retained messages, protocol level %i', (version) => {
  it('[MQTT-3.3.1-6] a new subscription gets the retained message of each matching topic, retain flag set', async () => {
    const b = await m.broker();
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('status/door', 'closed', { qos: 1, retain: true });
    await pub.publishAsync('status/window', 'open', { qos: 1, retain: true });
    await pub.publishAsync('status/light', 'not retained', { qos: 1 });
    const sub = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('status/#', { qos: 1 });
    await inbox.take(2);
    const got = inbox.messages.map((r) => [r.topic, r.text, r.packet.retain]);
    expect(got.sort()).toEqual([
      ['status/door', 'closed', true],
      ['status/window', 'open', true],
    ]);
  });

  it('[MQTT-3.3.1-5] a retained publish replaces the topic’s retained message', async () => {
    const b = await m.broker();
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('mode/heater', 'eco', { qos: 1, retain: true });
    await pub.publishAsync('mode/heater', 'boost', { qos: 1, retain: true });
    const sub = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('mode/heater', { qos: 1 });
    const [first] = await inbox.take(1);
    expect([first?.text, first?.packet.retain]).toEqual(['boost', true]);
    // Anything after it is live, published now.
    await pub.publishAsync('mode/heater', 'live', { qos: 1 });
    await inbox.text('live');
    expect(inbox.texts()).toEqual(['boost', 'live']);
  });

  it('[MQTT-3.3.1-10] a zero-byte retained publish clears the retained message', async () => {
    const b = await m.broker();
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('alarm/zone1', 'armed', { qos: 1, retain: true });
    await pub.publishAsync('alarm/zone1', '', { qos: 1, retain: true });
    await pub.publishAsync('alarm/zone2', 'kept', { qos: 1, retain: true });
    const sub = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync(['alarm/zone1', 'alarm/zone2'], { qos: 1 });
    await inbox.text('kept');
    await pub.publishAsync('alarm/zone1', 'live', { qos: 1 });
    await inbox.text('live');
    // On zone1 the first thing to come is the live message: nothing was retained there.
    expect(inbox.texts('alarm/zone1')).toEqual(['live']);
  });

  it('[MQTT-3.3.1-9] a retained publish reaching an established subscription is sent with retain 0', async () => {
    const b = await m.broker();
    const sub = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('live/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('live/a', 'fresh', { qos: 1, retain: true });
    const [got] = await inbox.take(1);
    expect([got?.text, got?.packet.retain]).toEqual(['fresh', false]);
  });

  it('retained messages and their clearing survive a broker restart', async () => {
    let b = await m.broker();
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('lasting/a', 'kept', { qos: 1, retain: true });
    await pub.publishAsync('lasting/b', 'dropped', { qos: 1, retain: true });
    await pub.publishAsync('lasting/b', '', { qos: 1, retain: true });
    await pub.publishAsync('lasting/c', 'marker', { qos: 1, retain: true });
    b = await m.restart(b);
    const sub = await m.client(b, { protocolVersion: version });
    await sub.subscribeAsync(['lasting/a', 'lasting/c'], { qos: 1 });
    const inbox = inboxOf(sub);
    await inbox.take(2);
    expect(inbox.messages.map((r) => [r.topic, r.text, r.packet.retain]).sort()).toEqual([
      ['lasting/a', 'kept', true],
      ['lasting/c', 'marker', true],
    ]);
    await sub.subscribeAsync('lasting/b', { qos: 1 });
    await pub.endAsync().catch(() => undefined);
    const pub2 = await m.client(b, { protocolVersion: version });
    await pub2.publishAsync('lasting/b', 'live', { qos: 1 });
    await inbox.text('live');
    expect(inbox.texts('lasting/b')).toEqual(['live']);
  });

  it('a retained publish is stored in its station like any other, with header mqtt-retain 1', async () => {
    const b = await m.broker();
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('config/site', 'v1', { qos: 1, retain: true });
    const [s] = await stationMessages(b, 'config');
    expect(s).toMatchObject({
      text: 'v1',
      headers: { 'mqtt-topic': 'config/site', 'mqtt-retain': '1' },
    });
  });
});

describe('MQTT 5 retained messages', () => {
  it('a retained message is replayed with its user properties ', async () => {
    const b = await m.broker();
    const pub = await m.client(b, { protocolVersion: 5 });
    await pub.publishAsync('tagged/a', 'with props', {
      qos: 1,
      retain: true,
      properties: { userProperties: { source: 'plc-3' } },
    });
    const sub = await m.client(b, { protocolVersion: 5 });
    await sub.subscribeAsync('tagged/a', { qos: 1 });
    const [got] = await inboxOf(sub).take(1);
    expect([got?.text, got?.packet.retain]).toEqual(['with props', true]);
    expect(got?.packet.properties?.userProperties).toMatchObject({ source: 'plc-3' });
  });
});

/** A client with a will on `topic`, and a watcher subscribed to the will's station. */
async function withWill(
  version: 4 | 5,
  station: string,
  willProperties?: { willDelayInterval?: number },
  connectProperties?: { sessionExpiryInterval?: number },
) {
  const b = await m.broker();
  await createStation(b, station);
  const watcher = await m.client(b, { protocolVersion: version });
  const inbox = inboxOf(watcher);
  await watcher.subscribeAsync(`${station}/#`, { qos: 1 });
  const willTopic = `${station}/will`;
  const client = await m.client(b, {
    protocolVersion: version,
    clientId: `${station}-client`,
    will: {
      topic: willTopic,
      payload: Buffer.from('gone'),
      qos: 1,
      retain: false,
      ...(willProperties === undefined ? {} : { properties: willProperties }),
    },
    ...(connectProperties === undefined ? {} : { clean: false, properties: connectProperties }),
  });
  const pub = await m.client(b, { protocolVersion: version });
  /** Publishes a marker after whatever should have come before it, and waits for it. */
  const marker = async (text: string) => {
    await pub.publishAsync(`${station}/marker`, text, { qos: 1 });
    await inbox.text(text);
  };
  return { b, client, inbox, marker, willTopic };
}

describe.each([4, 5] as const)('last will, protocol level %i', (version) => {
  it('[MQTT-3.1.2-8] the will is published when the connection closes without DISCONNECT', async () => {
    const { client, inbox, willTopic } = await withWill(version, 'wills');
    client.end(true);
    const will = await inbox.text('gone');
    expect(will.topic).toBe(willTopic);
  });

  it('[MQTT-3.1.2-10] the will is not published after a DISCONNECT', async () => {
    const { client, inbox, marker } = await withWill(version, 'polite');
    await client.endAsync();
    await marker('after the disconnect');
    expect(inbox.texts()).toEqual(['after the disconnect']);
  });

  it('[MQTT-3.1.2-24] a keep-alive timeout publishes the will', async () => {
    const b = await m.broker();
    const watcher = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(watcher);
    await watcher.subscribeAsync('sleepy/#', { qos: 1 });
    const raw = await m.raw(b, version);
    await raw.handshake({
      clientId: 'sleepy',
      keepalive: 1,
      will: { topic: 'sleepy/will', payload: Buffer.from('timed out'), qos: 1, retain: false },
    });
    await raw.waitClosed(15_000);
    expect((await inbox.text('timed out')).topic).toBe('sleepy/will');
  });

  it('a client id takeover publishes the will of the connection taken over', async () => {
    const { b, inbox } = await withWill(version, 'takeover');
    await m.client(b, { protocolVersion: version, clientId: 'takeover-client' });
    expect((await inbox.text('gone')).topic).toBe('takeover/will');
  });

  it('a protocol error publishes the will', async () => {
    const b = await m.broker();
    const watcher = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(watcher);
    await watcher.subscribeAsync('broken/#', { qos: 1 });
    const raw = await m.raw(b, version);
    await raw.handshake({
      clientId: 'broken',
      will: { topic: 'broken/will', payload: Buffer.from('protocol error'), qos: 1, retain: false },
    });
    // A PUBLISH with QoS 3.
    raw.write([0x36, 0x05, 0x00, 0x03, 0x61, 0x2f, 0x62]);
    await raw.waitClosed();
    expect((await inbox.text('protocol error')).topic).toBe('broken/will');
  });

  it('[MQTT-3.1.2-17] a will with retain set is retained', async () => {
    const b = await m.broker();
    const watcher = await m.client(b, { protocolVersion: version });
    const watched = inboxOf(watcher);
    await watcher.subscribeAsync('presence/#', { qos: 1 });
    const client = await m.client(b, {
      protocolVersion: version,
      will: { topic: 'presence/sensor7', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    client.end(true);
    await watched.text('offline');
    const sub = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('presence/sensor7', { qos: 1 });
    const [will] = await inbox.take(1);
    expect([will?.text, will?.packet.retain]).toEqual(['offline', true]);
  });
});

describe('MQTT 5 will', () => {
  it('a will’s user properties and content type travel with it, and are stored as headers', async () => {
    const b = await m.broker();
    const watcher = await m.client(b, { protocolVersion: 5 });
    await watcher.subscribeAsync('propwill/#', { qos: 1 });
    const client = await m.client(b, {
      protocolVersion: 5,
      will: {
        topic: 'propwill/gone',
        payload: Buffer.from('{"state":"offline"}'),
        qos: 1,
        retain: false,
        properties: { userProperties: { device: 'd7' }, contentType: 'application/json' },
      },
    });
    client.end(true);
    const will = await inboxOf(watcher).text('{"state":"offline"}');
    expect(will.packet.properties?.userProperties).toMatchObject({ device: 'd7' });
    expect(will.packet.properties?.contentType).toBe('application/json');
    const [stored] = await stationMessages(b, 'propwill');
    expect(stored?.headers).toMatchObject({
      'mqtt-topic': 'propwill/gone',
      device: 'd7',
      'content-type': 'application/json',
    });
  });

  it('DISCONNECT with reason 0x04 (Disconnect with Will Message) publishes the will', async () => {
    const { client, inbox } = await withWill(5, 'asked');
    await client.endAsync({ reasonCode: 0x04 });
    expect((await inbox.text('gone')).topic).toBe('asked/will');
  });

  it('[MQTT-3.1.3-9] a will with a delay is not published when the session is resumed within the delay', async () => {
    const { b, client, inbox, marker } = await withWill(
      5,
      'delayed',
      { willDelayInterval: 3600 },
      { sessionExpiryInterval: 3600 },
    );
    client.end(true);
    await marker('after the drop');
    await m.client(b, {
      protocolVersion: 5,
      clientId: 'delayed-client',
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    await marker('after the resume');
    expect(inbox.texts()).toEqual(['after the drop', 'after the resume']);
  });

  it('[MQTT-3.1.3-9] a will with a delay is published once the delay passes without a resume', async () => {
    const { client, inbox } = await withWill(
      5,
      'later',
      { willDelayInterval: 1 },
      { sessionExpiryInterval: 300 },
    );
    client.end(true);
    expect((await inbox.text('gone')).topic).toBe('later/will');
  });

  it('a will delay ends when the session does: with a session expiry of 0 the will is published at the close', async () => {
    const { client, inbox } = await withWill(
      5,
      'ending',
      { willDelayInterval: 3600 },
      { sessionExpiryInterval: 0 },
    );
    client.end(true);
    expect((await inbox.text('gone')).topic).toBe('ending/will');
  });
});
