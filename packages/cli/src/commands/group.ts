/** `ferry group`: a station's consumer groups, created ahead of their consumers or removed. */

import type { GroupInfo } from '@ferry/node';
import { type Command, Option } from 'commander';
import { type GlobalOptions, withClient } from '../connection.js';
import { examples } from '../help.js';
import { integer, type Position, position, positive } from '../options.js';
import { fields, print, table } from '../output.js';

const COLUMNS = ['GROUP', 'MEMBERS', 'PENDING', 'LAG', 'DEAD LETTERS', 'ORDERING'];
const row = (g: GroupInfo) => [g.name, g.members, g.pending, g.lag, g.deadLetters, g.ordering];

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

  group
    .command('create')
    .summary('create a group that keeps every message from its start position')
    .addHelpText(
      'after',
      examples(
        'ferry group create orders billing --from earliest',
        'ferry group create orders shipping --ordering partition --max-deliveries 3',
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
    )
    .action(async (station: string, name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & {
          from?: Position;
          ackTimeoutMs?: number;
          maxDeliveries?: number;
          ordering?: 'none' | 'partition';
        }
      >();
      await withClient(options, async (client) => {
        const info = await client.groups.create(station, name, {
          ...(options.from === undefined ? {} : { start: options.from }),
          ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
          ...(options.maxDeliveries === undefined ? {} : { maxDeliveries: options.maxDeliveries }),
          ...(options.ordering === undefined ? {} : { ordering: options.ordering }),
        });
        print(options.json ? JSON.stringify(info) : `group ${info.name} created on ${station}`);
      });
    });

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
