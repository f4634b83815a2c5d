import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaViolationError, ServerError } from '@ferry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describe as describeError, exitCodeOf } from '../src/exit-codes.js';
import { type Broker, startBroker } from './support/broker.js';
import { ferry, tempDir } from './support/ferry.js';

const V1 = `${JSON.stringify({ type: 'object', required: ['id'] }, null, 2)}\n`;
const V2 = JSON.stringify({ type: 'object', required: ['id'], title: 'Commande n°2' });

function file(name: string, contents: string | Uint8Array): string {
  const path = join(tempDir('schema-'), name);
  writeFileSync(path, contents);
  return path;
}

describe('ferry schema, before connecting', () => {
  it('refuses a definition it cannot read, or that is not UTF-8, with exit 1', async () => {
    // No broker listens there: these fail before any connection is tried.
    const server = ['--server', 'ferry://127.0.0.1:1'];
    const missing = await ferry([
      ...server,
      'schema',
      'create',
      'orders',
      '--type',
      'json',
      '--file',
      '/nonexistent/order.json',
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ferry: cannot read \/nonexistent\/order\.json: /);

    const latin1 = file('latin1.json', Uint8Array.of(0x7b, 0x22, 0xe9, 0x22, 0x7d));
    const notUtf8 = await ferry([...server, 'schema', 'add-version', 'orders', '--file', latin1]);
    expect(notUtf8.code).toBe(1);
    expect(notUtf8.stderr).toBe(`ferry: ${latin1} is not UTF-8 text\n`);

    const untyped = await ferry([...server, 'schema', 'create', 'orders', '--file', '-']);
    expect(untyped.code).toBe(1);
    expect(untyped.stderr).toMatch(/required option '--type <type>' not specified/);
  });

  it('maps the schema error codes to exit codes, and says where a refused message was kept', () => {
    expect(describeError(new SchemaViolationError('schema orders version 1: bad', 7))).toBe(
      'SCHEMA_VIOLATION: schema orders version 1: bad (kept as dead letter 7)',
    );
    expect(describeError(new SchemaViolationError('bad'))).toBe('SCHEMA_VIOLATION: bad');
    expect(exitCodeOf(new ServerError('SCHEMA_NOT_FOUND', 'no', false))).toBe(3);
    for (const code of [
      'SCHEMA_EXISTS',
      'SCHEMA_INVALID',
      'SCHEMA_INCOMPATIBLE',
      'SCHEMA_IN_USE',
      'SCHEMA_VIOLATION',
    ] as const)
      expect(exitCodeOf(new ServerError(code, 'no', false)), code).toBe(5);
  });
});

describe('ferry schema, against a broker', () => {
  let broker: Broker;
  let server: string[];

  beforeAll(async () => {
    broker = await startBroker();
    server = ['--server', broker.url];
  });
  afterAll(() => broker.stop());

  const run = (args: string[], stdin?: string) =>
    ferry([...server, ...args], stdin === undefined ? {} : { stdin });
  const json = async (args: string[], stdin?: string) => {
    const result = await run(['--json', ...args], stdin);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout);
  };

  it('[SCHEMA-1] creates from a file, adds a version from stdin, lists, inspects and gets them back', async () => {
    const v1 = file('order.json', V1);
    const created = await run(['schema', 'create', 'orders', '--type', 'json', '--file', v1]);
    expect(created).toMatchObject({ code: 0, stdout: 'schema orders created (version 1)\n' });
    // The same definition again is a no-op, not SCHEMA_EXISTS.
    expect(
      await json(['schema', 'create', 'orders', '--type', 'json', '--file', v1]),
    ).toMatchObject({ name: 'orders', schemaType: 'json', compatibility: 'none', latest: 1 });

    const added = await run(['schema', 'add-version', 'orders', '--file', '-'], V2);
    expect(added).toMatchObject({ code: 0, stdout: 'schema orders at version 2\n' });

    const listed = await json(['schema', 'list']);
    expect(listed.map((s: { name: string; latest: number }) => [s.name, s.latest])).toEqual([
      ['orders', 2],
    ]);
    const table = await run(['schema', 'ls']);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^NAME\s+TYPE\s+COMPATIBILITY\s+LATEST\s+STATIONS$/,
    );
    expect(table.stdout).toMatch(/^orders\s+json\s+none\s+2\s+-$/m);

    const info = await json(['schema', 'info', 'orders']);
    expect(info.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(info.versions[0].fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    const described = await run(['schema', 'info', 'orders']);
    expect(described.stdout).toMatch(/^type: +json$/m);
    expect(described.stdout).toMatch(/^VERSION\s+CREATED\s+MESSAGE TYPE\s+FINGERPRINT$/m);

    // The definition comes back as it went in, so `get > file` round-trips.
    expect((await run(['schema', 'get', 'orders', '--schema-version', '1'])).stdout).toBe(V1);
    expect((await run(['schema', 'get', 'orders'])).stdout).toBe(`${V2}\n`);
    expect(await json(['schema', 'get', 'orders'])).toEqual({
      name: 'orders',
      type: 'json',
      version: 2,
      fingerprint: info.versions[1].fingerprint,
      createdAt: info.versions[1].createdAt,
      definition: V2,
    });
  });

  it('[SCHEMA-2] [SCHEMA-3] refuses what the broker refuses, with exit 5, and unknown schemas with exit 3', async () => {
    const broken = await run(['schema', 'create', 'broken', '--type', 'avro', '--file', '-'], '{');
    expect(broken.code).toBe(5);
    expect(broken.stderr).toMatch(/^ferry: SCHEMA_INVALID: /);

    await run(['schema', 'create', 'loose', '--type', 'json', '--file', '-'], '{}');
    const backward = await run(['schema', 'update', 'loose', '--compatibility', 'backward']);
    expect(backward.code).toBe(5);
    expect(backward.stderr).toMatch(/^ferry: INVALID_CONFIG: /);
    expect(await json(['schema', 'update', 'loose', '--compatibility', 'none'])).toMatchObject({
      compatibility: 'none',
    });

    const missing = await run(['schema', 'get', 'nothing']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^ferry: SCHEMA_NOT_FOUND: /);
  });

  it('[SCHEMA-4] [SCHEMA-9] attaches to a station, refuses to delete while attached, detaches and deletes', async () => {
    await run(['schema', 'create', 'events', '--type', 'json', '--file', '-'], V1);
    await run(['station', 'create', 'events']);
    const attached = await run(['schema', 'attach', 'events', 'events', '--mode', 'deadletter']);
    expect(attached).toMatchObject({
      code: 0,
      stdout: 'station events: schema events (latest, mode deadletter)\n',
    });
    // [SCHEMA-6] Kept in the dead-letter store, and still a failed publish.
    const kept = await run(['pub', 'events', '{}']);
    expect(kept.code).toBe(5);
    expect(kept.stderr).toMatch(/^ferry: SCHEMA_VIOLATION: .* \(kept as dead letter 0\)\n$/);
    expect(await json(['dls', 'ls', 'events'])).toMatchObject([{ id: 0, group: '$schema' }]);

    expect(
      (await json(['schema', 'attach', 'events', 'events', '--schema-version', '1'])).schema,
    ).toEqual({ name: 'events', version: 1, mode: 'reject' });
    expect((await json(['station', 'info', 'events'])).schema).toEqual({
      name: 'events',
      version: 1,
      mode: 'reject',
    });
    expect((await json(['schema', 'info', 'events'])).stations).toEqual(['events']);

    const refused = await run(['pub', 'events', '{"no":"id"}']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^ferry: SCHEMA_VIOLATION: [^(]*\n$/);
    expect((await run(['pub', 'events', '{"id":1}'])).code).toBe(0);

    const inUse = await run(['schema', 'delete', 'events']);
    expect(inUse.code).toBe(5);
    expect(inUse.stderr).toMatch(/^ferry: SCHEMA_IN_USE: /);

    expect(await run(['schema', 'detach', 'events'])).toMatchObject({
      code: 0,
      stdout: 'station events: no schema\n',
    });
    expect(await json(['schema', 'rm', 'events'])).toEqual({ deleted: 'events' });
    expect((await run(['schema', 'info', 'events'])).code).toBe(3);
  });
});
