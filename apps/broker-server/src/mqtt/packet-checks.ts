/**
 * What mqtt-packet lets through and MQTT forbids. On a packet's bytes before it is parsed:
 * topic names and filters that are not well-formed UTF-8 [MQTT-1.5.3-1], a packet id of 0
 * [MQTT-2.3.1-1], and a SUBSCRIBE or UNSUBSCRIBE without a topic filter [MQTT-3.8.3-3]
 * [MQTT-3.10.3-2]. On the parsed packet: other strings that were not UTF-8 (client id, user
 * name, will topic, properties) [MQTT-1.5.4-1], and properties its type may not carry.
 */
import { isUtf8 } from 'node:buffer';
import type { Packet } from 'mqtt-packet';

const PUBLISH = 3;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;

/** Where the variable header starts: after the first byte and the remaining length. */
function bodyStart(packet: Buffer): number {
  let i = 1;
  while (((packet[i] ?? 0) & 0x80) !== 0) i++;
  return i + 1;
}

const u16 = (packet: Buffer, at: number) => ((packet[at] ?? 0) << 8) | (packet[at + 1] ?? 0);

/** A variable byte integer at `at`: its value and where what follows it starts. */
function varint(packet: Buffer, at: number): [number, number] {
  let value = 0;
  let i = at;
  for (let shift = 0; shift < 28; shift += 7) {
    const byte = packet[i++] ?? 0;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
  }
  return [value, i];
}

/** Why `packet` (whole, of a client speaking `version`) breaks one of these rules, or undefined. */
export function packetProblem(packet: Buffer, version: number): string | undefined {
  const type = (packet[0] ?? 0) >> 4;
  if (type !== PUBLISH && type !== SUBSCRIBE && type !== UNSUBSCRIBE) return undefined;
  let at = bodyStart(packet);
  if (type === PUBLISH) {
    const length = u16(packet, at);
    if (!isUtf8(packet.subarray(at + 2, at + 2 + length))) return 'the topic is not UTF-8';
    const qos = ((packet[0] ?? 0) >> 1) & 3;
    if (qos > 0 && u16(packet, at + 2 + length) === 0) return 'a packet id of 0';
    return undefined;
  }
  if (u16(packet, at) === 0) return 'a packet id of 0';
  at += 2;
  if (version === 5) {
    const [length, next] = varint(packet, at);
    at = next + length;
  }
  if (at >= packet.length)
    return `a ${type === SUBSCRIBE ? 'SUBSCRIBE' : 'UNSUBSCRIBE'} without a topic filter`;
  while (at + 2 <= packet.length) {
    const length = u16(packet, at);
    if (!isUtf8(packet.subarray(at + 2, at + 2 + length))) return 'a topic filter is not UTF-8';
    at += 2 + length + (type === SUBSCRIBE ? 1 : 0);
  }
  return undefined;
}

const REPLACEMENT = '\uFFFD';
const ENCODED_REPLACEMENT = Buffer.from(REPLACEMENT);

/** The strings of a parsed packet a client writes: its own, its will's, and their properties'. */
function* stringsOf(value: unknown, depth = 0): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (depth < 4 && typeof value === 'object' && value !== null && !Buffer.isBuffer(value))
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'payload') continue;
      yield key;
      yield* stringsOf(inner, depth + 1);
    }
}

/** The properties a client's PUBLISH may carry. [MQTT-3.3.2.3] */
const PUBLISH_PROPERTIES = new Set([
  'payloadFormatIndicator',
  'messageExpiryInterval',
  'topicAlias',
  'responseTopic',
  'correlationData',
  'userProperties',
  'contentType',
]);

/**
 * Why a parsed packet breaks these rules, or undefined. The parser decodes bytes that are not
 * UTF-8 as U+FFFD: a string holding one, in a packet whose bytes do not hold U+FFFD's own
 * encoding, came from such bytes.
 */
export function parsedProblem(packet: Packet, bytes: Buffer): string | undefined {
  let strings: unknown;
  if (packet.cmd === 'publish') {
    // Its topic's bytes were checked before parsing; the properties are left.
    if (packet.properties === undefined) return undefined;
    for (const name of Object.keys(packet.properties))
      if (!PUBLISH_PROPERTIES.has(name)) return `a PUBLISH may not carry the property ${name}`;
    strings = packet.properties;
  } else if (packet.cmd === 'connect' || packet.cmd === 'subscribe') strings = packet;
  else return undefined;
  for (const text of stringsOf(strings))
    if (text.includes(REPLACEMENT) && !bytes.includes(ENCODED_REPLACEMENT))
      return 'a string that is not UTF-8';
  return undefined;
}
