import { codecs as core } from '@ferry/client';
import { describe, expect, it } from 'vitest';
import {
  codecs,
  type SchemaMessage,
  type SchemaSource,
  type SchemaVersionLike,
  schemaDecoder,
} from '../src/index.js';
import { SHOP_PROTO } from './support.js';

const READING = JSON.stringify({
  type: 'record',
  name: 'Reading',
  fields: [{ name: 'celsius', type: 'double' }],
});

/** A registry in memory that counts fetches, and can hold them until released. */
function fakeRegistry(versions: SchemaVersionLike[]) {
  const fetches: string[] = [];
  let gate: Promise<void> | undefined;
  const source: SchemaSource = {
    async get(name, version) {
      fetches.push(`${name}@${version}`);
      await gate;
      const found = versions.find((v) => v.name === name && v.version === version);
      if (found === undefined) throw new Error(`no ${name} version ${version}`);
      return found;
    },
  };
  return {
    source,
    fetches,
    hold(): () => void {
      let release = (): void => {};
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
  };
}

const orderV1: SchemaVersionLike = {
  name: 'orders',
  type: 'protobuf',
  version: 1,
  messageType: 'shop.Order',
  definition: SHOP_PROTO,
};
const moneyV2: SchemaVersionLike = { ...orderV1, version: 2, messageType: 'shop.Money' };
const readingV1: SchemaVersionLike = {
  name: 'readings',
  type: 'avro',
  version: 1,
  definition: READING,
};
const eventV3: SchemaVersionLike = { name: 'events', type: 'json', version: 3, definition: '{}' };

const orders = codecs.protobuf(SHOP_PROTO, 'shop.Order');
const money = codecs.protobuf(SHOP_PROTO, 'shop.Money');
const readings = codecs.avro(READING);

const message = (name: string, version: number | string, payload: Uint8Array): SchemaMessage => ({
  payload,
  headers: { 'ferry-schema': name, 'ferry-schema-version': String(version), other: 'x' },
});

describe('schemaDecoder', () => {
  it('decodes protobuf, avro and json messages by their schema headers', async () => {
    const registry = fakeRegistry([orderV1, moneyV2, readingV1, eventV3]);
    const decoder = schemaDecoder(registry.source);
    await expect(
      decoder.decode(message('orders', 1, orders.encode({ id: 'o-1' }))),
    ).resolves.toMatchObject({ id: 'o-1', lines: [] });
    await expect(
      decoder.decode(message('orders', 2, money.encode({ cents: '5' }))),
    ).resolves.toEqual({ currency: '', cents: '5' });
    await expect(
      decoder.decode(message('readings', 1, readings.encode({ celsius: 3.5 }))),
    ).resolves.toEqual({ celsius: 3.5 });
    await expect(
      decoder.decode(message('events', 3, core.json().encode({ kind: 'click' }))),
    ).resolves.toEqual({ kind: 'click' });
  });

  it('fetches each version once', async () => {
    const registry = fakeRegistry([orderV1, moneyV2]);
    const decoder = schemaDecoder(registry.source);
    for (let i = 0; i < 3; i++) {
      await decoder.decode(message('orders', 1, orders.encode({ id: `o-${i}` })));
      await decoder.decode(message('orders', 2, money.encode({})));
    }
    expect(registry.fetches).toEqual(['orders@1', 'orders@2']);
  });

  it('shares one fetch among messages that need the same version at once', async () => {
    const registry = fakeRegistry([orderV1]);
    const decoder = schemaDecoder(registry.source);
    const release = registry.hold();
    const decoded = Promise.all(
      [1, 2, 3].map((i) => decoder.decode(message('orders', 1, orders.encode({ id: `o-${i}` })))),
    );
    release();
    expect((await decoded).map((order) => (order as { id: string }).id)).toEqual([
      'o-1',
      'o-2',
      'o-3',
    ]);
    expect(registry.fetches).toEqual(['orders@1']);
  });

  it('keeps at most cacheSize versions, dropping the least recently used', async () => {
    const versions = [1, 2, 3].map((version) => ({ ...eventV3, version }));
    const registry = fakeRegistry(versions);
    const decoder = schemaDecoder(registry.source, { cacheSize: 2 });
    const event = core.json().encode({});
    for (const version of [1, 2, 1, 3, 1, 2])
      await decoder.decode(message('events', version, event));
    // 3 pushes out 2 (1 was used since), and 2 then comes back at the cost of 3.
    expect(registry.fetches).toEqual(['events@1', 'events@2', 'events@3', 'events@2']);
  });

  it('tries a failed fetch again on the next message', async () => {
    const registry = fakeRegistry([]);
    const decoder = schemaDecoder(registry.source);
    const event = message('events', 3, core.json().encode({}));
    await expect(decoder.decode(event)).rejects.toThrow('no events version 3');
    await expect(decoder.decode(event)).rejects.toThrow('no events version 3');
    expect(registry.fetches).toEqual(['events@3', 'events@3']);
  });

  it('refuses a message without schema headers with SCHEMA_NOT_FOUND', async () => {
    const decoder = schemaDecoder(fakeRegistry([]).source);
    const headerSets: (Record<string, string> | undefined)[] = [
      undefined,
      {},
      { 'ferry-schema': 'orders' },
    ];
    for (const headers of headerSets) {
      await expect(decoder.decode({ payload: new Uint8Array(0), headers })).rejects.toMatchObject({
        name: 'CodecError',
        code: 'SCHEMA_NOT_FOUND',
        message: expect.stringContaining('ferry-schema'),
      });
    }
  });

  it('decodes a message without schema headers with the fallback codec', async () => {
    const decoder = schemaDecoder(fakeRegistry([]).source, { fallback: core.text });
    await expect(decoder.decode({ payload: core.text.encode('plain') })).resolves.toBe('plain');
  });

  it.each(['0', '-1', '1.5', 'one', '', '99999999999999999'])(
    'refuses the version header %j without fetching',
    async (version) => {
      const registry = fakeRegistry([orderV1]);
      const decoder = schemaDecoder(registry.source);
      await expect(
        decoder.decode(message('orders', version, new Uint8Array(0))),
      ).rejects.toMatchObject({ code: 'SCHEMA_NOT_FOUND' });
      expect(registry.fetches).toEqual([]);
    },
  );

  it('refuses a payload that does not decode, json included, with SCHEMA_VIOLATION', async () => {
    const decoder = schemaDecoder(fakeRegistry([orderV1, eventV3]).source);
    const junk = new Uint8Array([0xff, 0xff]);
    for (const name of ['orders', 'events']) {
      await expect(
        decoder.decode(message(name, name === 'orders' ? 1 : 3, junk)),
      ).rejects.toMatchObject({ code: 'SCHEMA_VIOLATION' });
    }
  });

  it('refuses a version it cannot compile with SCHEMA_INVALID', async () => {
    const broken = [
      { ...orderV1, messageType: undefined },
      { ...orderV1, version: 2, messageType: 'shop.Nope' },
      { ...eventV3, version: 4, type: 'xml' },
    ];
    const decoder = schemaDecoder(fakeRegistry(broken).source);
    for (const version of [1, 2]) {
      await expect(
        decoder.decode(message('orders', version, new Uint8Array(0))),
      ).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    }
    await expect(decoder.decode(message('events', 4, new Uint8Array(0)))).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      message: expect.stringContaining('xml'),
    });
  });

  it('refuses a cache size that is not a positive integer', () => {
    expect(() => schemaDecoder(fakeRegistry([]).source, { cacheSize: 0 })).toThrow(RangeError);
  });
});
