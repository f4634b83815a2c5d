import { type DeadLetterEntry, type DlsResendFrame, FerryError } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import { SCHEMA_GROUP } from '../../broker/schemas/screen.js';
import type { Station } from '../../broker/stations/station.js';
import type { Connection } from '../types.js';

/**
 * Delivers the entries again to the group that failed each one. [DLS-3] An
 * entry leaves the store only once its resent message is acknowledged (or
 * dead-lettered anew), so a broker that stops before that loses nothing: the
 * entry is still there to be resent. Entries a schema refused are produced
 * again instead. [SCHEMA-10]
 */
export async function dlsResend(
  core: BrokerCore,
  conn: Connection,
  frame: DlsResendFrame,
): Promise<void> {
  const station = core.stations.get(frame.station);
  const entries = await station.backend.deadLetters.get(frame.ids);
  if (entries.length === 0 && frame.ids.length > 0)
    throw new FerryError('DEAD_LETTER_NOT_FOUND', 'none of these dead-letter entries exists');
  const refused = entries.filter((e) => e.group === SCHEMA_GROUP);
  const failed = entries.filter((e) => e.group !== SCHEMA_GROUP);
  await core.groups.checkResendRoom(station, failed.length);
  const produced = await produceAgain(core, station, refused);
  await core.groups.resend(station, failed);
  conn.send({ type: 'ok', id: frame.id, count: failed.length + produced });
}

/**
 * Produces messages a schema refused to the station again, checked against its schema now;
 * those stored leave the dead-letter store, the others stay where they are.
 */
async function produceAgain(
  core: BrokerCore,
  station: Station,
  entries: DeadLetterEntry[],
): Promise<number> {
  if (entries.length === 0) return 0;
  const { results } = await core.producer.produce(
    station,
    entries.map((e) => ({
      payload: e.payload,
      partition: e.partition,
      ...(e.headers === undefined ? {} : { headers: e.headers }),
      ...(e.key === undefined ? {} : { key: e.key }),
      ...(e.msgId === undefined ? {} : { msgId: e.msgId }),
    })),
    { mode: 'reject' },
  );
  const stored = entries.filter((_, i) => results[i]?.kind === 'ok');
  await station.backend.deadLetters.remove(stored.map((e) => e.id));
  if (stored.length > 0) core.groups.notify(station.name);
  return stored.length;
}
