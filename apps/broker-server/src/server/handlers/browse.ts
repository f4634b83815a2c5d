import type { BrowseFrame, StoredMessage } from '@ferry/protocol';
import type { StoredRecord } from '../../backend/types.js';
import type { BrokerCore } from '../../broker/core.js';
import { BrokerError } from '../../broker/errors.js';
import { deliveredSizeBound, FrameBudget } from '../../broker/frame-budget.js';
import type { Connection } from '../types.js';

/**
 * A page of a partition's messages without a group, in offset order, within maxMessages,
 * maxBytes and maxFrameBytes, the first always. [BROWSE-1] [LIMITS-1]
 */
export async function browse(
  core: BrokerCore,
  conn: Connection,
  frame: BrowseFrame,
): Promise<void> {
  const station = core.stations.get(frame.station);
  const { partitions } = station.backend.config;
  if (frame.partition >= partitions) {
    throw new BrokerError(
      'PARTITION_OUT_OF_RANGE',
      `station '${frame.station}' has partitions 0 to ${partitions - 1}, not ${frame.partition}`,
    );
  }
  if (frame.offset !== undefined && frame.timestamp !== undefined)
    throw new BrokerError('INVALID_FIELD', 'browse takes an offset or a timestamp, not both');
  const { backend } = station;
  const { first, next: end } = await backend.bounds(frame.partition);
  const from =
    frame.timestamp !== undefined
      ? await backend.offsetForTimestamp(frame.partition, frame.timestamp)
      : Math.min(Math.max(frame.offset ?? first, first), end);
  const maxMessages = Math.min(
    frame.maxMessages ?? core.limits.maxBatchMessages,
    core.limits.maxBatchMessages,
  );
  const maxBytes = frame.maxBytes ?? core.limits.maxFrameBytes;
  const records =
    maxMessages === 0 || from >= end
      ? []
      : await backend.read(frame.partition, from, { maxRecords: maxMessages, maxBytes });
  // Sized by encoded bytes, as deliveries are: the reply stays within maxFrameBytes.
  const budget = new FrameBudget(core.limits.maxFrameBytes);
  const messages: StoredMessage[] = [];
  for (const record of records) {
    if (record.offset >= end) break;
    if (!budget.take(deliveredSizeBound(record)) && messages.length > 0) break;
    messages.push(stored(record));
  }
  const last = messages[messages.length - 1];
  conn.send({
    type: 'messages',
    id: frame.id,
    partition: frame.partition,
    messages,
    next: last === undefined ? Math.max(from, first) : last.offset + 1,
    end,
  });
}

function stored(record: StoredRecord): StoredMessage {
  const m: StoredMessage = {
    offset: record.offset,
    timestamp: record.timestamp,
    payload: record.payload,
  };
  if (record.headers !== undefined) m.headers = record.headers;
  if (record.key !== undefined) m.key = record.key;
  if (record.msgId !== undefined) m.msgId = record.msgId;
  return m;
}
