/**
 * Bad MQTT input before or in CONNECT, over raw sockets: each closes that one connection, while
 * another client, connected before, keeps publishing and receiving.
 */
import { describe, expect, it } from 'vitest';
import { BAD_CASES, closesOnlyItself, healthyClient, packet } from '../support/mqtt-bad-input.js';
import { useMqtt } from '../support/mqtt-fixture.js';
import { mqttString } from '../support/mqtt-raw.js';

const m = useMqtt();
const cases = BAD_CASES.filter((c) => !c.connected);

describe('bad MQTT input before or in CONNECT closes that connection only', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => closesOnlyItself(m, c));

  it('[MQTT-3.1.2-2] an unsupported protocol level is refused with CONNACK 0x01 (or closed)', async () => {
    const b = await m.broker();
    const check = await healthyClient(m, b);
    const raw = await m.raw(b, 4);
    raw.write(packet(0x10, [...mqttString('MQTT'), 9, 0x02, 0, 60, ...mqttString('level9')]));
    await raw.waitClosed();
    const connack = raw.received.find((p) => p.cmd === 'connack');
    if (connack !== undefined) expect(connack).toMatchObject({ returnCode: 0x01 });
    await check();
  });
});
