/** `ferry schema`: the schema registry, and attaching a schema to a station. */

import { readFile } from 'node:fs/promises';
import type { SchemaInfo, StationInfo } from '@ferry/node';
import { type Command, Option } from 'commander';
import { type GlobalOptions, withClient } from '../connection.js';
import { CliError } from '../exit-codes.js';
import { examples } from '../help.js';
import { positive } from '../options.js';
import { fields, print, table } from '../output.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A definition from a file, or from stdin for `-`; the broker takes UTF-8 only. */
export async function readDefinition(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = path === '-' ? await readStdin() : await readFile(path);
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new CliError(`${path === '-' ? 'stdin' : path} is not UTF-8 text`);
  }
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  return Buffer.concat(chunks);
}

function date(ms: number): string {
  return new Date(ms).toISOString();
}

function describeSchema(info: SchemaInfo): string {
  return [
    fields([
      ['name', info.name],
      ['type', info.schemaType],
      ['compatibility', info.compatibility],
      ['created', date(info.createdAt)],
      ['latest', info.latest],
      ['stations', info.stations.length === 0 ? 'none' : info.stations.join(', ')],
    ]),
    '',
    table(
      ['VERSION', 'CREATED', 'MESSAGE TYPE', 'FINGERPRINT'],
      (info.versions ?? []).map((v) => [
        v.version,
        date(v.createdAt),
        v.messageType,
        v.fingerprint,
      ]),
    ),
  ].join('\n');
}

/** One line saying what a station validates against, after attach or detach. */
function attachment(info: StationInfo): string {
  const { schema } = info;
  if (schema === undefined) return `station ${info.name}: no schema`;
  const version = schema.version === undefined ? 'latest' : `version ${schema.version}`;
  return `station ${info.name}: schema ${schema.name} (${version}, mode ${schema.mode})`;
}

const fileOption = (): Option =>
  new Option('--file <path>', 'the definition, UTF-8 (- reads stdin)').makeOptionMandatory();

const compatibilityOption = (): Option =>
  new Option('--compatibility <mode>', 'what each new version must keep (default none)').choices([
    'none',
    'backward',
  ]);

// Not --version: commander hands that flag to the program, which prints its own version,
// wherever it appears on the command line.
const versionOption = (description: string): Option =>
  new Option('--schema-version <n>', description).argParser(positive);

type Compatibility = 'none' | 'backward';

export function register(program: Command): void {
  const schema = program
    .command('schema')
    .summary('schema registry: create, add versions, inspect, delete; attach to stations');
  schema.addHelpText(
    'after',
    `
Examples:
  $ ferry schema create orders --type json --file order.schema.json
  $ ferry schema add-version orders --file order.schema.json
  $ ferry schema attach orders orders --mode deadletter
  $ ferry schema get orders --schema-version 1 > order.v1.json
  $ ferry schema list`,
  );

  schema
    .command('create')
    .summary('register a schema with its first version (a no-op if it exists the same)')
    .argument('<schema>')
    .addOption(
      new Option('--type <type>', 'the definition language')
        .choices(['json', 'protobuf', 'avro'])
        .makeOptionMandatory(),
    )
    .addOption(fileOption())
    .option('--message-type <type>', 'protobuf: the fully qualified message type (required there)')
    .addOption(compatibilityOption())
    .addHelpText(
      'after',
      examples(
        'ferry schema create orders --type json --file order.schema.json',
        'ferry schema create readings --type protobuf --file iot.proto --message-type iot.Reading --compatibility backward',
        'ferry schema create events --type avro --file - < event.avsc',
      ),
    )
    .action(async (name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & {
          type: 'json' | 'protobuf' | 'avro';
          file: string;
          messageType?: string;
          compatibility?: Compatibility;
        }
      >();
      const definition = await readDefinition(options.file);
      await withClient(options, async (client) => {
        const info = await client.schemas.create(name, {
          type: options.type,
          definition,
          ...(options.messageType === undefined ? {} : { messageType: options.messageType }),
          ...(options.compatibility === undefined ? {} : { compatibility: options.compatibility }),
        });
        print(
          options.json
            ? JSON.stringify(info)
            : `schema ${info.name} created (version ${info.latest})`,
        );
      });
    });

  schema
    .command('add-version')
    .summary('add the next version (none if the definition is the latest one)')
    .argument('<schema>')
    .addOption(fileOption())
    .option('--message-type <type>', "protobuf: the message type (default the latest version's)")
    .addHelpText(
      'after',
      examples(
        'ferry schema add-version orders --file order.schema.json',
        'cat iot.proto | ferry schema add-version readings --file - --message-type iot.Reading',
      ),
    )
    .action(async (name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & { file: string; messageType?: string }
      >();
      const definition = await readDefinition(options.file);
      await withClient(options, async (client) => {
        const info = await client.schemas.addVersion(
          name,
          definition,
          options.messageType === undefined ? {} : { messageType: options.messageType },
        );
        print(
          options.json ? JSON.stringify(info) : `schema ${info.name} at version ${info.latest}`,
        );
      });
    });

  schema
    .command('list')
    .alias('ls')
    .summary('list schemas')
    .addHelpText('after', examples('ferry schema list', 'ferry schema ls --json'))
    .action(async (_: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await withClient(options, async (client) => {
        const all: SchemaInfo[] = [];
        for await (const info of client.schemas.list()) all.push(info);
        if (options.json) return print(JSON.stringify(all));
        print(
          table(
            ['NAME', 'TYPE', 'COMPATIBILITY', 'LATEST', 'STATIONS'],
            all.map((s) => [
              s.name,
              s.schemaType,
              s.compatibility,
              s.latest,
              s.stations.join(',') || undefined,
            ]),
          ),
        );
      });
    });

  schema
    .command('get')
    .summary('print the definition of a version (default the latest)')
    .argument('<schema>')
    .addOption(versionOption('this version'))
    .addHelpText(
      'after',
      examples(
        'ferry schema get orders > order.schema.json',
        'ferry schema get orders --schema-version 1 --json',
      ),
    )
    .action(async (name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { schemaVersion?: number }>();
      await withClient(options, async (client) => {
        const found = await client.schemas.get(name, options.schemaVersion);
        if (options.json) return print(JSON.stringify(found));
        // As registered, so that the output can be registered again byte for byte.
        const { definition } = found;
        process.stdout.write(definition.endsWith('\n') ? definition : `${definition}\n`);
      });
    });

  schema
    .command('info')
    .summary("a schema's type, compatibility, versions and stations")
    .argument('<schema>')
    .addHelpText('after', examples('ferry schema info orders', 'ferry schema info orders --json'))
    .action(async (name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await withClient(options, async (client) => {
        const info = await client.schemas.info(name);
        print(options.json ? JSON.stringify(info) : describeSchema(info));
      });
    });

  schema
    .command('update')
    .summary('change what versions added from now on must keep')
    .argument('<schema>')
    .addOption(compatibilityOption().makeOptionMandatory())
    .addHelpText('after', examples('ferry schema update readings --compatibility backward'))
    .action(async (name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { compatibility: Compatibility }>();
      await withClient(options, async (client) => {
        const info = await client.schemas.update(name, { compatibility: options.compatibility });
        print(
          options.json
            ? JSON.stringify(info)
            : `schema ${info.name}: compatibility ${info.compatibility}`,
        );
      });
    });

  schema
    .command('delete')
    .alias('rm')
    .summary('delete a schema with every version (detach it from its stations first)')
    .argument('<schema>')
    .addHelpText('after', examples('ferry schema delete orders'))
    .action(async (name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await withClient(options, async (client) => {
        await client.schemas.delete(name);
        print(options.json ? JSON.stringify({ deleted: name }) : `schema ${name} deleted`);
      });
    });

  schema
    .command('attach')
    .summary("validate a station's produced messages against a schema")
    .argument('<station>')
    .argument('<schema>')
    .addOption(versionOption('this version (default: the latest at each produce)'))
    .addOption(
      new Option('--mode <mode>', 'what becomes of a message that fails (default reject)').choices([
        'reject',
        'deadletter',
      ]),
    )
    .addHelpText(
      'after',
      examples(
        'ferry schema attach orders orders',
        'ferry schema attach readings readings --schema-version 2 --mode deadletter',
      ),
    )
    .action(async (station: string, name: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & { schemaVersion?: number; mode?: 'reject' | 'deadletter' }
      >();
      await withClient(options, async (client) => {
        const info = await client.stations.attachSchema(station, name, {
          ...(options.schemaVersion === undefined ? {} : { version: options.schemaVersion }),
          ...(options.mode === undefined ? {} : { mode: options.mode }),
        });
        print(options.json ? JSON.stringify(info) : attachment(info));
      });
    });

  schema
    .command('detach')
    .summary("stop validating a station's produced messages")
    .argument('<station>')
    .addHelpText('after', examples('ferry schema detach orders'))
    .action(async (station: string, _: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await withClient(options, async (client) => {
        const info = await client.stations.detachSchema(station);
        print(options.json ? JSON.stringify(info) : attachment(info));
      });
    });
}
