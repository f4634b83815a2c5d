/**
 * Bad MQTT input for raw sockets: the bytes of each case, whether a good CONNECT goes first, and
 * the reason codes a v5 DISCONNECT may carry before the close; and a client that shows the
 * broker still serves others.
 */

import { expect } from 'vitest';
import { inboxOf } from './mqtt-client.js';
import type { MqttBroker, useMqtt } from './mqtt-fixture.js';
import { mqttString, type ProtocolVersion, varint } from './mqtt-raw.js';

/** A packet: first byte, then the remaining length and `body`. */
export const packet = (first: number, body: number[]) => [first, ...varint(body.length), ...body];
/** A QoS 0 PUBLISH of `topicBytes` (a raw encoded string) for protocol `version`. */
const publish0 = (version: ProtocolVersion, topicBytes: number[], first = 0x30) =>
  packet(first, [...topicBytes, ...(version === 5 ? [0] : []), 0x68, 0x69]);

export interface BadCase {
  name: string;
  version: ProtocolVersion;
  /** Send a good CONNECT first. */
  connected: boolean;
  bytes: number[];
  /** The reason codes a v5 DISCONNECT may carry before the close (none: no DISCONNECT expected either way). */
  disconnect?: number[];
}

export const MALFORMED = [0x81];
export const PROTOCOL_ERROR = [0x82];

export const BAD_CASES: BadCase[] = [
  {
    name: '[MQTT-3.1.0-1] a PUBLISH before CONNECT',
    version: 4,
    connected: false,
    bytes: publish0(4, mqttString('healthy/x')),
  },
  {
    name: '[MQTT-3.1.0-1] a SUBSCRIBE before CONNECT',
    version: 4,
    connected: false,
    bytes: packet(0x82, [0, 1, ...mqttString('healthy/#'), 1]),
  },
  {
    name: 'a remaining length of 5 continuation bytes, before CONNECT',
    version: 4,
    connected: false,
    bytes: [0x10, 0xff, 0xff, 0xff, 0xff, 0x7f],
  },
  ...([4, 5] as const).flatMap((version): BadCase[] => [
    {
      name: `a remaining length of 5 continuation bytes (v${version})`,
      version,
      connected: true,
      bytes: [0x30, 0x80, 0x80, 0x80, 0x80, 0x01],
      disconnect: MALFORMED,
    },
    {
      name: `[MQTT-3.1.0-2] a second CONNECT (v${version})`,
      version,
      connected: true,
      bytes: packet(0x10, [
        ...mqttString('MQTT'),
        version,
        0x02,
        0,
        60,
        ...(version === 5 ? [0] : []),
        ...mqttString('second'),
      ]),
      disconnect: PROTOCOL_ERROR,
    },
    {
      name: `[MQTT-3.3.2-2] a wildcard in a PUBLISH topic (v${version})`,
      version,
      connected: true,
      bytes: publish0(version, mqttString('healthy/+/x')),
      disconnect: [...MALFORMED, ...PROTOCOL_ERROR, 0x90],
    },
    {
      name: `[MQTT-3.3.2-2] a # in a PUBLISH topic (v${version})`,
      version,
      connected: true,
      bytes: publish0(version, mqttString('healthy/#')),
      disconnect: [...MALFORMED, ...PROTOCOL_ERROR, 0x90],
    },
    {
      name: `[MQTT-3.3.1-4] a PUBLISH with QoS 3 (v${version})`,
      version,
      connected: true,
      bytes: publish0(version, mqttString('healthy/x'), 0x36),
      disconnect: MALFORMED,
    },
    {
      name: `[MQTT-3.8.1-1] a SUBSCRIBE whose reserved flags are 0000, not 0010 (v${version})`,
      version,
      connected: true,
      bytes: packet(0x80, [0, 1, ...(version === 5 ? [0] : []), ...mqttString('healthy/#'), 1]),
      disconnect: MALFORMED,
    },
    {
      name: `[MQTT-3.6.1-1] a PUBREL whose reserved flags are 0000, not 0010 (v${version})`,
      version,
      connected: true,
      bytes: [0x60, 0x02, 0x00, 0x01],
      disconnect: MALFORMED,
    },
    {
      name: `[MQTT-2.2.2-2] a PINGREQ with a reserved flag set (v${version})`,
      version,
      connected: true,
      bytes: [0xc1, 0x00],
      disconnect: MALFORMED,
    },
    {
      name: `[MQTT-3.8.3-4] a SUBSCRIBE asking for QoS 3 (v${version})`,
      version,
      connected: true,
      bytes: packet(0x82, [0, 1, ...(version === 5 ? [0] : []), ...mqttString('healthy/#'), 3]),
      disconnect: MALFORMED,
    },
    {
      name: `[MQTT-3.10.1-1] an UNSUBSCRIBE whose reserved flags are 0000, not 0010 (v${version})`,
      version,
      connected: true,
      bytes: packet(0xa0, [0, 1, ...(version === 5 ? [0] : []), ...mqttString('healthy/#')]),
      disconnect: MALFORMED,
    },
    {
      name: `[MQTT-1.5.3-1] a topic that is not UTF-8 (v${version})`,
      version,
      connected: true,
      bytes: publish0(version, [0, 4, 0x61, 0x2f, 0xc3, 0x28]),
      disconnect: MALFORMED,
    },
    {
      name: `[MQTT-1.5.3-2] a topic holding U+0000 (v${version})`,
      version,
      connected: true,
      bytes: publish0(version, [0, 3, 0x61, 0x00, 0x62]),
      // v5 lets the receiver close without saying which (1.5.4): Topic Name invalid will do.
      disconnect: [...MALFORMED, 0x90],
    },
    {
      name: `[MQTT-3.8.3-3] a SUBSCRIBE without topic filters (v${version})`,
      version,
      connected: true,
      bytes: packet(0x82, [0, 1, ...(version === 5 ? [0] : [])]),
      disconnect: [...MALFORMED, ...PROTOCOL_ERROR],
    },
    {
      name: `[MQTT-2.3.1-1] a SUBSCRIBE with packet id 0 (v${version})`,
      version,
      connected: true,
      bytes: packet(0x82, [0, 0, ...(version === 5 ? [0] : []), ...mqttString('healthy/#'), 1]),
      disconnect: [...MALFORMED, ...PROTOCOL_ERROR],
    },
    {
      name: `a packet of the reserved type 0 (v${version})`,
      version,
      connected: true,
      bytes: [0x00, 0x00],
      disconnect: [...MALFORMED, ...PROTOCOL_ERROR],
    },
  ]),
  {
    name: '[MQTT-3.1.2-11] a CONNECT with a will QoS but no will flag',
    version: 4,
    connected: false,
    bytes: packet(0x10, [...mqttString('MQTT'), 4, 0x0a, 0, 60, ...mqttString('willqos')]),
  },
  {
    name: '[MQTT-4.7.1-1] a CONNECT whose will topic holds a wildcard',
    version: 4,
    connected: false,
    bytes: packet(0x10, [
      ...mqttString('MQTT'),
      4,
      0x06,
      0,
      60,
      ...mqttString('wildwill'),
      ...mqttString('healthy/#'),
      ...mqttString('bye'),
    ]),
  },
  {
    name: '[MQTT-1.5.3-1] a CONNECT whose will topic is not UTF-8',
    version: 4,
    connected: false,
    bytes: packet(0x10, [
      ...mqttString('MQTT'),
      4,
      0x06,
      0,
      60,
      ...mqttString('badwill'),
      0,
      2,
      0xc3,
      0x28,
      ...mqttString('bye'),
    ]),
  },
  {
    name: '[MQTT-1.5.3-1] a CONNECT whose user name is not UTF-8',
    version: 4,
    connected: false,
    bytes: packet(0x10, [
      ...mqttString('MQTT'),
      4,
      0x82,
      0,
      60,
      ...mqttString('baduser'),
      0,
      2,
      0xc3,
      0x28,
    ]),
  },
  {
    name: '[MQTT-1.5.3-1] a CONNECT whose client id is not UTF-8',
    version: 4,
    connected: false,
    bytes: packet(0x10, [...mqttString('MQTT'), 4, 0x02, 0, 60, 0, 2, 0xc3, 0x28]),
  },
  {
    name: '[MQTT-1.5.4-1] a v5 PUBLISH whose user property is not UTF-8',
    version: 5,
    connected: true,
    bytes: packet(0x30, [
      ...mqttString('healthy/x'),
      8,
      0x26,
      0,
      2,
      0xc3,
      0x28,
      ...mqttString('a'),
      0x68,
      0x69,
    ]),
    disconnect: MALFORMED,
  },
  {
    name: '[MQTT-2.2.2-2] a v5 PUBLISH carrying a property PUBLISH cannot have (Session Expiry Interval)',
    version: 5,
    connected: true,
    bytes: packet(0x30, [...mqttString('healthy/x'), 5, 0x11, 0, 0, 0, 1, 0x68, 0x69]),
    disconnect: [...MALFORMED, ...PROTOCOL_ERROR],
  },
  {
    name: '[MQTT-3.8.3-5] a v5 SUBSCRIBE with reserved subscription option bits set',
    version: 5,
    connected: true,
    bytes: packet(0x82, [0, 1, 0, ...mqttString('healthy/#'), 0xc1]),
    disconnect: MALFORMED,
  },
  {
    name: '[MQTT-3.1.2-3] a CONNECT with its reserved flag set',
    version: 4,
    connected: false,
    bytes: packet(0x10, [...mqttString('MQTT'), 4, 0x03, 0, 60, ...mqttString('reserved')]),
  },
  {
    name: '[MQTT-3.1.2-1] a CONNECT with another protocol name',
    version: 4,
    connected: false,
    bytes: packet(0x10, [...mqttString('MQTX'), 4, 0x02, 0, 60, ...mqttString('name')]),
  },
];

/** A v5 client subscribed to healthy/#: `check` publishes and waits to receive. */
export async function healthyClient(
  m: ReturnType<typeof useMqtt>,
  b: MqttBroker,
): Promise<() => Promise<void>> {
  const c = await m.client(b, { protocolVersion: 5, clientId: 'healthy' });
  const inbox = inboxOf(c);
  await c.subscribeAsync('healthy/#', { qos: 1 });
  let n = 0;
  return async () => {
    const text = `still fine ${++n}`;
    await c.publishAsync('healthy/check', text, { qos: 1 });
    await inbox.text(text);
  };
}

/**
 * Sends case `c` on a fresh broker: its connection must close, with nothing but a DISCONNECT of
 * an allowed reason (v5) before, and a client connected before must keep working.
 */
export async function closesOnlyItself(m: ReturnType<typeof useMqtt>, c: BadCase): Promise<void> {
  const b = await m.broker();
  const check = await healthyClient(m, b);
  const raw = await m.raw(b, c.version);
  if (c.connected) {
    const connack = await raw.handshake({ clientId: 'bad-input' });
    expect(connack.reasonCode ?? connack.returnCode).toBe(0);
  }
  raw.write(c.bytes);
  await raw.waitClosed(5000);
  if (c.version === 5 && raw.disconnect !== undefined)
    expect(c.disconnect ?? []).toContain(raw.disconnect.reasonCode);
  const replies = raw.received.map((p) => p.cmd).filter((cmd) => cmd !== 'connack');
  expect(replies.filter((cmd) => cmd !== 'disconnect')).toEqual([]);
  await check();
}
