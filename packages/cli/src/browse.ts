/**
 * `ferry sub --no-ack`: reads partitions with browse (BROWSE-1), without a group, so nothing is
 * acked and no group moves. Each partition is read from `--from` to the end it had when its
 * first page was read, one partition after the other; with `--follow`, every partition is then
 * browsed again every {@link POLL_MS} for what was appended since.
 */

import type { BrowsedMessage, BrowseFrom, Client } from '@ferry/node';
import { CliError } from './exit-codes.js';
import type { Position } from './options.js';
import { payloadField } from './output.js';

export interface BrowseRun {
  station: string;
  /** Only this partition; else every partition of the station, in order. */
  partition?: number;
  from?: Position;
  count?: number;
  raw?: boolean;
  /** Keep polling for new messages after the end, until the signal or `count`. */
  follow?: boolean;
  signal: AbortSignal;
  /** Resolves once stdout took the chunk. */
  write(chunk: string | Uint8Array): Promise<void>;
}

const NEWLINE = new Uint8Array([10]);
export const POLL_MS = 250;

type Start = 'earliest' | { offset: number } | { timestamp: number };

/** The line `sub` prints, without deliveryCount: a browsed message has not been delivered. */
function browseLine(message: BrowsedMessage): string {
  return JSON.stringify({
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key,
    msgId: message.msgId,
    headers: message.headers,
    ...payloadField(message.payload),
  });
}

/** Where a partition's browse starts; `lastN:N` is the N before the partition's end. */
async function startOf(client: Client, run: BrowseRun, partition: number): Promise<Start> {
  const from = run.from;
  if (from === undefined || from === 'earliest') return 'earliest';
  if (from === 'latest')
    throw new CliError('--from latest prints nothing with --no-ack: browsing stops at the end');
  if ('offset' in from) return { offset: from.offset };
  if ('time' in from) return { timestamp: from.time };
  const probe = await client.stations.browse(run.station, partition, {
    maxMessages: 1,
    signal: run.signal,
  });
  return { offset: Math.max(0, probe.end - from.lastN) };
}

/** Resolves after `ms`, or at once when `signal` fires. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Prints the messages; resolves once every partition is read to its end (with `follow`, once
 * the signal fires), or `count` are printed.
 */
export async function browsePartitions(client: Client, run: BrowseRun): Promise<void> {
  const partitions =
    run.partition === undefined
      ? [...(await client.stations.info(run.station, { signal: run.signal })).partitions.keys()]
      : [run.partition];
  let printed = 0;
  const pageSize = () =>
    Math.min(
      client.server.limits.maxBatchMessages,
      (run.count ?? Number.POSITIVE_INFINITY) - printed,
    );
  /** Prints one message; true once nothing more is wanted. */
  const print = async (message: BrowsedMessage): Promise<boolean> => {
    if (run.raw) {
      await run.write(message.payload);
      await run.write(NEWLINE);
    } else await run.write(`${browseLine(message)}\n`);
    return ++printed === run.count || run.signal.aborted;
  };
  // Where each partition goes on with --follow: after its last message, else where it started.
  const positions = new Map<number, Start>();
  for (const partition of partitions) {
    if (printed === run.count) return;
    const from = await startOf(client, run, partition);
    positions.set(partition, from);
    const messages = client.stations.browseAll(run.station, partition, {
      from: from as BrowseFrom,
      maxMessages: pageSize(),
      signal: run.signal,
    });
    for await (const message of messages) {
      positions.set(partition, { offset: message.offset + 1 });
      if (await print(message)) return;
    }
  }
  while (run.follow && !run.signal.aborted) {
    let fresh = 0;
    for (const [partition, start] of positions) {
      const page = await client.stations.browse(run.station, partition, {
        ...(start === 'earliest' ? {} : start),
        maxMessages: pageSize(),
        signal: run.signal,
      });
      for (const message of page.messages) if (await print(message)) return;
      fresh += page.messages.length;
      if (page.messages.length > 0) positions.set(partition, { offset: page.next });
    }
    if (fresh === 0) await pause(POLL_MS, run.signal);
  }
}
