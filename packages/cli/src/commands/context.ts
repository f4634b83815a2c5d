/** `ferry context`: named servers and their credentials, so that commands need no flags. */
import type { Command } from 'commander';
import type { GlobalOptions } from '../connection.js';
import { type Context, contextsPath, readContexts, writeContexts } from '../contexts.js';
import { CliError } from '../exit-codes.js';
import { examples } from '../help.js';
import { print, table } from '../output.js';

export function register(program: Command): void {
  const context = program
    .command('context')
    .summary('named servers and credentials, stored 0600 in the config directory')
    .description(
      `Contexts live in ${contextsPath()} ($XDG_CONFIG_HOME/ferry/contexts.json,\n` +
        'else ~/.config/ferry/contexts.json), readable by you alone. The current context is\n' +
        'used when neither --server nor FERRY_URL is given; --context NAME or FERRY_CONTEXT\n' +
        'picks another. Flags and FERRY_* variables override what a context holds.',
    );
  context.addHelpText(
    'after',
    `
Examples:
  $ ferry context add local --server ferry://127.0.0.1:6666 --use
  $ ferry context add prod --server ferrys://broker.example:6666 --token "$TOKEN" --http-url https://broker.example:9000
  $ ferry context use prod
  $ ferry context ls
  $ ferry context rm prod`,
  );

  // The context's server and credentials are the global flags (--server, --token, ...): here
  // they say what to save rather than where to connect.
  context
    .command('add')
    .summary('save a context from --server, --http-url, --token or --username/--password')
    .argument('<name>')
    .option('--use', 'make it the current context')
    .addHelpText(
      'after',
      examples(
        'ferry context add local --server ferry://127.0.0.1:6666 --use',
        'ferry context add prod --server ferrys://broker.example:6666 --token "$TOKEN"',
      ),
    )
    .action((name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { use?: boolean }>();
      if (options.server === undefined) throw new CliError('context add needs --server <url>');
      const saved: Context = { server: options.server };
      if (options.httpUrl !== undefined) saved.httpUrl = options.httpUrl;
      if (options.token !== undefined) saved.token = options.token;
      if (options.username !== undefined) saved.username = options.username;
      if (options.password !== undefined) saved.password = options.password;
      const file = readContexts();
      file.contexts[name] = saved;
      if (options.use || file.current === undefined) file.current = name;
      writeContexts(file);
      if (!options.json) print(`context ${name} saved`);
    });

  context
    .command('use')
    .summary('make a context the current one')
    .addHelpText('after', examples('ferry context use prod'))
    .argument('<name>')
    .action((name: string) => {
      const file = readContexts();
      if (file.contexts[name] === undefined) throw new CliError(`no context named ${name}`);
      writeContexts({ ...file, current: name });
    });

  context
    .command('ls')
    .summary('list contexts (credentials are not shown)')
    .addHelpText('after', examples('ferry context ls', 'ferry context ls --json'))
    .action((_: unknown, command: Command) => {
      const file = readContexts();
      const rows = Object.entries(file.contexts).map(([name, c]) => ({
        name,
        current: name === file.current,
        server: c.server,
        httpUrl: c.httpUrl,
        auth: c.token !== undefined ? 'token' : c.username !== undefined ? 'password' : 'none',
      }));
      if (command.optsWithGlobals<GlobalOptions>().json) return print(JSON.stringify(rows));
      print(
        table(
          ['', 'NAME', 'SERVER', 'HTTP', 'AUTH'],
          rows.map((r) => [r.current ? '*' : '', r.name, r.server, r.httpUrl, r.auth]),
        ),
      );
    });

  context
    .command('rm')
    .summary('delete a context')
    .addHelpText('after', examples('ferry context rm prod'))
    .argument('<name>')
    .action((name: string) => {
      const file = readContexts();
      if (file.contexts[name] === undefined) throw new CliError(`no context named ${name}`);
      delete file.contexts[name];
      if (file.current === name) delete file.current;
      writeContexts(file);
    });
}
