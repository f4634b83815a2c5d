/**
 * The last will: a message the broker publishes for a client whose connection ends without a
 * DISCONNECT (or with v5's 0x04), as if that client had published it. [MQTT-3.1.2-8]
 * [MQTT-3.1.2-10] It is checked like any publish: a will its principal may not produce to, or
 * whose topic maps to no station, is dropped with a log line.
 */
import type { IConnectPacket, IPublishPacket, QoS } from 'mqtt-packet';
import type { Principal } from '../auth/outcome.js';
import type { MqttContext } from './context.js';
import { inboundOf } from './messages.js';
import { topicNameProblem } from './topics.js';

export interface Will {
  packet: IPublishPacket;
  delaySeconds: number;
}

/** The will a CONNECT carries, or a reason it cannot be one. */
export function willFrom(connect: IConnectPacket): Will | string | undefined {
  const w = connect.will;
  if (w === undefined || w === null) return undefined;
  const problem = topicNameProblem(w.topic);
  if (problem !== undefined) return `will topic: ${problem}`;
  const { willDelayInterval, ...properties } = w.properties ?? {};
  return {
    packet: {
      cmd: 'publish',
      topic: w.topic,
      payload: typeof w.payload === 'string' ? Buffer.from(w.payload) : w.payload,
      qos: (w.qos ?? 0) as QoS,
      retain: w.retain ?? false,
      dup: false,
      properties,
    },
    delaySeconds: willDelayInterval ?? 0,
  };
}

/** Publishes `will` for `principal`. */
export async function willOf(ctx: MqttContext, principal: Principal, will: Will): Promise<void> {
  const { topic } = will.packet;
  const station = ctx.mapping.stationOf(topic);
  const log = { topic, principal: principal.name };
  if (station === undefined || !principal.permissions.allows('produce', station)) {
    ctx.log.warn({ ...log, station }, 'MQTT will dropped: no station its client may publish to');
    return;
  }
  const message = inboundOf(will.packet, topic, ctx.config.key === 'topic', ctx.limits);
  if (typeof message === 'string') {
    ctx.log.warn({ ...log, reason: message }, 'MQTT will dropped');
    return;
  }
  try {
    const target = await ctx.core.stations.resolve(station);
    const { results } = await ctx.core.producer.produce(target, [message]);
    const result = results[0];
    if (result?.kind !== 'ok') {
      ctx.log.warn({ ...log, result }, 'MQTT will not stored');
      return;
    }
    ctx.core.groups.notify(target.name);
    if (will.packet.retain)
      await ctx.retained.set({
        topic,
        payload: message.payload,
        headers: message.headers,
        qos: will.packet.qos,
      });
  } catch (err) {
    ctx.log.warn({ ...log, err }, 'MQTT will not stored');
  }
}
