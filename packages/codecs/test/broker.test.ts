/**
 * Against a real broker: messages produced with these codecs pass the broker's validation
 * (it validates with the same protobufjs and avsc), and consumers decode them by the schema
 * headers it sets, across versions.
 */
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { type Client, connect, codecs as core, type Message } from '@ferry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, type SchemaSource, schemaDecoder } from '../src/index.js';

const READING_V1 = `syntax = "proto3";
package iot;
enum Unit { UNIT_UNSPECIFIED = 0; CELSIUS = 1; FAHRENHEIT = 2; }
message Reading {
  string sensor = 1;
  double value = 2;
  Unit unit = 3;
  int64 at = 4;
  repeated Tag tags = 5;
}
message Tag { string key = 1; string value = 2; }
`;
// Version 2 adds a field, which the broker's backward check lets through.
const READING_V2 = READING_V1.replace(
  'repeated Tag tags = 5;',
  'repeated Tag tags = 5;\n  bytes raw = 6;',
);

const PAYMENT = JSON.stringify({
  type: 'record',
  name: 'Payment',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'cents', type: 'long' },
    { name: 'method', type: { type: 'enum', name: 'Method', symbols: ['CARD', 'TRANSFER'] } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
});

let broker: RunningBroker;
let client: Client;

beforeAll(async () => {
  broker = await startBroker();
  client = await connect(`ferry://127.0.0.1:${broker.tcpPort}`);
});

afterAll(async () => {
  await client?.close();
  await broker?.stop();
});

/** Every message of a station, from the start, settled as read. */
async function readAll(station: string, count: number): Promise<Message[]> {
  const consumer = await client.consume(station, { group: 'readers', start: 'earliest' });
  const messages: Message[] = [];
  for await (const message of consumer) {
    messages.push(message);
    await message.ack();
    if (messages.length === count) break;
  }
  return messages;
}

/** client.schemas, counting the versions fetched. */
function counted(fetches: string[]): SchemaSource {
  return {
    get: (name, version) => {
      fetches.push(`${name}@${version}`);
      return client.schemas.get(name, version);
    },
  };
}

describe('codecs against a broker with schemas attached', () => {
  it('produces protobuf messages of two versions and decodes them by their headers', async () => {
    await client.schemas.create('readings', {
      type: 'protobuf',
      definition: READING_V1,
      messageType: 'iot.Reading',
      compatibility: 'backward',
    });
    await client.stations.create('readings', { partitions: 1 });
    await client.stations.attachSchema('readings', 'readings');

    const v1 = client.producer('readings', { codec: codecs.protobuf(READING_V1, 'iot.Reading') });
    const first = {
      sensor: 's-1',
      value: 21.5,
      unit: 'CELSIUS',
      at: '1700000000000',
      tags: [{ key: 'room', value: 'lab' }],
    };
    await v1.produce(first);
    await v1.close();

    await client.schemas.addVersion('readings', READING_V2);
    const v2 = client.producer('readings', { codec: codecs.protobuf(READING_V2, 'iot.Reading') });
    const second = { ...first, sensor: 's-2', raw: new Uint8Array([1, 2]) };
    await v2.produce(second);
    await v2.produce({ ...second, sensor: 's-3' });
    await v2.close();

    const messages = await readAll('readings', 3);
    expect(messages.map((m) => m.headers['ferry-schema-version'])).toEqual(['1', '2', '2']);
    const fetches: string[] = [];
    const decoder = schemaDecoder(counted(fetches));
    const decoded = await Promise.all(messages.map((m) => decoder.decode(m)));
    expect(decoded).toEqual([
      first,
      { ...second, raw: new Uint8Array([1, 2]) },
      { ...second, sensor: 's-3' },
    ]);
    expect(fetches).toEqual(['readings@1', 'readings@2']);
  });

  it('produces avro messages the broker accepts, and its refusal of a payload that is not one', async () => {
    await client.schemas.create('payments', { type: 'avro', definition: PAYMENT });
    await client.stations.create('payments', { partitions: 1 });
    await client.stations.attachSchema('payments', 'payments');

    const payments = client.producer('payments', { codec: codecs.avro(PAYMENT) });
    const payment = { id: 'p-1', cents: 2 ** 53 - 1, method: 'CARD', note: null };
    await payments.produce(payment);
    await payments.close();

    const raw = client.producer('payments', { codec: core.text });
    await expect(raw.produce('not avro')).rejects.toMatchObject({ code: 'SCHEMA_VIOLATION' });
    await raw.close();

    const [message] = await readAll('payments', 1);
    expect(message?.headers).toMatchObject({
      'ferry-schema': 'payments',
      'ferry-schema-version': '1',
    });
    await expect(schemaDecoder(client.schemas).decode(message as Message)).resolves.toEqual(
      payment,
    );
  });

  it('decodes a message of a station without a schema with the fallback codec', async () => {
    await client.stations.create('plain', { partitions: 1 });
    const producer = client.producer('plain', { codec: core.json() });
    await producer.produce({ hello: 'world' });
    await producer.close();
    const [message] = await readAll('plain', 1);
    const decoder = schemaDecoder(client.schemas, { fallback: core.json() });
    await expect(decoder.decode(message as Message)).resolves.toEqual({ hello: 'world' });
    await expect(schemaDecoder(client.schemas).decode(message as Message)).rejects.toMatchObject({
      code: 'SCHEMA_NOT_FOUND',
    });
  });
});
