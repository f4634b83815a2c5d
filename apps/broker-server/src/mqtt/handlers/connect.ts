/**
 * CONNECT: credentials checked by the broker's authenticator (a user and password, a token or
 * JWT as the password with no user name, or a TLS client certificate), the client id claimed
 * (taking it over from another connection), the session started clean or resumed, CONNACK
 * sent, and a resumed session's subscriptions joined again. [MQTT-3.1.4-1] [MQTT-3.2.0-1]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Auth, utf8Length } from '@ferry/protocol';
import type { IConnackPacket, IConnectPacket } from 'mqtt-packet';
import type { AuthOutcome } from '../../auth/outcome.js';
import type { MqttConnection } from '../connection.js';
import { assignedClientId } from '../names.js';
import { REASON, returnCodeOf } from '../reason-codes.js';
import { Session } from '../session.js';
import type { SessionRecord } from '../sessions.js';
import { bind, saveSubscriptions } from '../subscriptions.js';
import { willFrom } from '../will.js';

/** Longest client id taken, in UTF-8 bytes (MQTT asks for at least 23). [MQTT-3.1.3-5] */
const MAX_CLIENT_ID_BYTES = 256;

function credentialsOf(packet: IConnectPacket): Auth | undefined {
  const password = packet.password?.toString('utf8');
  if (packet.username !== undefined && packet.username !== '')
    return { username: packet.username, password: password ?? '' };
  return password === undefined ? undefined : { token: password };
}

function refuse(conn: MqttConnection, reason: number, label: string, message: string): void {
  const connack: IConnackPacket =
    conn.version === 5
      ? {
          cmd: 'connack',
          sessionPresent: false,
          reasonCode: reason,
          properties: { reasonString: message },
        }
      : { cmd: 'connack', sessionPresent: false, returnCode: returnCodeOf(reason) };
  conn.send(connack);
  // The CONNACK goes out before the socket closes. [MQTT-3.2.2-5]
  conn.close(label, message, { graceful: true });
}

export async function connect(conn: MqttConnection, packet: IConnectPacket): Promise<void> {
  const { ctx } = conn;
  conn.version = packet.protocolVersion === 5 ? 5 : 4;
  const v5 = conn.version === 5;
  if (packet.properties?.authenticationMethod !== undefined)
    return refuse(
      conn,
      REASON.badAuthenticationMethod,
      'auth_method',
      'enhanced authentication is not supported',
    );

  const remote = conn.transport.remoteAddress;
  const waitMs = ctx.authThrottle.turn(remote);
  if (waitMs === undefined)
    return refuse(
      conn,
      REASON.serverBusy,
      'throttled',
      'too many failed connects from this address; retry later',
    );
  if (waitMs > 0) await sleep(waitMs, undefined, { ref: false });
  if (conn.closed) return;
  let outcome: AuthOutcome;
  try {
    outcome = await ctx.authenticate({
      auth: credentialsOf(packet),
      certificate: conn.transport.certificate,
    });
  } catch (err) {
    // The password checks are at their bound (OVERLOADED): the client may try again.
    const message = err instanceof Error ? err.message : String(err);
    return refuse(conn, REASON.serverBusy, 'overloaded', message);
  }
  if (conn.closed) return;
  if ('refused' in outcome) {
    const { failures, delayMs } = ctx.authThrottle.failed(remote);
    ctx.log.warn(
      { remote, ...outcome.refused, failures, delayMs, transport: 'mqtt' },
      'auth failed',
    );
    ctx.audit.record({
      action: 'authenticate',
      outcome: 'AUTH_FAILED',
      principal: undefined,
      remote,
      conn: conn.id,
      transport: `mqtt-${conn.transport.name}`,
      detail: outcome.refused.reason ?? outcome.refused.checked,
    });
    const none = outcome.refused.checked === 'none';
    return refuse(
      conn,
      none ? REASON.notAuthorized : REASON.badUserNameOrPassword,
      'auth',
      none ? 'this broker needs credentials' : 'the credentials were not accepted',
    );
  }
  conn.principal = outcome.principal;
  conn.expireWith(outcome.principal);

  const clean = packet.clean ?? true;
  let clientId = packet.clientId;
  let assigned: string | undefined;
  if (clientId === '') {
    // 3.1.1 gives an empty client id only a clean session. [MQTT-3.1.3-7] [MQTT-3.1.3-8]
    if (!v5 && !clean)
      return refuse(
        conn,
        REASON.clientIdNotValid,
        'client_id',
        'an empty client id needs a clean session',
      );
    clientId = assignedClientId();
    assigned = clientId;
  }
  if (utf8Length(clientId) > MAX_CLIENT_ID_BYTES)
    return refuse(
      conn,
      REASON.clientIdNotValid,
      'client_id',
      `a client id is at most ${MAX_CLIENT_ID_BYTES} bytes`,
    );
  const will = willFrom(packet);
  if (typeof will === 'string') return refuse(conn, REASON.topicNameInvalid, 'will', will);

  const { config, sessions } = ctx;
  const requested = v5
    ? (packet.properties?.sessionExpiryInterval ?? 0)
    : clean
      ? 0
      : config.maxSessionExpirySeconds;
  const expirySeconds = Math.min(requested, config.maxSessionExpirySeconds);
  conn.clientId = clientId;
  await sessions.claim(clientId, conn);
  if (conn.closed) return;
  sessions.cancelWill(clientId);
  // A clean start ends any session the client had. [MQTT-3.1.2-4]
  if (clean) await sessions.discard(clientId);
  const found = clean ? undefined : await sessions.find(clientId);
  let record: SessionRecord | undefined;
  if (found !== undefined || expirySeconds > 0) {
    if (found === undefined && !sessions.hasRoom(clientId))
      return refuse(
        conn,
        REASON.quotaExceeded,
        'sessions',
        `mqtt.maxSessions (${config.maxSessions}) sessions are kept`,
      );
    const { disconnectedAt: _, ...rest } = found ?? { clientId, subscriptions: [] };
    record = { ...rest, expirySeconds };
    await sessions.save(record);
  }
  if (conn.closed) return;
  conn.record = record;
  conn.will = will;
  const clientWindow = v5 ? (packet.properties?.receiveMaximum ?? 65535) : 65535;
  conn.session = new Session(
    clientId,
    conn,
    Math.min(config.maxInflight, clientWindow),
    record === undefined ? new Set() : sessions.receivedOf(clientId),
  );
  conn.maxClientPacketBytes = v5 ? packet.properties?.maximumPacketSize : undefined;

  const asked = packet.keepalive ?? 0;
  const keepAlive =
    v5 && (asked === 0 || asked > config.maxKeepAliveSeconds) ? config.maxKeepAliveSeconds : asked;
  const present = found !== undefined;
  conn.send(
    v5
      ? {
          cmd: 'connack',
          sessionPresent: present,
          reasonCode: REASON.success,
          properties: {
            receiveMaximum: config.receiveMaximum,
            maximumPacketSize: config.maxPacketBytes,
            topicAliasMaximum: config.topicAliasMaximum,
            retainAvailable: true,
            wildcardSubscriptionAvailable: true,
            sharedSubscriptionAvailable: true,
            subscriptionIdentifiersAvailable: false,
            ...(keepAlive !== asked ? { serverKeepAlive: keepAlive } : {}),
            ...(expirySeconds !== requested ? { sessionExpiryInterval: expirySeconds } : {}),
            ...(assigned === undefined ? {} : { assignedClientIdentifier: assigned }),
          },
        }
      : { cmd: 'connack', sessionPresent: present, returnCode: 0 },
  );
  conn.connected(keepAlive);
  if (found !== undefined) await resume(conn, found);
  conn.session.refill();
}

/** Joins a resumed session's groups again; a subscription its principal may no longer read is dropped. */
async function resume(conn: MqttConnection, record: SessionRecord): Promise<void> {
  const principal = conn.principal;
  let dropped = false;
  for (const stored of record.subscriptions) {
    if (!stored.stations.every((s) => principal?.permissions.allows('consume', s))) {
      dropped = true;
      continue;
    }
    try {
      await bind(conn, { ...stored });
    } catch (err) {
      dropped = true;
      conn.ctx.log.warn(
        { err, clientId: conn.clientId, filter: stored.key },
        'an MQTT subscription could not be resumed',
      );
    }
  }
  if (dropped && conn.record !== undefined) await saveSubscriptions(conn);
}
