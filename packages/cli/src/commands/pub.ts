/** `ferry pub`: messages from an argument or from stdin's lines, acks awaited through a window. */
import { createInterface } from 'node:readline';
import type { ProduceAck, ProduceOptions } from '@ferry/node';
import type { Command } from 'commander';
import { type GlobalOptions, withClient } from '../connection.js';
import { header, integer, positive } from '../options.js';
import { print } from '../output.js';

interface PubOptions extends GlobalOptions {
  key?: string;
  header?: Record<string, string>;
  msgId?: string;
  partition?: number;
  count: number;
  window: number;
}

/** The messages to send; `stop()` ends the stream early, even while stdin is quiet. */
function messages(message: string | undefined, count: number) {
  if (message === undefined) {
    const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
    return { source: lines, stop: () => lines.close() };
  }
  let stopped = false;
  async function* repeated() {
    for (let i = 0; i < count && !stopped; i++) yield message as string;
  }
  return {
    source: repeated(),
    stop: () => {
      stopped = true;
    },
  };
}

export function register(program: Command): void {
  program
    .command('pub')
    .summary('publish messages to a station')
    .description(
      'Publishes MESSAGE (--count times), or else one message per line of stdin. Each message\n' +
        'is awaited until the broker has stored it; up to --window are in flight at once.',
    )
    .argument('<station>', 'station to publish to')
    .argument('[message]', 'the message text; without it, one message per line of stdin')
    .option('-k, --key <key>', 'message key (picks the partition by hash)')
    .option('-H, --header <key=value>', 'a header, repeatable', header)
    .option('--msg-id <id>', 'idempotency id; with several messages, each gets <id>-1, <id>-2, ...')
    .option('-p, --partition <n>', 'explicit partition (overrides --key)', integer)
    .option('-n, --count <n>', 'publish MESSAGE this many times', positive, 1)
    .option('--window <n>', 'messages awaiting their ack at once', positive, 1000)
    .addHelpText(
      'after',
      `
Examples:
  $ ferry pub orders 'hello'
  $ ferry pub orders '{"id":1}' --key customer-7 -H source=cli --json
  $ seq 1 1000 | ferry pub orders
  $ ferry pub orders tick --count 100 --partition 0`,
    )
    .action(async (station: string, message: string | undefined, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<PubOptions>();
      await withClient(options, async (client) => {
        const producer = client.producer(station, { maxInFlight: options.window });
        const encoder = new TextEncoder();
        const several = message === undefined || options.count > 1;
        const input = messages(message, options.count);
        let sent = 0;
        let duplicates = 0;
        let failure: unknown;
        // One link per message, resolved in produce order: acks print as they arrive (a slow
        // `tail -f` source sees each one at once), and awaiting the oldest link bounds the window.
        const window: Promise<void>[] = [];
        let previous: Promise<void> = Promise.resolve();
        const report = (ack: ProduceAck) => {
          if (ack.duplicate) duplicates++;
          if (options.json)
            print(
              JSON.stringify({
                partition: ack.partition,
                offset: ack.offset,
                duplicate: ack.duplicate,
              }),
            );
        };
        for await (const text of input.source) {
          sent++;
          const produceOptions: ProduceOptions = {
            ...(options.key === undefined ? {} : { key: options.key }),
            ...(options.header === undefined ? {} : { headers: options.header }),
            ...(options.partition === undefined ? {} : { partition: options.partition }),
            ...(options.msgId === undefined
              ? {}
              : { msgId: several ? `${options.msgId}-${sent}` : options.msgId }),
          };
          const ack = producer.produce(encoder.encode(text), produceOptions);
          // The first failure stops reading: the command fails now, not when stdin ends.
          const settled = ack.then(
            (result) => () => {
              if (failure === undefined) report(result);
            },
            (error: unknown) => () => {
              failure ??= error;
              input.stop();
            },
          );
          previous = previous.then(async () => (await settled)());
          window.push(previous);
          if (window.length >= options.window) await window.shift();
        }
        await previous;
        if (failure !== undefined) throw failure;
        if (!options.json)
          process.stderr.write(
            `published ${sent} message${sent === 1 ? '' : 's'} to ${station}` +
              `${duplicates > 0 ? ` (${duplicates} duplicate)` : ''}\n`,
          );
      });
    });
}
