/**
 * `ferry sub`: a group member that prints what it receives. It acks (or nacks) a message only
 * once its line has been handed to stdout, so a reader that goes away (`| head -1`) or a Ctrl-C
 * leaves the rest to be redelivered rather than lost.
 */

import type { Client, Consumer, Message } from '@ferry/node';
import { type Command, Option } from 'commander';
import { browsePartitions } from '../browse.js';
import { type GlobalOptions, withClient } from '../connection.js';
import { CliError, EXIT } from '../exit-codes.js';
import { integer, type Position, position, positive } from '../options.js';
import { payloadField } from '../output.js';

interface SubOptions extends GlobalOptions {
  group?: string;
  /** False with --no-ack: browse without a group. */
  ack: boolean;
  partition?: number;
  follow?: boolean;
  from?: Position;
  count?: number;
  untilEnd?: boolean;
  nack?: boolean;
  raw?: boolean;
  prefetch: number;
}

const POLL_MS = 200;
const NEWLINE = new Uint8Array([10]);

function messageLine(message: Message): string {
  return JSON.stringify({
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    deliveryCount: message.deliveryCount,
    key: message.key,
    msgId: message.msgId,
    headers: message.headers,
    ...payloadField(message.payload),
  });
}

/** Resolves once stdout took the chunk; rejects with EPIPE when the reader has gone. */
function write(chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(chunk, (error) => (error ? reject(error) : resolve())),
  );
}

/** Stops the consumer once the group has nothing left: no lag, nothing delivered unsettled. */
async function stopAtEnd(
  client: Client,
  consumer: Consumer,
  options: SubOptions & { group: string },
  station: string,
) {
  const finished = consumer.closed();
  for (;;) {
    const stopped = await Promise.race([
      finished.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), POLL_MS)),
    ]);
    if (stopped) return;
    const info = await client.groups.info(station, options.group);
    if (info.lag === 0 && info.pending === 0) {
      await consumer.stop();
      return;
    }
  }
}

export function register(program: Command): void {
  program
    .command('sub')
    .summary('receive messages as a member of a consumer group')
    .description(
      'Joins GROUP on STATION (creating the group if it does not exist) and prints each message\n' +
        'as one JSON line (partition, offset, timestamp, deliveryCount, key, msgId, headers,\n' +
        'and payload as UTF-8 text, or payloadBase64 when it is not valid UTF-8), or with --raw\n' +
        'the payload alone followed by a newline. Each message is acked once printed (--nack\n' +
        'sends it back for redelivery instead). Ctrl-C stops cleanly (exit 130); a closed\n' +
        'stdout (| head) stops cleanly too (exit 0).\n\n' +
        'With --no-ack it joins no group: it browses each partition (or --partition N) from\n' +
        '--from (default earliest) to the end the partition had when reading it began, one\n' +
        'partition after the other, prints the same lines without deliveryCount, and changes\n' +
        'no group. It waits for no new messages, unless --follow: then it polls every\n' +
        'partition for what is appended until Ctrl-C or --count.',
    )
    .argument('<station>', 'station to read')
    .option('-g, --group <group>', 'consumer group to join (required unless --no-ack)')
    .option('--no-ack', 'browse without a group: read to the end, ack nothing, move no group')
    .option('-p, --partition <n>', 'with --no-ack: only this partition', integer)
    .option('--follow', 'with --no-ack: after the end, keep printing new messages (Ctrl-C stops)')
    .option(
      '--from <position>',
      'earliest, latest, offset:N, lastN:N or time:<ISO 8601 date or ms>: where the group\n' +
        'starts if this creates it (default latest; an existing group resumes where it is),\n' +
        'or with --no-ack where each partition is read from (default earliest)',
      position,
    )
    .option('-n, --count <n>', 'stop after N messages', positive)
    .addOption(
      new Option(
        '--until-end',
        'stop once the group has caught up (lag 0, nothing in flight)',
      ).conflicts('nack'),
    )
    .option('--nack', 'nack every message instead of acking it')
    .option('--raw', 'print payloads only, one per line')
    .option('--prefetch <n>', 'messages delivered and not yet settled at most', positive, 1000)
    .addHelpText(
      'after',
      `
Examples:
  $ ferry sub orders --group billing --from earliest
  $ ferry sub orders -g billing --from earliest --count 10 --raw
  $ ferry sub orders -g audit --from lastN:5 --until-end | jq .payload
  $ ferry sub orders -g replay --from time:2026-11-29T08:00:00Z --until-end
  $ ferry sub orders -g billing | head -1
  $ ferry sub orders --no-ack --count 20
  $ ferry sub orders --no-ack --partition 1 --from offset:40 --raw
  $ ferry sub orders --no-ack --from time:2026-11-29T18:00:00Z | jq .payload
  $ ferry sub orders --no-ack --from lastN:10 --follow`,
    )
    .action(async (station: string, _: unknown, command: Command) => {
      const all = command.optsWithGlobals<SubOptions>();
      if (!all.ack) return browse(station, all, command);
      const { group, from } = all;
      if (group === undefined)
        throw new CliError("required option '-g, --group <group>' not specified (or --no-ack)");
      if (all.partition !== undefined) throw new CliError('--partition needs --no-ack');
      if (all.follow === true) throw new CliError('--follow needs --no-ack');
      const options = { ...all, group, from };
      let exitCode: number = EXIT.ok;
      let failure: unknown;
      await withClient(options, async (client) => {
        const consumer = await client.consume(station, {
          group: options.group,
          ...(options.from === undefined ? {} : { start: options.from }),
          // Asking for more than --count only earns the rest a needless redelivery.
          prefetch: Math.min(options.prefetch, options.count ?? options.prefetch),
          onError: (error) => {
            failure ??= error;
          },
        });
        const stop = (code: number) => {
          exitCode = code;
          void consumer.stop();
        };
        const onSignal = (signal: NodeJS.Signals) => {
          const code = signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
          // A second signal does not wait for the settlements.
          process.once(signal, () => process.exit(code));
          stop(code);
        };
        const onStdoutError = (error: NodeJS.ErrnoException) => {
          if (error.code === 'EPIPE') stop(EXIT.ok);
          else failure ??= error;
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        process.stdout.on('error', onStdoutError);
        const watcher = options.untilEnd
          ? stopAtEnd(client, consumer, options, station).catch((error: unknown) => {
              failure ??= error;
              void consumer.stop();
            })
          : undefined;
        let received = 0;
        try {
          for await (const message of consumer) {
            try {
              if (options.raw) {
                await write(message.payload);
                await write(NEWLINE);
              } else await write(`${messageLine(message)}\n`);
            } catch (error) {
              onStdoutError(error as NodeJS.ErrnoException);
              break;
            }
            void (options.nack ? message.nack() : message.ack());
            if (++received === options.count) break;
          }
          await consumer.stop();
          await watcher;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
      if (failure !== undefined) throw failure;
      process.exitCode = exitCode;
    });
}

/** `sub --no-ack`: browse, with the same stops as a group member (Ctrl-C, SIGTERM, | head). */
async function browse(station: string, options: SubOptions, command: Command): Promise<void> {
  const groupOnly: [string, boolean][] = [
    ['--group', options.group !== undefined],
    ['--nack', options.nack === true],
    ['--until-end', options.untilEnd === true],
    ['--prefetch', command.getOptionValueSource('prefetch') === 'cli'],
  ];
  for (const [flag, given] of groupOnly)
    if (given) throw new CliError(`${flag} does not apply with --no-ack, which uses no group`);
  let exitCode: number = EXIT.ok;
  const abort = new AbortController();
  const stop = (code: number) => {
    exitCode = code;
    abort.abort();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
    process.once(signal, () => process.exit(code));
    stop(code);
  };
  const writeOrStop = async (chunk: string | Uint8Array) => {
    try {
      await write(chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') stop(EXIT.ok);
      throw error;
    }
  };
  // A closed stdout also emits 'error'; the failed write above handles it.
  const ignore = () => {};
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stdout.on('error', ignore);
  try {
    await withClient(options, (client) =>
      browsePartitions(client, {
        station,
        ...(options.partition === undefined ? {} : { partition: options.partition }),
        ...(options.from === undefined ? {} : { from: options.from }),
        ...(options.count === undefined ? {} : { count: options.count }),
        raw: options.raw === true,
        follow: options.follow === true,
        signal: abort.signal,
        write: writeOrStop,
      }),
    );
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.exitCode = exitCode;
}
