/**
 * A subscription's stations joined through the right groups, and left again. Which group: a
 * shared subscription's group, the client's own group while its session is stored, or a
 * temporary group of a clean session. The last subscription of a binding gone, the member
 * leaves; the client's own and temporary groups are deleted with it, as nothing waits for them.
 */
import type { MqttConnection } from './connection.js';
import { sessionGroup, shareGroup, temporaryGroup } from './names.js';
import { Binding, bindingKey, type Subscription } from './session.js';

function groupFor(
  conn: MqttConnection,
  station: string,
  sub: Subscription,
): [string, Binding['kind']] {
  if (sub.share !== undefined) return [shareGroup(sub.share), 'shared'];
  if (conn.record !== undefined) return [sessionGroup(conn.clientId), 'session'];
  let group = conn.temporaryGroups.get(station);
  if (group === undefined) {
    group = temporaryGroup();
    conn.temporaryGroups.set(station, group);
  }
  return [group, 'temporary'];
}

/**
 * Adds `sub` to the session, joining the groups of its stations it does not read yet. A filter
 * the session has already is replaced in place: its groups, and what waits in them, stay.
 * [MQTT-3.8.4-3]
 */
export async function bind(conn: MqttConnection, sub: Subscription): Promise<void> {
  const session = conn.session;
  if (session === undefined) return;
  const old = session.subscriptions.get(sub.key);
  if (old !== undefined) {
    for (const binding of session.bindings.values())
      if (binding.subscriptions.delete(old)) binding.subscriptions.add(sub);
    session.subscriptions.set(sub.key, sub);
    return;
  }
  const added: Binding[] = [];
  try {
    for (const station of sub.stations) {
      const [group, kind] = groupFor(conn, station, sub);
      const key = bindingKey(station, group);
      let binding = session.bindings.get(key);
      if (binding === undefined) {
        binding = new Binding(session, station, group, kind);
        // No credit until SUBACK is out: the window's refill gives it.
        binding.membership = await conn.ctx.core.groups.join(
          station,
          group,
          { credit: 0 },
          binding,
        );
        session.bindings.set(key, binding);
      }
      binding.subscriptions.add(sub);
      added.push(binding);
    }
    session.subscriptions.set(sub.key, sub);
  } catch (err) {
    for (const binding of added) await dropFrom(conn, binding, sub);
    throw err;
  }
}

/** Removes the subscription `key`; false when the session has none. */
export async function unbind(conn: MqttConnection, key: string): Promise<boolean> {
  const sub = conn.session?.subscriptions.get(key);
  if (conn.session === undefined || sub === undefined) return false;
  conn.session.subscriptions.delete(key);
  for (const binding of [...conn.session.bindings.values()])
    if (binding.subscriptions.has(sub)) await dropFrom(conn, binding, sub);
  return true;
}

async function dropFrom(conn: MqttConnection, binding: Binding, sub: Subscription): Promise<void> {
  binding.subscriptions.delete(sub);
  if (binding.subscriptions.size > 0) return;
  conn.session?.bindings.delete(bindingKey(binding.station, binding.group));
  const m = binding.membership;
  binding.membership = undefined;
  if (m !== undefined) m.coordinator.leave(m.member);
  if (binding.kind === 'shared') return;
  if (binding.kind === 'temporary') conn.temporaryGroups.delete(binding.station);
  await conn.ctx.sessions.deleteGroup(binding.station, binding.group);
}

/** Keeps the session's subscriptions with its stored record. */
export async function saveSubscriptions(conn: MqttConnection): Promise<void> {
  const record = conn.record;
  if (record === undefined || conn.session === undefined) return;
  record.subscriptions = [...conn.session.subscriptions.values()].map((s) => ({
    key: s.key,
    filter: s.filter,
    qos: s.qos,
    stations: s.stations,
    ...(s.share === undefined ? {} : { share: s.share }),
  }));
  await conn.ctx.sessions.save(record);
}
