/** `ferry broker`: the broker as a whole, as far as the principal sees it. */

import type { BrokerInfo } from '@ferry/node';
import type { Command } from 'commander';
import { type GlobalOptions, withClient } from '../connection.js';
import { examples } from '../help.js';
import { bytes, duration } from '../human.js';
import { fields, print } from '../output.js';

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function describeBroker(info: BrokerInfo): string {
  return fields([
    ['version', info.serverVersion],
    ['uptime', duration(info.now - info.startedAt)],
    ['stations', `${info.stations} (${count(info.partitions, 'partition')})`],
    ['groups', `${info.groups} (${count(info.members, 'member')})`],
    ['messages stored', `${info.storedMessages} (${bytes(info.storedBytes)})`],
    ['appended', info.appended],
    ['delivered since start', info.delivered],
    ['dead letters', info.deadLetters],
    // Absent is not zero: the broker counts them only for an admin of every station (INFO-1).
    ['connections', info.connections ?? 'hidden (needs admin on every station)'],
  ]);
}

export function register(program: Command): void {
  const broker = program.command('broker').summary('the broker as a whole');
  broker.addHelpText('after', examples('ferry broker info', 'ferry broker info --json'));

  broker
    .command('info')
    .summary('version, uptime and totals over the stations you may see')
    .description(
      "The broker's version and uptime, and totals over the stations this principal may see: " +
        'stations, groups, messages stored, appended and delivered, dead letters; open ' +
        'connections only for a principal that may administer every station.',
    )
    .addHelpText(
      'after',
      examples(
        'ferry broker info',
        'ferry broker info --json | jq .storedBytes',
        'ferry --context prod broker info',
      ),
    )
    .action(async (_: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await withClient(options, async (client) => {
        const info = await client.brokerInfo();
        print(options.json ? JSON.stringify(info) : describeBroker(info));
      });
    });
}
