/**
 * PUBLISH from a client: its topic (or v5 topic alias) checked and mapped to a station, the
 * principal's produce permission checked, and the message handed to the connection's publish
 * pipeline. A QoS 2 PUBLISH whose packet id is still awaiting PUBREL was stored already: it is
 * answered again, not stored twice. [MQTT-4.3.3-10]
 */
import type { ProduceResult } from '@ferry/protocol';
import type { IPublishPacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection.js';
import { inboundOf } from '../messages.js';
import type { PublishItem } from '../publish-pipeline.js';
import { REASON } from '../reason-codes.js';
import { topicNameProblem } from '../topics.js';

/** The topic of a PUBLISH, with its v5 alias set or used; a string: why the connection closes. */
function topicOf(
  conn: MqttConnection,
  packet: IPublishPacket,
): { topic: string } | { reason: number; message: string } {
  const alias = packet.properties?.topicAlias;
  if (alias === undefined) return { topic: packet.topic };
  // [MQTT-3.3.2-8] [MQTT-3.3.2-9]
  if (alias === 0 || alias > conn.ctx.config.topicAliasMaximum)
    return {
      reason: REASON.topicAliasInvalid,
      message: `topic alias ${alias} is not between 1 and ${conn.ctx.config.topicAliasMaximum}`,
    };
  if (packet.topic !== '') {
    conn.aliases.set(alias, packet.topic);
    return { topic: packet.topic };
  }
  const topic = conn.aliases.get(alias);
  return topic === undefined
    ? { reason: REASON.protocolError, message: `topic alias ${alias} was never set` }
    : { topic };
}

export function publish(conn: MqttConnection, packet: IPublishPacket): void {
  const outcome = check(conn, packet);
  if ('close' in outcome) conn.fail(outcome.close, outcome.label, outcome.message);
  else if ('answer' in outcome) conn.publishes.answer(packet, outcome.answer);
  else conn.publishes.add(outcome.item);
}

type Outcome =
  | { close: number; label: string; message: string }
  | { answer: ProduceResult }
  | { item: PublishItem };

/** What becomes of a PUBLISH: the connection closes, it is answered now, or it is stored. */
function check(conn: MqttConnection, packet: IPublishPacket): Outcome {
  const { ctx } = conn;
  const found = topicOf(conn, packet);
  if ('reason' in found)
    return { close: found.reason, label: 'topic_alias', message: found.message };
  const { topic } = found;
  // A topic name has no wildcards. [MQTT-3.3.2-2]
  const problem = topicNameProblem(topic);
  if (problem !== undefined)
    return { close: REASON.topicNameInvalid, label: 'topic', message: problem };
  const refuse = (code: string, message: string): Outcome => ({
    answer: { kind: 'error', code, message },
  });
  const station = ctx.mapping.stationOf(topic);
  if (station === undefined)
    return refuse(
      'INVALID_NAME',
      `no station for topic '${topic}': its first level is not a station name and no mqtt.stations rule matches it`,
    );
  if (!conn.principal?.permissions.allows('produce', station))
    return refuse(
      'NOT_AUTHORIZED',
      `${conn.principal?.name} may not produce to station '${station}'`,
    );
  const message = inboundOf(packet, topic, ctx.config.key === 'topic', ctx.limits);
  if (typeof message === 'string') return refuse('MESSAGE_TOO_LARGE', message);
  // Over MQTT 5 a retained publish the broker cannot keep is refused whole; 3.1.1 cannot be
  // told, so there it is stored and delivered, not retained, and a warning logged.
  const size = message.payload.length;
  if (packet.retain && size > 0 && conn.version === 5 && !ctx.retained.hasRoom(topic, size))
    return refuse(
      'QUOTA_EXCEEDED',
      `the broker keeps at most mqtt.maxRetained (${ctx.config.maxRetained}) retained messages of mqtt.maxRetainedBytes (${ctx.config.maxRetainedBytes}) bytes`,
    );
  if (packet.qos === 2) {
    const received = conn.session?.received;
    const id = packet.messageId as number;
    if (received?.has(id))
      return { answer: { kind: 'ok', partition: 0, offset: 0, duplicate: true } };
    received?.add(id);
  }
  return { item: { packet, topic, station, message } };
}
