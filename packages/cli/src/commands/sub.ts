/**
 * `ferry sub`: a group member that prints what it receives. It acks (or nacks) a message only
 * once its line has been handed to stdout, so a reader that goes away (`| head -1`) or a Ctrl-C
 * leaves the rest to be redelivered rather than lost.
 */

import type { Client, Consumer, Message } from '@ferry/node';
import { type Command, Option } from 'commander';
import { type GlobalOptions, withClient } from '../connection.js';
import { EXIT } from '../exit-codes.js';
import { positive, start } from '../options.js';
import { payloadField } from '../output.js';

interface SubOptions extends GlobalOptions {
  group: string;
  from?: ReturnType<typeof start>;
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
async function stopAtEnd(client: Client, consumer: Consumer, options: SubOptions, station: string) {
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
        'stdout (| head) stops cleanly too (exit 0).',
    )
    .argument('<station>', 'station to read')
    .requiredOption('-g, --group <group>', 'consumer group to join')
    .option(
      '--from <position>',
      'where the group starts if this creates it (an existing group resumes where it is):\n' +
        'earliest, latest (default), offset:N, lastN:N',
      start,
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
  $ ferry sub orders -g billing | head -1`,
    )
    .action(async (station: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<SubOptions>();
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
