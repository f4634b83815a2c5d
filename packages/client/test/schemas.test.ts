import type { Frame, SchemaInfo, StationInfo } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { SchemaViolationError, ServerError } from '../src/index.js';
import { closeClients, FakeBroker, openClient } from './support/fake-broker.js';

afterEach(closeClients);

const utf8 = new TextEncoder();
const DEFINITION = '{"type":"object","required":["id"],"title":"Commande n°1"}';
const FINGERPRINT = `sha256:${'ab'.repeat(32)}`;

function schemaInfo(name: string): SchemaInfo {
  return {
    name,
    schemaType: 'json',
    compatibility: 'none',
    createdAt: 1_764_072_000_000,
    latest: 1,
    stations: [],
  };
}

function stationInfo(name: string, schema?: StationInfo['schema']): StationInfo {
  return {
    name,
    config: {
      partitions: 1,
      retention: {},
      storage: 'file',
      durability: 'always',
      ackTimeoutMs: 30_000,
      maxDeliveries: 5,
      dedupWindowMs: 120_000,
      deadLetter: { enabled: true },
    },
    createdAt: 1_764_072_000_000,
    partitions: [],
    groups: [],
    deadLetters: 0,
    ...(schema === undefined ? {} : { schema }),
  };
}

/** Answers every schema request from a fixed registry of `names`, two to a page. */
function registry(names: readonly string[]): (frame: Frame) => Frame[] | undefined {
  return (frame) => {
    switch (frame.type) {
      case 'schemaCreate':
      case 'schemaAddVersion':
      case 'schemaUpdate':
      case 'schemaInfo':
        return [{ type: 'schema', id: frame.id, info: schemaInfo(frame.name) }];
      case 'schemaGet':
        return [
          {
            type: 'schemaVersion',
            id: frame.id,
            name: frame.name,
            schemaType: 'protobuf',
            version: {
              version: frame.version ?? 3,
              fingerprint: FINGERPRINT,
              createdAt: 1_764_072_000_001,
              messageType: 'iot.Reading',
              definition: utf8.encode(DEFINITION),
            },
          },
        ];
      case 'schemaList': {
        const rest = names.filter((name) => frame.after === undefined || name > frame.after);
        const page = rest.slice(0, 2);
        return [
          {
            type: 'schemas',
            id: frame.id,
            schemas: page.map((name) => schemaInfo(name)),
            more: rest.length > page.length,
          },
        ];
      }
      case 'schemaDelete':
        return [{ type: 'ok', id: frame.id }];
      case 'schemaAttach':
        return [
          {
            type: 'station',
            id: frame.id,
            info: stationInfo(frame.station, {
              name: frame.schema,
              mode: frame.mode ?? 'reject',
              ...(frame.version === undefined ? {} : { version: frame.version }),
            }),
          },
        ];
      case 'schemaDetach':
        return [{ type: 'station', id: frame.id, info: stationInfo(frame.station) }];
      default:
        return undefined;
    }
  };
}

describe('client.schemas', () => {
  it('[SCHEMA-1] create sends the definition as UTF-8 bytes and only the options given', async () => {
    const broker = new FakeBroker({ script: registry([]) });
    const client = await openClient(broker);
    expect(
      (await client.schemas.create('orders', { type: 'json', definition: DEFINITION })).name,
    ).toBe('orders');
    await client.schemas.create('readings', {
      type: 'protobuf',
      definition: 'syntax = "proto3";',
      messageType: 'iot.Reading',
      compatibility: 'backward',
    });
    expect(broker.sent('schemaCreate')).toEqual([
      {
        type: 'schemaCreate',
        id: expect.any(Number),
        name: 'orders',
        schemaType: 'json',
        definition: utf8.encode(DEFINITION),
      },
      {
        type: 'schemaCreate',
        id: expect.any(Number),
        name: 'readings',
        schemaType: 'protobuf',
        definition: utf8.encode('syntax = "proto3";'),
        messageType: 'iot.Reading',
        compatibility: 'backward',
      },
    ]);
  });

  it('[SCHEMA-1] [SCHEMA-3] addVersion, update and info send their frames and resolve to the schema', async () => {
    const broker = new FakeBroker({ script: registry([]) });
    const client = await openClient(broker);
    await client.schemas.addVersion('orders', DEFINITION);
    await client.schemas.addVersion('readings', 'syntax = "proto3";', {
      messageType: 'iot.Reading2',
      timeoutMs: 1000,
    });
    expect((await client.schemas.update('orders', { compatibility: 'none' })).name).toBe('orders');
    expect(await client.schemas.info('orders')).toEqual(schemaInfo('orders'));
    expect(broker.sent('schemaAddVersion')).toEqual([
      {
        type: 'schemaAddVersion',
        id: expect.any(Number),
        name: 'orders',
        definition: utf8.encode(DEFINITION),
      },
      {
        type: 'schemaAddVersion',
        id: expect.any(Number),
        name: 'readings',
        definition: utf8.encode('syntax = "proto3";'),
        messageType: 'iot.Reading2',
      },
    ]);
    expect(broker.sent('schemaUpdate')).toEqual([
      { type: 'schemaUpdate', id: expect.any(Number), name: 'orders', compatibility: 'none' },
    ]);
    expect(broker.sent('schemaInfo')).toEqual([
      { type: 'schemaInfo', id: expect.any(Number), name: 'orders' },
    ]);
  });

  it('get resolves to the version with its definition decoded from UTF-8', async () => {
    const broker = new FakeBroker({ script: registry([]) });
    const client = await openClient(broker);
    expect(await client.schemas.get('readings')).toEqual({
      name: 'readings',
      type: 'protobuf',
      version: 3,
      fingerprint: FINGERPRINT,
      createdAt: 1_764_072_000_001,
      messageType: 'iot.Reading',
      definition: DEFINITION,
    });
    expect((await client.schemas.get('readings', 1)).version).toBe(1);
    expect(broker.sent('schemaGet')).toEqual([
      { type: 'schemaGet', id: expect.any(Number), name: 'readings' },
      { type: 'schemaGet', id: expect.any(Number), name: 'readings', version: 1 },
    ]);
  });

  it('list pages through schemaList from the last name of each page', async () => {
    const broker = new FakeBroker({ script: registry(['a', 'b', 'c', 'd', 'e']) });
    const client = await openClient(broker);
    const names: string[] = [];
    for await (const info of client.schemas.list({ pageSize: 2 })) names.push(info.name);
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(broker.sent('schemaList')).toEqual([
      { type: 'schemaList', id: expect.any(Number), limit: 2 },
      { type: 'schemaList', id: expect.any(Number), after: 'b', limit: 2 },
      { type: 'schemaList', id: expect.any(Number), after: 'd', limit: 2 },
    ]);
  });

  it('[SCHEMA-9] delete resolves once the broker answers ok, and rejects with its error', async () => {
    const broker = new FakeBroker({
      script: (frame) =>
        frame.type === 'schemaDelete' && frame.name === 'orders'
          ? [
              {
                type: 'error',
                id: frame.id,
                code: 'SCHEMA_IN_USE',
                number: 144,
                retriable: false,
                message: 'attached to orders',
              },
            ]
          : registry([])(frame),
    });
    const client = await openClient(broker);
    await expect(client.schemas.delete('unused')).resolves.toBeUndefined();
    const refused = client.schemas.delete('orders');
    await expect(refused).rejects.toBeInstanceOf(ServerError);
    await expect(refused).rejects.toMatchObject({ code: 'SCHEMA_IN_USE' });
  });
});

describe('client.stations attachSchema and detachSchema', () => {
  it('[SCHEMA-4] sends schemaAttach with only the options given and resolves to the station', async () => {
    const broker = new FakeBroker({ script: registry([]) });
    const client = await openClient(broker);
    expect((await client.stations.attachSchema('orders', 'orders')).schema).toEqual({
      name: 'orders',
      mode: 'reject',
    });
    const attached = await client.stations.attachSchema('orders', 'order', {
      version: 2,
      mode: 'deadletter',
    });
    expect(attached.schema).toEqual({ name: 'order', version: 2, mode: 'deadletter' });
    expect((await client.stations.detachSchema('orders')).schema).toBeUndefined();
    expect(broker.sent('schemaAttach')).toEqual([
      { type: 'schemaAttach', id: expect.any(Number), station: 'orders', schema: 'orders' },
      {
        type: 'schemaAttach',
        id: expect.any(Number),
        station: 'orders',
        schema: 'order',
        version: 2,
        mode: 'deadletter',
      },
    ]);
    expect(broker.sent('schemaDetach')).toEqual([
      { type: 'schemaDetach', id: expect.any(Number), station: 'orders' },
    ]);
  });
});

describe('a produce refused by the schema', () => {
  /** Refuses payloads that are not `{`, as a station with a json schema would. */
  const validating = (frame: Frame): Frame[] | undefined => {
    if (frame.type !== 'produce') return undefined;
    let deadLetterId = 40;
    return [
      {
        type: 'produceAck',
        id: frame.id,
        durability: 'always',
        results: frame.messages.map((message, offset) => {
          if (message.payload[0] === 0x7b)
            return { kind: 'ok', partition: 0, offset, duplicate: false };
          if (message.key === 'rejected')
            return { kind: 'error', code: 'SCHEMA_VIOLATION', message: 'orders v1: not JSON' };
          if (message.key === 'too-big')
            return { kind: 'error', code: 'MESSAGE_TOO_LARGE', message: 'too big' };
          deadLetterId += 1;
          return {
            kind: 'error',
            code: 'SCHEMA_VIOLATION',
            message: 'orders v1: not JSON',
            deadLetterId,
          };
        }),
      },
    ];
  };

  it('[SCHEMA-6] fails with a SchemaViolationError carrying the dead-letter id, if any', async () => {
    const broker = new FakeBroker({ script: validating });
    const client = await openClient(broker);
    const producer = client.producer('orders');
    const kept = producer.produce(utf8.encode('x'));
    await expect(kept).rejects.toBeInstanceOf(SchemaViolationError);
    await expect(kept).rejects.toMatchObject({
      code: 'SCHEMA_VIOLATION',
      retriable: false,
      message: 'orders v1: not JSON',
      deadLetterId: 41,
    });
    const rejected = producer.produce(utf8.encode('x'), { key: 'rejected' });
    await expect(rejected).rejects.toMatchObject({
      name: 'SchemaViolationError',
      deadLetterId: undefined,
    });
  });

  it('[SCHEMA-5] fails that message alone in a batch; other errors stay plain ServerErrors', async () => {
    const broker = new FakeBroker({ script: validating });
    const client = await openClient(broker);
    const results = await client
      .producer('orders')
      .produceBatch([
        { value: utf8.encode('{}') },
        { value: utf8.encode('x') },
        { value: utf8.encode('y'), key: 'too-big' },
        { value: utf8.encode('{"id":1}') },
      ]);
    expect(results.map((result) => result.ok)).toEqual([true, false, false, true]);
    const [, violation, tooBig] = results;
    expect(violation).toMatchObject({ ok: false, error: { deadLetterId: 41 } });
    expect(violation?.ok === false && violation.error).toBeInstanceOf(SchemaViolationError);
    expect(tooBig?.ok === false && tooBig.error).not.toBeInstanceOf(SchemaViolationError);
    expect(tooBig).toMatchObject({ ok: false, error: { code: 'MESSAGE_TOO_LARGE' } });
  });
});
