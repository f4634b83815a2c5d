/**
 * The `ferry-broker` command line, built from the settings table. Parsing is
 * pure: help and version text are returned, not printed, and commander's
 * errors become ConfigErrors.
 */
import { Command, CommanderError, Option } from 'commander';
import { BROKER_VERSION } from '../version.js';
import { ConfigError } from './errors.js';
import {
  type CliSetting,
  CONFIG_ENV,
  isCliSetting,
  SETTING_LIST,
  type SettingPath,
  showDefault,
} from './settings.js';

/** A flag's value as commander gives it: text, a variadic list, or false for a `--no-` flag. */
export type FlagValue = string | string[] | boolean;

/** A setting given on the command line. */
export interface Flag {
  path: SettingPath;
  setting: CliSetting<unknown>;
  /** As typed, e.g. `--tcp-port`. */
  name: string;
  value: FlagValue;
}

export type CommandLine =
  | { kind: 'run'; flags: Flag[]; configFile?: string }
  | { kind: 'hash-password' }
  | { kind: 'hash-token' }
  /** --help or --version: print `text` and exit 0. */
  | { kind: 'output'; text: string };

/** What the command line asks for: run the broker, or one of the helper commands. */
type CommandName = 'run' | 'hash-password' | 'hash-token';

const CLI_SETTINGS = SETTING_LIST.filter((entry): entry is [SettingPath, CliSetting<unknown>] =>
  isCliSetting(entry[1]),
);

export function parseCommandLine(argv: readonly string[]): CommandLine {
  let output = '';
  const chosen: { kind: CommandName } = { kind: 'run' };
  const program = createProgram(
    (text) => {
      output += text;
    },
    (kind) => {
      chosen.kind = kind;
    },
  );
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return { kind: 'output', text: output };
    throw new ConfigError(`command line: ${error.message.replace(/^error: /, '')}`, {
      cause: error,
    });
  }
  if (chosen.kind !== 'run') return { kind: chosen.kind };
  const [operand] = program.args;
  if (operand !== undefined) {
    throw new ConfigError(
      `command line: unknown command ${JSON.stringify(operand)} (there are hash-password and hash-token)`,
    );
  }
  const flags: Flag[] = [];
  for (const [path, setting] of CLI_SETTINGS) {
    const option = new Option(setting.flag);
    const key = option.attributeName();
    // A `--no-` flag has an implicit default of true; only what was typed counts.
    if (program.getOptionValueSource(key) === 'cli') {
      flags.push({ path, setting, name: option.long ?? key, value: program.getOptionValue(key) });
    }
  }
  const configFile: unknown = program.getOptionValue('config');
  return typeof configFile === 'string'
    ? { kind: 'run', flags, configFile }
    : { kind: 'run', flags };
}

/** The text of `ferry-broker --help`. */
export function helpText(): string {
  const result = parseCommandLine(['--help']);
  return result.kind === 'output' ? result.text : '';
}

function createProgram(
  write: (text: string) => void,
  choose: (kind: CommandName) => void,
): Command {
  const program = new Command('ferry-broker')
    .description(
      'The Ferry message broker. Settings: flags > FERRY_* variables > config file > defaults.',
    )
    .version(BROKER_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: write, writeErr: () => {} })
    .addHelpText('after', fileOnlyHelp())
    .action(() => choose('run'));
  for (const [, setting] of CLI_SETTINGS)
    program.addOption(new Option(setting.flag, flagHelp(setting)));
  program.addOption(
    new Option('--config <file>', `JSON config file (env: ${CONFIG_ENV}, default: none)`),
  );
  program
    .command('hash-password')
    .description('Read a password from the first line of stdin; print its hash for auth.users')
    .action(() => choose('hash-password'));
  program
    .command('hash-token')
    .description(
      'Make a new random token; print it (for the client) and its hash (for auth.tokens) as JSON',
    )
    .action(() => choose('hash-token'));
  // Set after the subcommand copied the root's settings: the root reports its operand itself, by name.
  program.allowExcessArguments();
  return program;
}

/** A `--no-` flag turns its setting off: its help says so, and names the variable's value that does the same. */
function flagHelp(setting: CliSetting<unknown>): string {
  const description = setting.flagDescription ?? setting.description;
  return setting.flag.startsWith('--no-')
    ? `${description} (env: ${setting.env}=false)`
    : `${description} (env: ${setting.env}, default: ${showDefault(setting.default)})`;
}

function fileOnlyHelp(): string {
  const lines = SETTING_LIST.filter(([, setting]) => !isCliSetting(setting)).map(
    ([path, setting]) => {
      const shown = showDefault(setting.default);
      return `  ${path}: ${setting.description}${shown === undefined ? '' : ` (default: ${shown})`}`;
    },
  );
  return `\nConfig file only (JSON; grouped keys nest, e.g. { "stations": { "defaultPartitions": 3 } }):\n${lines.join('\n')}`;
}
