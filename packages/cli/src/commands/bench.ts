/**
 * `ferry bench`: throughput and latency as the CLI's user sees them, through the public SDK.
 * pub measures awaited produce, sub a group reading what is stored, e2e both at once with
 * each message carrying its send time.
 */
import { type Client, FerryError } from '@ferry/node';
import type { Command } from 'commander';
import { Progress } from '../bench/progress.js';
import { figures, Latencies, type Run } from '../bench/stats.js';
import { type GlobalOptions, withClient } from '../connection.js';
import { CliError } from '../exit-codes.js';
import { examples } from '../help.js';
import { positive } from '../options.js';
import { print, table } from '../output.js';

interface BenchOptions extends GlobalOptions {
  messages: number;
  size: number;
  window: number;
  group?: string;
  progress?: boolean;
}

const now = () => performance.now();

/** e2e stamps each payload with its send time, a float64. */
const STAMP_BYTES = 8;

/** The station must exist before a consumer subscribes to it; an existing one is left alone. */
async function ensureStation(client: Client, station: string): Promise<void> {
  try {
    await client.stations.info(station);
  } catch (error) {
    if (!(error instanceof FerryError && error.code === 'STATION_NOT_FOUND')) throw error;
    await client.stations.create(station);
  }
}

/** Produces `--messages` messages, `--window` awaiting their ack at most; `stamp` may write into each. */
async function produceAll(
  client: Client,
  station: string,
  options: BenchOptions,
  onAck: (sentAt: number) => void,
  stamp?: (bytes: Uint8Array, sentAt: number) => void,
): Promise<void> {
  const producer = client.producer(station, { maxInFlight: options.window });
  const window: Promise<void>[] = [];
  const template = new Uint8Array(options.size).fill(120);
  for (let i = 0; i < options.messages; i++) {
    const bytes = stamp === undefined ? template : template.slice();
    const sentAt = now();
    stamp?.(bytes, sentAt);
    const acked = producer.produce(bytes).then(() => onAck(sentAt));
    // A failure is thrown when its turn in the window comes, not as an unhandled rejection.
    acked.catch(() => {});
    window.push(acked);
    if (window.length >= options.window) await window.shift();
  }
  await Promise.all(window);
  await producer.close();
}

/** Subscribes as a member of `group`; `finished` settles once `--messages` were read and acked. */
async function consumeAll(
  client: Client,
  station: string,
  group: string,
  options: BenchOptions,
  start: 'earliest' | 'latest',
  onMessage: (payload: Uint8Array) => void,
): Promise<{ finished: Promise<void> }> {
  const consumer = await client.consume(station, { group, start });
  let received = 0;
  const finished = (async () => {
    for await (const message of consumer) {
      onMessage(message.payload);
      void message.ack();
      if (++received === options.messages) break;
    }
  })();
  return { finished };
}

function report(run: Run, options: BenchOptions): void {
  const r = figures(run);
  if (options.json) {
    print(JSON.stringify(r));
    return;
  }
  const ms = (value: number | undefined) => (value === undefined ? undefined : value.toFixed(2));
  print(
    table(
      ['TEST', 'MESSAGES', 'SECONDS', 'MSGS/S', 'MB/S', 'P50 MS', 'P99 MS', 'P99.9 MS'],
      [
        [
          r.test,
          r.messages,
          r.seconds.toFixed(2),
          Math.round(r.msgsPerSecond),
          r.mbPerSecond.toFixed(2),
          ms(r.p50Ms),
          ms(r.p99Ms),
          ms(r.p999Ms),
        ],
      ],
    ),
  );
}

async function pub(client: Client, station: string, options: BenchOptions, live: boolean) {
  const latencies = new Latencies(options.messages);
  let acked = 0;
  const progress = new Progress('pub', options.messages, () => acked, live);
  const started = now();
  await produceAll(client, station, options, (sentAt) => {
    latencies.record(now() - sentAt);
    acked++;
  });
  const seconds = (now() - started) / 1000;
  progress.stop();
  return { test: 'pub', messages: acked, bytes: acked * options.size, seconds, latencies };
}

async function sub(client: Client, station: string, options: BenchOptions, live: boolean) {
  const group = options.group ?? `bench-${Date.now()}`;
  let received = 0;
  let bytes = 0;
  const started = now();
  const progress = new Progress('sub', options.messages, () => received, live);
  const { finished } = await consumeAll(client, station, group, options, 'earliest', (p) => {
    received++;
    bytes += p.byteLength;
  });
  await finished;
  const seconds = (now() - started) / 1000;
  progress.stop();
  if (options.group === undefined) await client.groups.delete(station, group, { force: true });
  return { test: 'sub', messages: received, bytes, seconds };
}

async function e2e(client: Client, station: string, options: BenchOptions, live: boolean) {
  await ensureStation(client, station);
  const group = `bench-${Date.now()}`;
  const latencies = new Latencies(options.messages);
  let received = 0;
  const progress = new Progress('e2e', options.messages, () => received, live);
  // The consumer is subscribed before the first send, from latest: it sees exactly this run.
  const { finished } = await consumeAll(client, station, group, options, 'latest', (p) => {
    latencies.record(now() - new DataView(p.buffer, p.byteOffset, STAMP_BYTES).getFloat64(0));
    received++;
  });
  const started = now();
  await produceAll(
    client,
    station,
    options,
    () => {},
    (bytes, sentAt) => new DataView(bytes.buffer).setFloat64(0, sentAt),
  );
  await finished;
  const seconds = (now() - started) / 1000;
  progress.stop();
  await client.groups.delete(station, group, { force: true });
  return { test: 'e2e', messages: received, bytes: received * options.size, seconds, latencies };
}

export function register(program: Command): void {
  const bench = program
    .command('bench')
    .summary('measure publish, subscribe and end-to-end throughput and latency');
  bench.addHelpText(
    'after',
    `
A live progress line goes to stderr on a terminal (--progress forces it); the final table
(msgs/s, MB/s and, for pub and e2e, latency percentiles) goes to stdout, or JSON with --json.

Examples:
  $ ferry bench pub bench --messages 100000 --size 128
  $ ferry bench sub bench --messages 100000          # reads what bench pub stored
  $ ferry bench e2e bench --messages 50000 --json`,
  );

  for (const [name, summary, run] of [
    ['pub', 'awaited produce; latency is the ack time', pub],
    ['sub', 'read N stored messages with a new group (removed after)', sub],
    ['e2e', 'produce and consume at once; latency is send to receive', e2e],
  ] as const) {
    const command = bench
      .command(name)
      .summary(summary)
      .argument('<station>')
      .addHelpText(
        'after',
        examples(
          `ferry bench ${name} bench -n 100000`,
          `ferry bench ${name} bench -n 10000 --json`,
        ),
      )
      .option('-n, --messages <n>', 'messages to send or read', positive, 100_000)
      .option('--progress', 'draw the progress line even when stderr is not a terminal')
      .action(async (station: string, _: unknown, self: Command) => {
        const options = self.optsWithGlobals<BenchOptions>();
        if (name === 'e2e' && options.size < STAMP_BYTES)
          throw new CliError(`bench e2e needs --size ${STAMP_BYTES} or more`);
        const live = options.progress === true || process.stderr.isTTY === true;
        await withClient(options, async (client) =>
          report(await run(client, station, options, live), options),
        );
      });
    if (name === 'sub') command.option('-g, --group <group>', 'read as this group (kept after)');
    else
      command
        .option('--size <bytes>', 'payload size (at least 8 for e2e)', positive, 128)
        .option('--window <n>', 'messages awaiting their ack at once', positive, 1000);
  }
}
