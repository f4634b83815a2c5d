/**
 * A second, independent MQTT implementation against the broker: Mosquitto's mosquitto_pub and
 * mosquitto_sub, with both protocol versions, alone and mixed with MQTT.js and Ferry produces.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/password.js';
import { inboxOf } from '../support/mqtt-client.js';
import { useMqtt } from '../support/mqtt-fixture.js';
import { payloadOf, produceFerry, stationMessages } from '../support/mqtt-http.js';
import {
  hasMosquittoClients,
  type MosquittoVersion,
  mosquittoPub,
  mosquittoSub,
} from '../support/mqtt-mosquitto.js';

const m = useMqtt();

describe.skipIf(!hasMosquittoClients).each<MosquittoVersion>(['mqttv311', 'mqttv5'])(
  'mosquitto clients, %s',
  (version) => {
    const v5 = version === 'mqttv5';
    /** mosquitto_sub for this test, killed after it if still running. */
    const sub = (port: number, args: string[]) => {
      const s = mosquittoSub(port, version, args);
      m.trackChild(s.child);
      return s;
    };

    it('mosquitto_pub QoS 1 reaches mosquitto_sub QoS 1 and is stored with its topic', async () => {
      const b = await m.broker();
      const s = sub(b.mqttPort, ['-t', 'mosq/#', '-q', '1', '-C', '1', '-W', '20']);
      await s.subscribed();
      const pub = await mosquittoPub(b.mqttPort, version, [
        '-t',
        'mosq/a',
        '-m',
        'hello',
        '-q',
        '1',
      ]);
      expect(pub).toMatchObject({ code: 0 });
      expect(await s.exited).toBe(0);
      expect(s.lines).toMatchObject([{ topic: 'mosq/a', payload: 'hello', qos: 1, retain: 0 }]);
      const [stored] = await stationMessages(b, 'mosq');
      expect(stored).toMatchObject({
        text: 'hello',
        key: 'mosq/a',
        headers: { 'mqtt-topic': 'mosq/a', 'mqtt-qos': '1' },
      });
    });

    it('mosquitto_pub QoS 2 is stored once', async () => {
      const b = await m.broker();
      const pub = await mosquittoPub(b.mqttPort, version, [
        '-t',
        'twice/a',
        '-m',
        'once',
        '-q',
        '2',
      ]);
      expect(pub.code).toBe(0);
      expect((await stationMessages(b, 'twice')).map((s) => s.text)).toEqual(['once']);
    });

    it('a binary file published with mosquitto_pub -f arrives byte for byte', async () => {
      const b = await m.broker();
      const file = join(m.tempDir(), 'payload.bin');
      const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
      writeFileSync(file, bytes);
      const pub = await mosquittoPub(b.mqttPort, version, ['-t', 'files/a', '-f', file, '-q', '1']);
      expect(pub.code).toBe(0);
      const [stored] = await stationMessages(b, 'files');
      expect(stored && payloadOf(stored).equals(bytes)).toBe(true);
    });

    it('mosquitto_pub -r sets a retained message that a later mosquitto_sub gets with the retain flag; -r -n clears it', async () => {
      const b = await m.broker();
      expect(
        (await mosquittoPub(b.mqttPort, version, ['-t', 'keep/a', '-m', 'kept', '-q', '1', '-r']))
          .code,
      ).toBe(0);
      const first = sub(b.mqttPort, ['-t', 'keep/a', '-q', '1', '-C', '1', '-W', '20']);
      expect(await first.exited).toBe(0);
      expect(first.lines).toMatchObject([{ topic: 'keep/a', payload: 'kept', retain: 1 }]);
      expect(
        (await mosquittoPub(b.mqttPort, version, ['-t', 'keep/a', '-n', '-q', '1', '-r'])).code,
      ).toBe(0);
      const second = sub(b.mqttPort, ['-t', 'keep/a', '-q', '1', '-C', '1', '-W', '20']);
      await second.subscribed();
      expect(
        (await mosquittoPub(b.mqttPort, version, ['-t', 'keep/a', '-m', 'live', '-q', '1'])).code,
      ).toBe(0);
      expect(await second.exited).toBe(0);
      // Nothing retained came before the live message.
      expect(second.lines).toMatchObject([{ payload: 'live', retain: 0 }]);
    });

    it('a persistent mosquitto_sub session (-c) gets the messages published while it was away', async () => {
      const b = await m.broker();
      const session = ['-c', '-i', `mosq-keeper-${version}`, '-q', '1', '-t', 'away/#'];
      if (v5) session.push('-x', '300');
      const first = sub(b.mqttPort, [...session, '-E']);
      expect(await first.exited).toBe(0);
      for (const text of ['one', 'two'])
        expect(
          (await mosquittoPub(b.mqttPort, version, ['-t', 'away/x', '-m', text, '-q', '1'])).code,
        ).toBe(0);
      const again = sub(b.mqttPort, [...session, '-C', '2', '-W', '20']);
      expect(await again.exited).toBe(0);
      expect(again.lines.map((l) => l.payload)).toEqual(['one', 'two']);
    });

    it('MQTT.js publishes to mosquitto_sub, mosquitto_pub to MQTT.js', async () => {
      const b = await m.broker();
      const s = sub(b.mqttPort, ['-t', 'mix/js', '-q', '1', '-C', '1', '-W', '20']);
      await s.subscribed();
      const js = await m.client(b, { protocolVersion: v5 ? 5 : 4 });
      await js.subscribeAsync('mix/mosq', { qos: 1 });
      await js.publishAsync('mix/js', 'from mqtt.js', { qos: 1 });
      expect(await s.exited).toBe(0);
      expect(s.lines).toMatchObject([{ topic: 'mix/js', payload: 'from mqtt.js' }]);
      await mosquittoPub(b.mqttPort, version, [
        '-t',
        'mix/mosq',
        '-m',
        'from mosquitto',
        '-q',
        '1',
      ]);
      expect((await inboxOf(js).text('from mosquitto')).topic).toBe('mix/mosq');
    });

    it('a Ferry produce to a station reaches mosquitto_sub of the station name', async () => {
      const b = await m.broker();
      const s = sub(b.mqttPort, ['-t', 'ferry', '-q', '1', '-C', '1', '-W', '20']);
      await s.subscribed();
      await produceFerry(b, 'ferry', { value: 'from ferry', headers: { origin: 'http' } });
      expect(await s.exited).toBe(0);
      expect(s.lines).toMatchObject([{ topic: 'ferry', payload: '"from ferry"', qos: 1 }]);
      if (v5) expect(s.lines[0]?.properties?.['user-properties']).toMatchObject({ origin: 'http' });
    });

    it('a wrong password makes mosquitto_pub fail to connect', async () => {
      const passwordHash = await hashPassword('right');
      const b = await m.broker({
        config: { auth: { users: [{ username: 'alice', passwordHash }], failureDelayMs: 0 } },
      });
      const ok = await mosquittoPub(b.mqttPort, version, [
        ...['-u', 'alice', '-P', 'right', '-t', 'auth/a', '-m', 'in', '-q', '1'],
      ]);
      expect(ok.code).toBe(0);
      const bad = await mosquittoPub(b.mqttPort, version, [
        ...['-u', 'alice', '-P', 'wrong', '-t', 'auth/a', '-m', 'out', '-q', '1'],
      ]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr.toLowerCase()).toMatch(/bad user name or password|not authori[sz]ed/);
    });
  },
);

describe.skipIf(!hasMosquittoClients)('mosquitto clients, MQTT 5 properties', () => {
  it('user properties and content type from mosquitto_pub become headers, and come back to mosquitto_sub', async () => {
    const b = await m.broker();
    const s = mosquittoSub(b.mqttPort, 'mqttv5', [
      '-t',
      'props/#',
      '-q',
      '1',
      '-C',
      '1',
      '-W',
      '20',
    ]);
    m.trackChild(s.child);
    await s.subscribed();
    const pub = await mosquittoPub(b.mqttPort, 'mqttv5', [
      ...['-t', 'props/a', '-m', '{"x":1}', '-q', '1'],
      ...['-D', 'publish', 'user-property', 'tenant', 'acme'],
      ...['-D', 'publish', 'content-type', 'application/json'],
    ]);
    expect(pub.code).toBe(0);
    expect(await s.exited).toBe(0);
    expect(s.lines[0]?.properties).toMatchObject({
      'user-properties': { tenant: 'acme' },
      'content-type': 'application/json',
    });
    const [stored] = await stationMessages(b, 'props');
    expect(stored?.headers).toMatchObject({
      tenant: 'acme',
      'content-type': 'application/json',
      'mqtt-topic': 'props/a',
    });
  });
});
