/** `ferry group`: a station's consumer groups, created ahead of their consumers or removed. */

import type { GroupInfo, PushOptions } from '@ferry/node';
import { type Command, Option } from 'commander';
import { type GlobalOptions, withClient } from '../connection.js';
import { CliError } from '../exit-codes.js';
import { examples } from '../help.js';
import { integer, type Position, position, positive } from '../options.js';
import { fields, print, table } from '../output.js';

const COLUMNS = ['GROUP', 'MEMBERS', 'PENDING', 'LAG', 'DEAD LETTERS', 'ORDERING'];
const row = (g: GroupInfo) => [g.name, g.members, g.pending, g.lag, g.deadLetters, g.ordering];

interface PushFlags {
  pushUrl?: string;
  pushSecret?: string;
  pushBatchSize?: number;
  pushConcurrency?: number;
  pushTimeoutMs?: number;
}

/** The --push-* options of create and update; the secret also from FERRY_PUSH_SECRET, out of `ps`. */
function pushOptions(command: Command): Command {
  return command
    .option('--push-url <url>', 'POST the messages to this http(s) endpoint (the broker calls it)')
    .addOption(
      new Option(
        '--push-secret <secret>',
        'sign each request (Ferry-Signature); prefer the variable',
      ).env('FERRY_PUSH_SECRET'),
    )
    .option('--push-batch-size <n>', 'most messages per request (default 100)', positive)
    .option('--push-concurrency <n>', 'most requests in flight (default 4)', positive)
    .option(
      '--push-timeout-ms <ms>',
      'retry a request not answered in time (default 10000)',
      positive,
    );
}

/** The endpoint the flags give; the other --push-* flags need --push-url. */
function pushOf(flags: PushFlags): PushOptions | undefined {
  const { pushUrl, pushSecret, pushBatchSize, pushConcurrency, pushTimeoutMs } = flags;
  if (pushUrl === undefined) {
    if ([pushBatchSize, pushConcurrency, pushTimeoutMs].some((v) => v !== undefined))
      throw new CliError(
        '--push-batch-size, --push-concurrency and --push-timeout-ms need --push-url',
      );
    return undefined;
  }
  return {
    url: pushUrl,
    ...(pushSecret === undefined || pushSecret === '' ? {} : { secret: pushSecret }),
    ...(pushBatchSize === undefined ? {} : { batchSize: pushBatchSize }),
    ...(pushConcurrency === undefined ? {} : { concurrency: pushConcurrency }),
    ...(pushTimeoutMs === undefined ? {} : { timeoutMs: pushTimeoutMs }),
  };
}

const pushLine = (info: GroupInfo) =>
  info.push === undefined
    ? undefined
    : `${info.push.url} (batch ${info.push.batchSize}, concurrency ${info.push.concurrency}, timeout ${info.push.timeoutMs} ms, ${info.push.secret ? 'signed' : 'unsigned'})`;

export function register(program: Command): void {
  const group = program
    .command('group')
    .summary("list, inspect, create, delete a station's groups");
  group.addHelpText(
    'after',
    `
Examples:
  $ ferry group ls orders
  $ ferry group create orders billing --from earliest --max-deliveries 3
  $ ferry group update orders billing --push-url https://hooks.example.com/ferry
  $ ferry group info orders billing        # members, pending (in flight), lag, dead letters
  $ ferry group rm orders billing --force`,
  );

  group
    .command('ls')
    .summary("a station's groups with their members, pending, lag and dead letters")
    .addHelpText('after', examples('ferry group ls orders', 'ferry group ls orders --json'))
    .argument('<station>')
    .action(async (station: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await withClient(options, async (client) => {
        const all: GroupInfo[] = [];
        for await (const info of client.groups.list(station)) all.push(info);
        print(options.json ? JSON.stringify(all) : table(COLUMNS, all.map(row)));
      });
    });

  group
    .command('info')
    .summary("a group's members, pending count, lag, settings and per-partition cursors")
    .addHelpText(
      'after',
      examples(
        'ferry group info orders billing',
        'ferry group info orders billing --json | jq .lag',
      ),
    )
    .argument('<station>')
    .argument('<group>')
    .action(async (station: string, name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await withClient(options, async (client) => {
        const info = await client.groups.info(station, name);
        if (options.json) return print(JSON.stringify(info));
        print(
          fields([
            ['group', info.name],
            ['members', info.members],
            ['pending', info.pending],
            ['lag', info.lag],
            ['redeliveries', info.redeliveries],
            ['dead letters', info.deadLetters],
            ['ack timeout ms', info.ackTimeoutMs],
            ['max deliveries', info.maxDeliveries],
            ['ordering', info.ordering],
            ['push', pushLine(info)],
          ]),
        );
        if (info.partitions !== undefined && info.partitions.length > 0)
          print(
            `\n${table(
              ['PARTITION', 'CURSOR', 'LAG', 'IN FLIGHT'],
              info.partitions.map((p) => [p.partition, p.cursor, p.lag, p.inFlight]),
            )}`,
          );
      });
    });

  const create = group
    .command('create')
    .summary('create a group that keeps every message from its start position')
    .addHelpText(
      'after',
      examples(
        'ferry group create orders billing --from earliest',
        'ferry group create orders shipping --ordering partition --max-deliveries 3',
        'ferry group create orders hooks --push-url https://hooks.example.com/ferry  # secret: FERRY_PUSH_SECRET',
      ),
    )
    .argument('<station>')
    .argument('<group>')
    .option(
      '--from <position>',
      'earliest, latest (default), offset:N, lastN:N or time:<ISO 8601 date or ms>',
      position,
    )
    .option('--ack-timeout-ms <ms>', 'redeliver what is not settled in time', positive)
    .option('--max-deliveries <n>', 'then to the dead-letter store', positive)
    .addOption(
      new Option('--ordering <mode>', 'partition: one member at a time per partition').choices([
        'none',
        'partition',
      ]),
    );
  pushOptions(create).action(
    async (station: string, name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions &
          PushFlags & {
            from?: Position;
            ackTimeoutMs?: number;
            maxDeliveries?: number;
            ordering?: 'none' | 'partition';
          }
      >();
      const push = pushOf(options);
      await withClient(options, async (client) => {
        const info = await client.groups.create(station, name, {
          ...(options.from === undefined ? {} : { start: options.from }),
          ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
          ...(options.maxDeliveries === undefined ? {} : { maxDeliveries: options.maxDeliveries }),
          ...(options.ordering === undefined ? {} : { ordering: options.ordering }),
          ...(push === undefined ? {} : { push }),
        });
        print(options.json ? JSON.stringify(info) : `group ${info.name} created on ${station}`);
      });
    },
  );

  const update = group
    .command('update')
    .summary("set or remove a group's push endpoint, keeping its cursor")
    .addHelpText(
      'after',
      examples(
        'ferry group update orders billing --push-url https://hooks.example.com/ferry --push-concurrency 8',
        'ferry group update orders billing --remove-push',
      ),
    )
    .argument('<station>')
    .argument('<group>')
    .option('--remove-push', 'stop pushing (requests in flight are abandoned, then redelivered)');
  pushOptions(update).action(
    async (station: string, name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & PushFlags & { removePush?: boolean }
      >();
      const push = pushOf(options);
      if ((push === undefined) === (options.removePush !== true))
        throw new CliError('give either --push-url or --remove-push');
      await withClient(options, async (client) => {
        const info = await client.groups.update(station, name, { push: push ?? null });
        print(
          options.json
            ? JSON.stringify(info)
            : `group ${name}: ${push === undefined ? 'push removed' : `pushing to ${info.push?.url}`}`,
        );
      });
    },
  );

  group
    .command('seek')
    .summary("move a group's cursor back or forward: replay, or skip what is waiting")
    .addHelpText(
      'after',
      examples(
        'ferry group seek orders billing --to earliest',
        'ferry group seek orders billing --to offset:1200 --partition 2 --force',
        'ferry group seek orders billing --to time:2026-11-29T08:00:00Z',
      ),
    )
    .argument('<station>')
    .argument('<group>')
    .requiredOption(
      '--to <position>',
      'earliest, latest, offset:N, lastN:N or time:<ISO 8601 date or ms>',
      position,
    )
    .option('--partition <n>', 'only this partition (default: every one)', integer)
    .option('--force', 'seek even while members are subscribed (their subscriptions end)')
    .action(async (station: string, name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & { to: Position; partition?: number; force?: boolean }
      >();
      await withClient(options, async (client) => {
        const info = await client.groups.seek(station, name, options.to, {
          ...(options.partition === undefined ? {} : { partition: options.partition }),
          force: options.force === true,
        });
        print(options.json ? JSON.stringify(info) : `group ${name} moved: lag ${info.lag}`);
      });
    });

  group
    .command('rm')
    .summary("delete a group's cursor and pending state")
    .addHelpText(
      'after',
      examples('ferry group rm orders billing', 'ferry group rm orders billing --force'),
    )
    .argument('<station>')
    .argument('<group>')
    .option('--force', 'delete even while members are subscribed')
    .action(async (station: string, name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { force?: boolean }>();
      await withClient(options, async (client) => {
        await client.groups.delete(station, name, { force: options.force === true });
        print(options.json ? JSON.stringify({ deleted: name }) : `group ${name} deleted`);
      });
    });
}
