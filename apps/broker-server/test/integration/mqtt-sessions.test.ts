/**
 * MQTT sessions against a real broker: clean and persistent sessions and the groups they read
 * through, messages kept for an offline client, expiry, a broker restart, QoS 2 state kept
 * across a reconnect, and client id takeover.
 */
import type { IPublishPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { connackOf, inboxOf, waitClosed } from '../support/mqtt-client.js';
import { useMqtt } from '../support/mqtt-fixture.js';
import { createStation, groupNames, stationMessages } from '../support/mqtt-http.js';
import { waitFor } from '../support/mqtt-wait.js';

const m = useMqtt();

/** v3.1.1 cleanSession=false, or v5 cleanStart=false with a session expiry. */
const persistent = (version: 4 | 5, clientId: string, expiry = 300) =>
  version === 5
    ? {
        protocolVersion: 5 as const,
        clientId,
        clean: false,
        resubscribe: false,
        properties: { sessionExpiryInterval: expiry },
      }
    : { protocolVersion: 4 as const, clientId, clean: false, resubscribe: false };

describe.each([4, 5] as const)('MQTT sessions, protocol level %i', (version) => {
  it('[MQTT-3.1.2-6] a clean session ends at disconnect: a later persistent connect finds no session and nothing kept', async () => {
    const b = await m.broker();
    await createStation(b, 'clean');
    const id = `clean-${version}`;
    const first = await m.client(b, { protocolVersion: version, clientId: id, clean: true });
    await first.subscribeAsync('clean/a', { qos: 1 });
    await first.endAsync();
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('clean/a', 'while away', { qos: 1 });
    const again = await m.client(b, persistent(version, id));
    expect(connackOf(again).sessionPresent).toBe(false);
    await again.subscribeAsync('clean/b', { qos: 1 });
    await pub.publishAsync('clean/b', 'marker', { qos: 1 });
    await inboxOf(again).text('marker');
    expect(inboxOf(again).texts()).toEqual(['marker']);
  });

  it('[MQTT-3.2.2-2] a persistent session keeps its subscriptions and the QoS 1 messages published while offline, delivered on reconnect with sessionPresent', async () => {
    const b = await m.broker();
    const id = `keeper-${version}`;
    const first = await m.client(b, persistent(version, id));
    expect(connackOf(first).sessionPresent).toBe(false);
    await first.subscribeAsync('inbox/#', { qos: 1 });
    await first.endAsync();
    const pub = await m.client(b, { protocolVersion: version });
    for (const text of ['one', 'two', 'three']) await pub.publishAsync('inbox/x', text, { qos: 1 });
    const again = await m.client(b, persistent(version, id));
    expect(connackOf(again).sessionPresent).toBe(true);
    const inbox = inboxOf(again);
    await inbox.take(3);
    expect(inbox.texts()).toEqual(['one', 'two', 'three']);
    expect(inbox.messages.every((r) => r.topic === 'inbox/x' && r.packet.qos === 1)).toBe(true);
  });

  it('[MQTT-4.4.0-1] a QoS 1 message delivered but not acknowledged before the client went away is sent again on reconnect', async () => {
    const b = await m.broker();
    const id = `unacked-${version}`;
    const raw = await m.raw(b, version);
    const props = version === 5 ? { properties: { sessionExpiryInterval: 300 } } : {};
    await raw.handshake({ clientId: id, clean: false, ...props });
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'redo/a', qos: 1 }] });
    await raw.nextOf('suback');
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('redo/a', 'hold me', { qos: 1 });
    const first = await raw.nextOf<IPublishPacket>('publish');
    expect(first.payload.toString()).toBe('hold me');
    raw.destroy();
    const again = await m.raw(b, version);
    const connack = await again.handshake({ clientId: id, clean: false, ...props });
    expect(connack.sessionPresent).toBe(true);
    const redelivered = await again.nextOf<IPublishPacket>('publish');
    expect(redelivered.payload.toString()).toBe('hold me');
    expect(redelivered.qos).toBe(1);
    // [MQTT-3.3.1-1] A PUBLISH sent again carries DUP.
    expect(redelivered.dup).toBe(true);
    again.send({ cmd: 'puback', messageId: redelivered.messageId as number });
  });

  it('a persistent session survives a broker restart: sessionPresent, the offline messages, and new ones', async () => {
    let b = await m.broker();
    const id = `restart-${version}`;
    const first = await m.client(b, persistent(version, id));
    await first.subscribeAsync('durable/#', { qos: 1 });
    await first.endAsync();
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('durable/a', 'before restart', { qos: 1 });
    await pub.endAsync();
    b = await m.restart(b);
    const again = await m.client(b, persistent(version, id));
    expect(connackOf(again).sessionPresent).toBe(true);
    const inbox = inboxOf(again);
    await inbox.text('before restart');
    const pub2 = await m.client(b, { protocolVersion: version });
    await pub2.publishAsync('durable/b', 'after restart', { qos: 1 });
    await inbox.text('after restart');
    expect(inbox.texts()).toEqual(['before restart', 'after restart']);
  });

  it('[MQTT-3.1.2-23] a session not resumed within its expiry is gone: no session present, nothing of it delivered', async () => {
    // v3.1.1 sessions last mqtt.maxSessionExpirySeconds; v5 ones what the client asks.
    const b = await m.broker(
      version === 4 ? { config: { mqtt: { maxSessionExpirySeconds: 1 } } } : {},
    );
    await createStation(b, 'brief');
    const id = `brief-${version}`;
    const first = await m.client(b, persistent(version, id, 1));
    await first.subscribeAsync('brief/a', { qos: 1 });
    await first.endAsync();
    const expiresAt = Date.now() + 1000;
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('brief/a', 'expires with the session', { qos: 1 });
    // The precondition: the session's second has passed.
    await waitFor(() => Date.now() > expiresAt + 500, 5000, 'the session expiry to pass');
    const again = await m.client(b, persistent(version, id, 300));
    expect(connackOf(again).sessionPresent).toBe(false);
    // Its group went with it.
    await waitFor(
      async () => !(await groupNames(b, 'brief')).includes(`mqtt-${id}`),
      10_000,
      'the expired session’s group to go',
    );
    // A filter over the old one: a group left of the old session would deliver its backlog first.
    await again.subscribeAsync('brief/#', { qos: 1 });
    await pub.publishAsync('brief/b', 'marker', { qos: 1 });
    await inboxOf(again).text('marker');
    expect(inboxOf(again).texts()).toEqual(['marker']);
  });

  it('a clean session reads through a temporary group, deleted at disconnect', async () => {
    const b = await m.broker();
    await createStation(b, 'temporary');
    const c = await m.client(b, { protocolVersion: version, clientId: `temp-${version}` });
    await c.subscribeAsync('temporary/#', { qos: 1 });
    expect(await groupNames(b, 'temporary')).toHaveLength(1);
    await c.endAsync();
    await waitFor(async () => (await groupNames(b, 'temporary')).length === 0, 10_000, 'no group');
  });

  it('a persistent session reads through the group mqtt-<clientid>, kept while the client is away', async () => {
    const b = await m.broker();
    await createStation(b, 'named');
    const id = `device-${version}`;
    const c = await m.client(b, persistent(version, id));
    await c.subscribeAsync('named/#', { qos: 1 });
    expect(await groupNames(b, 'named')).toEqual([`mqtt-${id}`]);
    await c.endAsync();
    expect(await groupNames(b, 'named')).toEqual([`mqtt-${id}`]);
  });

  it('a client id with characters outside group names still gets its persistent session', async () => {
    const b = await m.broker();
    const id = `Sensor #7/ü ${version}`;
    const first = await m.client(b, persistent(version, id));
    await first.subscribeAsync('odd/#', { qos: 1 });
    await first.endAsync();
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('odd/a', 'kept for an odd id', { qos: 1 });
    const again = await m.client(b, persistent(version, id));
    expect(connackOf(again).sessionPresent).toBe(true);
    await inboxOf(again).text('kept for an odd id');
    expect((await groupNames(b, 'odd')).every((g) => g.startsWith('mqtt-'))).toBe(true);
  });

  it('[MQTT-4.3.3-2] a QoS 2 PUBLISH resent with DUP after a reconnect of its persistent session, before PUBREL, is not stored again', async () => {
    const b = await m.broker();
    const id = `q2-resume-${version}`;
    const props = version === 5 ? { properties: { sessionExpiryInterval: 300 } } : {};
    const publish = (dup: boolean) => ({
      cmd: 'publish' as const,
      topic: 'exactly/once',
      payload: Buffer.from('one copy'),
      qos: 2 as const,
      messageId: 9,
      dup,
      retain: false,
    });
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: id, clean: false, ...props });
    raw.send(publish(false));
    expect((await raw.nextOf('pubrec')).messageId).toBe(9);
    raw.destroy();
    const again = await m.raw(b, version);
    expect((await again.handshake({ clientId: id, clean: false, ...props })).sessionPresent).toBe(
      true,
    );
    again.send(publish(true));
    expect((await again.nextOf('pubrec')).messageId).toBe(9);
    again.send({ cmd: 'pubrel', messageId: 9 });
    expect((await again.nextOf('pubcomp')).messageId).toBe(9);
    expect((await stationMessages(b, 'exactly')).map((s) => s.text)).toEqual(['one copy']);
  });

  it('[MQTT-4.4.0-1] a QoS 1 message delivered but not acknowledged before a broker restart is sent again after it', async () => {
    let b = await m.broker();
    const id = `restart-unacked-${version}`;
    const props = version === 5 ? { properties: { sessionExpiryInterval: 300 } } : {};
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: id, clean: false, ...props });
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'inflight/a', qos: 1 }] });
    await raw.nextOf('suback');
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('inflight/a', 'not acked yet', { qos: 1 });
    expect((await raw.nextOf<IPublishPacket>('publish')).payload.toString()).toBe('not acked yet');
    b = await m.restart(b);
    const again = await m.raw(b, version);
    expect((await again.handshake({ clientId: id, clean: false, ...props })).sessionPresent).toBe(
      true,
    );
    const redelivered = await again.nextOf<IPublishPacket>('publish', 20_000);
    expect([redelivered.payload.toString(), redelivered.qos, redelivered.dup]).toEqual([
      'not acked yet',
      1,
      true,
    ]);
  });

  it('a persistent subscription over a filter that mapping rules split keeps the messages of every station it reads', async () => {
    const rules = [{ topic: 'factory/+/temp', station: 'temperatures' }];
    const b = await m.broker({ config: { mqtt: { stations: rules } } });
    const id = `mapped-${version}`;
    const first = await m.client(b, persistent(version, id));
    await first.subscribeAsync('factory/#', { qos: 1 });
    await first.endAsync();
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('factory/l1/temp', '21', { qos: 1 });
    await pub.publishAsync('factory/l1/humidity', '40', { qos: 1 });
    const again = await m.client(b, persistent(version, id));
    expect(connackOf(again).sessionPresent).toBe(true);
    await inboxOf(again).take(2);
    expect(
      inboxOf(again)
        .messages.map((r) => r.topic)
        .sort(),
    ).toEqual(['factory/l1/humidity', 'factory/l1/temp']);
  });

  it('[MQTT-3.1.4-2] a takeover by a persistent CONNECT resumes the session in the new connection', async () => {
    const b = await m.broker();
    const id = `handover-${version}`;
    const first = await m.client(b, persistent(version, id));
    await first.subscribeAsync('handover/#', { qos: 1 });
    const second = await m.client(b, persistent(version, id));
    await waitClosed(first);
    expect(connackOf(second).sessionPresent).toBe(true);
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('handover/a', 'to the new connection', { qos: 1 });
    await inboxOf(second).text('to the new connection');
  });

  it('an UNSUBSCRIBE in a persistent session holds after a reconnect', async () => {
    const b = await m.broker();
    await createStation(b, 'dropped');
    const id = `unsub-kept-${version}`;
    const first = await m.client(b, persistent(version, id));
    await first.subscribeAsync(['dropped/a', 'dropped/b'], { qos: 1 });
    await first.unsubscribeAsync('dropped/a');
    await first.endAsync();
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('dropped/a', 'unsubscribed', { qos: 1 });
    await pub.publishAsync('dropped/b', 'marker', { qos: 1 });
    const again = await m.client(b, persistent(version, id));
    await inboxOf(again).text('marker');
    expect(inboxOf(again).texts()).toEqual(['marker']);
  });

  it('[MQTT-3.1.4-2] a second CONNECT with the same client id closes the first connection (v5: DISCONNECT 0x8E)', async () => {
    const b = await m.broker();
    const id = `twin-${version}`;
    const first = await m.client(b, { protocolVersion: version, clientId: id });
    const second = await m.client(b, { protocolVersion: version, clientId: id });
    const seen = await waitClosed(first);
    if (version === 5) expect(seen.disconnect?.reasonCode).toBe(0x8e);
    const inbox = inboxOf(second);
    await second.subscribeAsync('twin/a', { qos: 1 });
    await second.publishAsync('twin/a', 'still here', { qos: 1 });
    await inbox.text('still here');
    expect(second.connected).toBe(true);
  });
});

describe('MQTT 5 sessions', () => {
  it('[MQTT-3.1.2-4] cleanStart=true discards the session a client had', async () => {
    const b = await m.broker();
    await createStation(b, 'restart');
    const id = 'fresh-start';
    const first = await m.client(b, persistent(5, id));
    await first.subscribeAsync('restart/a', { qos: 1 });
    await first.endAsync();
    const pub = await m.client(b, { protocolVersion: 5 });
    await pub.publishAsync('restart/a', 'old session', { qos: 1 });
    const again = await m.client(b, {
      protocolVersion: 5,
      clientId: id,
      clean: true,
      properties: { sessionExpiryInterval: 300 },
    });
    expect(connackOf(again).sessionPresent).toBe(false);
    const inbox = inboxOf(again);
    await again.subscribeAsync('restart/b', { qos: 1 });
    await pub.publishAsync('restart/b', 'marker', { qos: 1 });
    await inbox.text('marker');
    expect(inbox.texts()).toEqual(['marker']);
  });
});
