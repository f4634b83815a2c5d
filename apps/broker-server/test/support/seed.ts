/** A station to test requests against: messages, a group and a dead letter. */
import { Deliveries } from './deliveries.js';
import { expectType, type Requester } from './requester.js';

/**
 * Creates `station` (one partition) with three messages, group `g` from the earliest, and one
 * dead letter of `g`; resolves to the dead letter's id.
 */
export async function seedStation(root: Requester, station: string): Promise<number> {
  const created = await root.request({
    type: 'stationCreate',
    name: station,
    config: { partitions: 1 },
  });
  expectType(created, 'station');
  const messages = ['a', 'b', 'c'].map((m) => ({ payload: new TextEncoder().encode(m) }));
  expectType(await root.request({ type: 'produce', station, messages }), 'produceAck');
  const start = { kind: 'earliest' as const };
  const group = await root.request({
    type: 'groupCreate',
    station,
    group: 'g',
    options: { start },
  });
  expectType(group, 'group');
  const sub = await root.request({
    type: 'subscribe',
    sid: 1,
    station,
    group: 'g',
    options: { credit: 1 },
  });
  expectType(sub, 'subscribed');
  const [m] = await new Deliveries(root).take(1, 1);
  const refs = [{ partition: 0, offset: m?.offset ?? -1 }];
  expectType(await root.request({ type: 'deadLetter', sid: 1, refs, reason: 'seed' }), 'ok');
  expectType(await root.request({ type: 'unsubscribe', sid: 1 }), 'ok');
  const page = expectType(await root.request({ type: 'dlsList', station }), 'dlsEntries');
  return page.entries[0]?.id ?? -1;
}
