/** `ferry health`: the broker's readiness, for scripts and orchestrators. */
import type { Command } from 'commander';
import { type GlobalOptions, resolveTarget } from '../connection.js';
import { CliError, EXIT } from '../exit-codes.js';
import { print } from '../output.js';

export function register(program: Command): void {
  program
    .command('health')
    .summary("exit 0 when the broker's /readyz answers 200")
    .description(
      "Asks the broker's HTTP port for /readyz. Exit 0 when ready, 2 when the broker cannot\n" +
        'be reached, 6 when it answers but is not ready (starting, or shutting down).',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ ferry health
  $ ferry health --http-url http://broker.internal:9000 --json
  $ until ferry health; do sleep 1; done`,
    )
    .action(async (_: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { httpUrl } = resolveTarget(options);
      const url = new URL('/readyz', httpUrl);
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(options.timeout ?? 10_000) });
      } catch (error) {
        throw new CliError(`${url} unreachable: ${(error as Error).message}`, EXIT.connection);
      }
      const body = (await response.text()).trim();
      const ready = response.status === 200;
      print(
        options.json
          ? JSON.stringify({ ready, status: response.status, body })
          : `${ready ? 'ready' : 'not ready'} (${response.status} ${body})`,
      );
      if (!ready) process.exitCode = EXIT.server;
    });
}
