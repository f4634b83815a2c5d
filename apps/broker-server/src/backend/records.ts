/** What every engine's group cursor builds from a stored record: a delivery, a dead-letter entry. */
import type { DeadLetterRecord, Delivery, StoredRecord } from './types.js';

/**
 * The delivery of `record` from `partition`, its `count`th. Built field by field: object rest and
 * spread here cost a fifth of a fan-out's CPU.
 */
export function deliveryOf(partition: number, record: StoredRecord, count: number): Delivery {
  const d: Delivery = {
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    deliveryCount: count,
    payload: record.payload,
  };
  if (record.headers !== undefined) d.headers = record.headers;
  if (record.key !== undefined) d.key = record.key;
  if (record.msgId !== undefined) d.msgId = record.msgId;
  return d;
}

/** The dead-letter entry of `record`, given up on by `group` after `count` deliveries. */
export function deadLetterEntryOf(
  group: string,
  partition: number,
  record: StoredRecord,
  count: number,
  reason: string,
): Omit<DeadLetterRecord, 'id'> {
  const entry: Omit<DeadLetterRecord, 'id'> = {
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    deliveryCount: count,
    payload: record.payload,
    group,
    reason,
    deadLetteredAt: Date.now(),
  };
  if (record.headers !== undefined) entry.headers = record.headers;
  if (record.key !== undefined) entry.key = record.key;
  if (record.msgId !== undefined) entry.msgId = record.msgId;
  return entry;
}
