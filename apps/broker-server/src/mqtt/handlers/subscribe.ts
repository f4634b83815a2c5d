/**
 * SUBSCRIBE: each filter checked, mapped to the stations it can receive from, the principal's
 * consume permission checked on each, and joined; SUBACK grants at most QoS 1 [MQTT-3.9.3-1]
 * (QoS 2 deliveries are not offered) or says why a filter was refused. The retained messages
 * each new filter matches follow SUBACK. [MQTT-3.3.1-9]
 */
import type { ISubackPacket, ISubscribePacket, ISubscription, QoS } from 'mqtt-packet';
import type { MqttConnection } from '../connection.js';
import { REASON } from '../reason-codes.js';
import type { Subscription } from '../session.js';
import { bind, saveSubscriptions } from '../subscriptions.js';
import { parseShared, topicFilterProblem } from '../topics.js';

/** What one filter became: the subscription, or the reason code refusing it. */
type Outcome = { sub: Subscription; isNew: boolean } | { reason: number; message: string };

async function subscribeOne(conn: MqttConnection, wanted: ISubscription): Promise<Outcome> {
  const { ctx } = conn;
  const session = conn.session;
  if (session === undefined) return { reason: REASON.unspecified, message: 'no session' };
  const shared = parseShared(wanted.topic);
  if (shared !== undefined && 'problem' in shared)
    return { reason: REASON.topicFilterInvalid, message: shared.problem };
  const filter = shared?.filter ?? wanted.topic;
  const problem = topicFilterProblem(filter);
  if (problem !== undefined) return { reason: REASON.topicFilterInvalid, message: problem };
  const stations = ctx.mapping.stationsOf(filter);
  if (stations.length === 0)
    return {
      reason: REASON.topicFilterInvalid,
      message: `'${filter}' names no station: its first level must be a station name, or it must overlap an mqtt.stations rule`,
    };
  const denied = stations.find((s) => !conn.principal?.permissions.allows('consume', s));
  if (denied !== undefined)
    return {
      reason: REASON.notAuthorized,
      message: `${conn.principal?.name} may not consume from station '${denied}'`,
    };
  const isNew = !session.subscriptions.has(wanted.topic);
  if (isNew && session.subscriptions.size >= ctx.config.maxSubscriptions)
    return {
      reason: REASON.quotaExceeded,
      message: `at most mqtt.maxSubscriptions (${ctx.config.maxSubscriptions}) filters`,
    };
  const sub: Subscription = {
    key: wanted.topic,
    filter,
    qos: Math.min(wanted.qos, 1) as QoS,
    stations,
    ...(shared === undefined ? {} : { share: shared.share }),
  };
  try {
    await bind(conn, sub);
  } catch (err) {
    const code = (err as { code?: string }).code;
    return {
      reason: code === 'QUOTA_EXCEEDED' ? REASON.quotaExceeded : REASON.unspecified,
      message: err instanceof Error ? err.message : String(err),
    };
  }
  return { sub, isNew };
}

export async function subscribe(conn: MqttConnection, packet: ISubscribePacket): Promise<void> {
  const v5 = conn.version === 5;
  const outcomes: Outcome[] = [];
  for (const wanted of packet.subscriptions) outcomes.push(await subscribeOne(conn, wanted));
  await saveSubscriptions(conn);
  const reasons: string[] = [];
  const granted = outcomes.map((o) => {
    if ('sub' in o) return o.sub.qos;
    reasons.push(o.message);
    // 3.1.1 has one failure code. [MQTT-3.9.3-2]
    return v5 ? o.reason : 0x80;
  });
  if (reasons.length > 0)
    conn.ctx.refusals.warn({ clientId: conn.clientId, reasons }, 'MQTT subscriptions refused');
  const suback: ISubackPacket = { cmd: 'suback', messageId: packet.messageId as number, granted };
  if (v5 && reasons.length > 0) suback.properties = { reasonString: reasons.join('; ') };
  conn.send(suback);
  packet.subscriptions.forEach((wanted, i) => {
    const o = outcomes[i];
    if (o === undefined || !('sub' in o) || o.sub.share !== undefined) return;
    // Retain handling: 0 always, 1 for a new subscription only, 2 never. [MQTT-3.3.1-9..11]
    const rh = wanted.rh ?? 0;
    if (rh === 2 || (rh === 1 && !o.isNew)) return;
    conn.session?.sendRetained(conn.ctx.retained.matching(o.sub.filter), o.sub.qos);
  });
  conn.session?.refill();
}
