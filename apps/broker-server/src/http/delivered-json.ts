/** A message delivered to an HTTP member as JSON, with the receipt that settles it. */
import type { DeliveredMessage } from '@ferry/protocol';
import { messageJson } from './message-json.js';
import { encodeReceipt, type Receipt } from './receipt.js';

/** The member name of a broker's pull member in receipts (a stream's is its id). */
export const PULL_MEMBER = 'pull';

export function receiptOf(
  station: string,
  group: string,
  m: DeliveredMessage,
  member = PULL_MEMBER,
): Receipt {
  return {
    station,
    group,
    member,
    partition: m.partition,
    offset: m.offset,
    deliveryCount: m.deliveryCount,
  };
}

/** A delivered message as JSON, with the receipt that settles it. */
export function deliveredJson(
  station: string,
  group: string,
  m: DeliveredMessage,
  member = PULL_MEMBER,
) {
  return { ...messageJson(m), receipt: encodeReceipt(receiptOf(station, group, m, member)) };
}
