/** The `ferry` program: global connection options, then one module per command group. */
import { Command, Option } from 'commander';
import { register as bench } from './commands/bench.js';
import { register as broker } from './commands/broker.js';
import { register as context } from './commands/context.js';
import { register as dls } from './commands/dls.js';
import { register as group } from './commands/group.js';
import { register as health } from './commands/health.js';
import { register as pub } from './commands/pub.js';
import { register as schema } from './commands/schema.js';
import { register as station } from './commands/station.js';
import { register as sub } from './commands/sub.js';
import { positive } from './options.js';

export const EXIT_CODES_HELP = `
Exit codes:
  0    ok
  1    usage: bad arguments or options, unknown context
  2    connection: broker unreachable, connection lost, timed out
  3    not found: station, group, dead letter, schema
  4    auth: credentials refused, not authorized
  5    refused: exists, in use, invalid name, settings or schema, over a limit
  6    other server error, or (health) a broker that is not ready
  130  interrupted (Ctrl-C); 143 on SIGTERM

Environment:
  FERRY_URL, FERRY_HTTP_URL, FERRY_TOKEN, FERRY_USERNAME, FERRY_PASSWORD, FERRY_CONTEXT
  stand in for the flags of the same names; flags win, then variables, then the context.`;

export function program(version: string): Command {
  const ferry = new Command('ferry')
    .description('Publish, subscribe and administer a Ferry broker from a terminal.')
    .version(version)
    .option('-s, --server <url>', 'broker URL (default ferry://127.0.0.1:6666)')
    .option(
      '--http-url <url>',
      "broker's HTTP base URL, for health (default http://127.0.0.1:9000)",
    )
    .option('--token <token>', 'token credential')
    .option('--username <name>', 'username credential')
    .addOption(new Option('--password <password>', 'password credential (prefer FERRY_PASSWORD)'))
    .option('--context <name>', 'use this saved context instead of the current one')
    .option('--timeout <ms>', 'connect and request timeout', positive)
    .option('--json', 'machine-readable output')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);
  for (const register of [pub, sub, station, schema, group, dls, broker, health, context, bench])
    register(ferry);
  return ferry;
}
