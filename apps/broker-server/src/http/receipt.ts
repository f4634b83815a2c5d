/**
 * A receipt names one delivery of one message to one HTTP member: the station, the group, the
 * member (`pull`, or an event stream's id), the partition, the offset and the deliveryCount,
 * in base64url. After a redelivery the deliveryCount differs, so an old receipt settles nothing.
 */
import { FerryError } from '@ferry/protocol';

export interface Receipt {
  station: string;
  group: string;
  member: string;
  partition: number;
  offset: number;
  deliveryCount: number;
}

/** Longer than any receipt the broker writes (names are at most maxNameBytes each). */
export const MAX_RECEIPT_CHARS = 2048;

export function encodeReceipt(r: Receipt): string {
  const json = JSON.stringify([
    r.station,
    r.group,
    r.member,
    r.partition,
    r.offset,
    r.deliveryCount,
  ]);
  return Buffer.from(json, 'utf8').toString('base64url');
}

const count = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The receipt, or INVALID_FIELD naming where it was. */
export function decodeReceipt(text: unknown, at: string): Receipt {
  if (typeof text === 'string' && text.length <= MAX_RECEIPT_CHARS) {
    try {
      const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
      if (Array.isArray(v) && v.length === 6) {
        const [station, group, member, partition, offset, deliveryCount] = v as unknown[];
        if (
          typeof station === 'string' &&
          typeof group === 'string' &&
          typeof member === 'string' &&
          count(partition) &&
          count(offset) &&
          count(deliveryCount)
        )
          return { station, group, member, partition, offset, deliveryCount };
      }
    } catch {
      // Not a receipt: answered below.
    }
  }
  throw new FerryError('INVALID_FIELD', `${at}: not a receipt`);
}

export const refKey = (partition: number, offset: number) => `${partition}:${offset}`;
