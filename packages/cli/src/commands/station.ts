/** `ferry station`: list, inspect, create, change and delete stations. */

import type { StationConfig, StationInfo } from '@ferry/node';
import { type Command, Option } from 'commander';
import { type GlobalOptions, withClient } from '../connection.js';
import { examples } from '../help.js';
import { integer, positive } from '../options.js';
import { fields, print, table } from '../output.js';

interface ConfigOptions extends GlobalOptions {
  partitions?: number;
  maxAgeMs?: number;
  maxMessages?: number;
  maxBytes?: number;
  storage?: 'file' | 'memory';
  durability?: 'always' | 'interval' | 'never' | 'memory';
  ackTimeoutMs?: number;
  maxDeliveries?: number;
  dedupWindowMs?: number;
  deadLetter?: boolean;
}

/** Only the settings given on the command line, so that `edit` changes nothing else. */
export function stationConfig(options: ConfigOptions): StationConfig {
  const retention = {
    ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }),
    ...(options.maxMessages === undefined ? {} : { maxMessages: options.maxMessages }),
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
  };
  return {
    ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
    ...(Object.keys(retention).length === 0 ? {} : { retention }),
    ...(options.storage === undefined ? {} : { storage: options.storage }),
    ...(options.durability === undefined ? {} : { durability: options.durability }),
    ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
    ...(options.maxDeliveries === undefined ? {} : { maxDeliveries: options.maxDeliveries }),
    ...(options.dedupWindowMs === undefined ? {} : { dedupWindowMs: options.dedupWindowMs }),
    ...(options.deadLetter === undefined ? {} : { deadLetter: { enabled: options.deadLetter } }),
  };
}

function messages(info: StationInfo): number {
  return info.partitions.reduce((sum, p) => sum + (p.nextOffset - p.firstOffset), 0);
}

function bytes(info: StationInfo): number {
  return info.partitions.reduce((sum, p) => sum + p.bytes, 0);
}

function describeStation(info: StationInfo): string {
  const { config } = info;
  return [
    fields([
      ['name', info.name],
      ['created', new Date(info.createdAt).toISOString()],
      ['partitions', info.partitions.length],
      ['messages', messages(info)],
      ['bytes', bytes(info)],
      ['dead letters', info.deadLetters],
      ['storage', config.storage],
      ['durability', config.durability],
      ['retention', JSON.stringify(config.retention ?? {})],
      ['ack timeout ms', config.ackTimeoutMs],
      ['max deliveries', config.maxDeliveries],
      ['dedup window ms', config.dedupWindowMs],
    ]),
    '',
    table(
      ['PARTITION', 'FIRST', 'NEXT', 'BYTES'],
      info.partitions.map((p) => [p.partition, p.firstOffset, p.nextOffset, p.bytes]),
    ),
    '',
    info.groups.length === 0
      ? 'no groups'
      : table(
          ['GROUP', 'MEMBERS', 'PENDING', 'LAG'],
          info.groups.map((g) => [g.name, g.members, g.pending, g.lag]),
        ),
  ].join('\n');
}

function configOptions(command: Command, creating: boolean): Command {
  if (creating)
    command
      .option('--partitions <n>', 'partitions (fixed once created)', positive)
      .addOption(
        new Option('--storage <kind>', 'where messages are kept').choices(['file', 'memory']),
      )
      .addOption(
        new Option('--durability <mode>', 'when a produce is acked').choices([
          'always',
          'interval',
          'never',
          'memory',
        ]),
      );
  return command
    .option('--max-age-ms <ms>', 'retention: drop messages older than this', integer)
    .option('--max-messages <n>', 'retention: keep at most this many messages', integer)
    .option('--max-bytes <n>', 'retention: keep at most this many bytes', integer)
    .option('--ack-timeout-ms <ms>', 'default for new groups: redeliver after this', positive)
    .option('--max-deliveries <n>', 'default for new groups: then dead-letter', positive)
    .option('--dedup-window-ms <ms>', 'how long a msgId is remembered', integer)
    .option('--dead-letter', 'keep messages that failed too often')
    .option('--no-dead-letter', 'drop messages that failed too often');
}

export function register(program: Command): void {
  const station = program
    .command('station')
    .summary('list, inspect, create, edit, delete stations');
  station.addHelpText(
    'after',
    `
Examples:
  $ ferry station ls --prefix ord
  $ ferry station create orders --partitions 4 --max-age-ms 604800000
  $ ferry station info orders --json
  $ ferry station edit orders --max-deliveries 10
  $ ferry station rm orders`,
  );

  station
    .command('ls')
    .summary('list stations')
    .addHelpText('after', examples('ferry station ls', 'ferry station ls --prefix ord --json'))
    .option('--prefix <prefix>', 'only stations whose name starts with this')
    .action(async (_: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { prefix?: string }>();
      await withClient(options, async (client) => {
        const all: StationInfo[] = [];
        for await (const info of client.stations.list(
          options.prefix === undefined ? {} : { prefix: options.prefix },
        ))
          all.push(info);
        if (options.json) return print(JSON.stringify(all));
        print(
          table(
            ['NAME', 'PARTITIONS', 'MESSAGES', 'BYTES', 'GROUPS', 'DEAD LETTERS'],
            all.map((s) => [
              s.name,
              s.partitions.length,
              messages(s),
              bytes(s),
              s.groups.length,
              s.deadLetters,
            ]),
          ),
        );
      });
    });

  station
    .command('info')
    .summary("a station's settings, partitions and groups")
    .addHelpText('after', examples('ferry station info orders', 'ferry station info orders --json'))
    .argument('<station>')
    .action(async (name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await withClient(options, async (client) => {
        const info = await client.stations.info(name);
        print(options.json ? JSON.stringify(info) : describeStation(info));
      });
    });

  configOptions(
    station
      .command('create')
      .summary('create a station (a no-op if it exists with the same settings)'),
    true,
  )
    .argument('<station>')
    .addHelpText(
      'after',
      examples(
        'ferry station create orders --partitions 4',
        'ferry station create audit --max-age-ms 604800000 --durability interval',
      ),
    )
    .action(async (name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<ConfigOptions>();
      await withClient(options, async (client) => {
        const config = stationConfig(options);
        const info = await client.stations.create(
          name,
          Object.keys(config).length === 0 ? undefined : config,
        );
        print(options.json ? JSON.stringify(info) : `station ${info.name} created`);
      });
    });

  configOptions(station.command('edit').summary('change the settings that may change'), false)
    .argument('<station>')
    .addHelpText(
      'after',
      examples(
        'ferry station edit orders --max-deliveries 10',
        'ferry station edit orders --no-dead-letter',
      ),
    )
    .action(async (name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<ConfigOptions>();
      await withClient(options, async (client) => {
        const info = await client.stations.update(name, stationConfig(options));
        print(options.json ? JSON.stringify(info) : `station ${info.name} updated`);
      });
    });

  station
    .command('purge')
    .summary('drop the messages of a station, or of one partition, below an offset or all of them')
    .addHelpText(
      'after',
      examples(
        'ferry station purge orders',
        'ferry station purge orders --partition 2 --below 1000',
      ),
    )
    .argument('<station>')
    .option('--partition <n>', 'only this partition', integer)
    .option('--below <offset>', 'only the messages below this offset', integer)
    .action(async (name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & { partition?: number; below?: number }
      >();
      await withClient(options, async (client) => {
        const purge: { partition?: number; below?: number } = {};
        if (options.partition !== undefined) purge.partition = options.partition;
        if (options.below !== undefined) purge.below = options.below;
        const dropped = await client.stations.purge(name, purge);
        print(
          options.json
            ? JSON.stringify({ station: name, dropped })
            : `station ${name}: ${dropped} messages dropped`,
        );
      });
    });

  station
    .command('rm')
    .summary('delete a station with its messages, groups and dead letters')
    .addHelpText('after', examples('ferry station rm orders'))
    .argument('<station>')
    .action(async (name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await withClient(options, async (client) => {
        await client.stations.delete(name);
        print(options.json ? JSON.stringify({ deleted: name }) : `station ${name} deleted`);
      });
    });
}
