/** `ferry dls`: a station's dead-letter store: list, resend to the failing group, drop. */

import type { DeadLetterEntry } from '@ferry/node';
import type { Command } from 'commander';
import { type GlobalOptions, withClient } from '../connection.js';
import { examples } from '../help.js';
import { ids } from '../options.js';
import { payloadField, print, table } from '../output.js';

function entryJson(entry: DeadLetterEntry): Record<string, unknown> {
  const { payload, ...rest } = entry;
  return { ...rest, ...payloadField(payload) };
}

export function register(program: Command): void {
  const dls = program.command('dls').summary("a station's dead letters: list, resend, drop");
  dls.addHelpText(
    'after',
    `
Examples:
  $ ferry dls ls orders --group billing
  $ ferry dls resend orders 3 4     # back to the groups that failed them
  $ ferry dls drop orders 5`,
  );

  dls
    .command('ls')
    .summary('list dead-lettered messages')
    .addHelpText(
      'after',
      examples('ferry dls ls orders', 'ferry dls ls orders --group billing --json'),
    )
    .argument('<station>')
    .option('-g, --group <group>', 'only those of this group')
    .action(async (station: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { group?: string }>();
      await withClient(options, async (client) => {
        const entries: DeadLetterEntry[] = [];
        for await (const entry of client.deadLetters.list(
          station,
          options.group === undefined ? {} : { group: options.group },
        ))
          entries.push(entry);
        if (options.json) return print(JSON.stringify(entries.map(entryJson)));
        print(
          table(
            ['ID', 'GROUP', 'PARTITION', 'OFFSET', 'DELIVERIES', 'DEAD-LETTERED', 'REASON'],
            entries.map((e) => [
              e.id,
              e.group,
              e.partition,
              e.offset,
              e.deliveryCount,
              new Date(e.deadLetteredAt).toISOString(),
              e.reason,
            ]),
          ),
        );
      });
    });

  for (const [name, summary, verb] of [
    ['resend', 'deliver entries again to the groups that failed them', 'resent'],
    ['drop', 'remove entries from the store', 'dropped'],
  ] as const)
    dls
      .command(name)
      .summary(summary)
      .argument('<station>')
      .argument('<ids...>', 'entry ids, as dls ls shows them')
      .addHelpText(
        'after',
        examples(`ferry dls ${name} orders 3`, `ferry dls ${name} orders 3 4 5 --json`),
      )
      .action(async (station: string, values: string[], _: unknown, command: Command) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const entries = ids(values);
        await withClient(options, async (client) => {
          const count = await client.deadLetters[name](station, entries);
          print(options.json ? JSON.stringify({ [verb]: count }) : `${count} ${verb}`);
        });
      });
}
