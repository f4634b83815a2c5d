/**
 * The HTTP API's schema routes against a real broker over undici: registering, versions,
 * compatibility, attaching to stations, deleting, each answering as its frame does with the
 * spec's status for each code; strict bodies; produce through HTTP to a station with a schema;
 * permissions. [SCHEMA-1] [SCHEMA-2] [SCHEMA-3] [SCHEMA-4] [SCHEMA-6] [SCHEMA-9] [SEC-5]
 */
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { api } from '../support/http-api.js';
import { useTempDirs } from '../support/temp-dir.js';
import { tokenConfig, tokenOf } from '../support/token-config.js';

const fixture = useBrokers();
const tempDir = useTempDirs('http-schemas');

const ORDER_V1 = JSON.stringify({
  type: 'object',
  required: ['id', 'price'],
  properties: {
    id: { type: 'string', pattern: '^o-[0-9]+$' },
    price: { type: 'number', minimum: 0 },
  },
  additionalProperties: false,
});
const ORDER_V2 = JSON.stringify({
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' }, price: { type: 'number' } },
});

const READING_V1 = `syntax = "proto3";
package iot;
message Reading { string device = 1; double celsius = 2; int64 at = 3; }`;

const status = (a: { status: number; code: string | undefined }) => [a.status, a.code];

async function createOrders(b: BrokerProcess, name = 'orders', token?: string) {
  return api(b, 'POST', '/schemas', {
    body: { name, type: 'json', definition: ORDER_V1 },
    ...(token === undefined ? {} : { token }),
  });
}

/** A station `orders` of one partition with schema `orders` attached in `mode`. */
async function guarded(b: BrokerProcess, mode: 'reject' | 'deadletter') {
  expect((await api(b, 'PUT', '/stations/orders', { body: { partitions: 1 } })).status).toBe(200);
  expect((await createOrders(b)).status).toBe(200);
  const attached = await api(b, 'PUT', '/stations/orders/schema', {
    body: { name: 'orders', mode },
  });
  expect(attached.status).toBe(200);
}

describe('HTTP schema registry', () => {
  it('[SCHEMA-1] POST /schemas registers version 1 with its fingerprint, as `type`; the same again answers it, another type or definition is SCHEMA_EXISTS (409)', async () => {
    const b = await fixture.broker();
    const created = await createOrders(b);
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      name: 'orders',
      type: 'json',
      compatibility: 'none',
      latest: 1,
      stations: [],
    });
    expect(created.json.schemaType).toBeUndefined();
    expect(created.json.versions).toHaveLength(1);
    expect(created.json.versions[0]).toMatchObject({ version: 1 });
    expect(created.json.versions[0].fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Spaced differently: the same canonical form, so the same schema.
    const spaced = JSON.stringify(JSON.parse(ORDER_V1), null, 2);
    const again = await api(b, 'POST', '/schemas', {
      body: { name: 'orders', type: 'json', definition: spaced },
    });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(created.json);
    const other = await api(b, 'POST', '/schemas', {
      body: { name: 'orders', type: 'json', definition: ORDER_V2 },
    });
    expect(status(other)).toEqual([409, 'SCHEMA_EXISTS']);
    expect(other.json.error.retriable).toBe(false);
    const avro = await api(b, 'POST', '/schemas', {
      body: { name: 'orders', type: 'avro', definition: '"string"' },
    });
    expect(status(avro)).toEqual([409, 'SCHEMA_EXISTS']);
  });

  it('[SCHEMA-1] GET /schemas pages in name order with after and limit, without versions; GET /schemas/{name} has them; an unknown one is SCHEMA_NOT_FOUND (404)', async () => {
    const b = await fixture.broker();
    for (const name of ['orders.b', 'orders.a', 'orders.c'])
      expect((await createOrders(b, name)).status).toBe(200);
    const first = await api(b, 'GET', '/schemas?limit=2');
    expect(first.status).toBe(200);
    expect(first.json.schemas.map((s: { name: string }) => s.name)).toEqual([
      'orders.a',
      'orders.b',
    ]);
    expect(first.json.more).toBe(true);
    expect(first.json.schemas[0]).toMatchObject({ type: 'json', latest: 1, stations: [] });
    expect(first.json.schemas[0].versions).toBeUndefined();
    const next = await api(b, 'GET', '/schemas?limit=2&after=orders.b');
    expect(next.json).toMatchObject({ schemas: [{ name: 'orders.c' }], more: false });
    const one = await api(b, 'GET', '/schemas/orders.a');
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ name: 'orders.a', type: 'json', latest: 1 });
    expect(one.json.versions).toHaveLength(1);
    expect(status(await api(b, 'GET', '/schemas/nope'))).toEqual([404, 'SCHEMA_NOT_FOUND']);
    for (const query of ['limit=x', 'limit=-1', 'prefix=orders', 'after=a&after=b'])
      expect([query, ...status(await api(b, 'GET', `/schemas?${query}`))]).toEqual([
        query,
        400,
        'INVALID_FIELD',
      ]);
  });

  it('[SCHEMA-1] POST /schemas/{name}/versions adds the next version, the latest again adds none; GET …/versions/{version} reads one by number or latest, its definition as text', async () => {
    const b = await fixture.broker();
    await createOrders(b);
    const added = await api(b, 'POST', '/schemas/orders/versions', {
      body: { definition: ORDER_V2 },
    });
    expect(added.status).toBe(200);
    expect(added.json).toMatchObject({ name: 'orders', type: 'json', latest: 2 });
    expect(added.json.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const same = await api(b, 'POST', '/schemas/orders/versions', {
      body: { definition: ORDER_V2 },
    });
    expect(same.json.latest).toBe(2);
    const v1 = await api(b, 'GET', '/schemas/orders/versions/1');
    expect(v1.status).toBe(200);
    expect(v1.json).toEqual({
      name: 'orders',
      type: 'json',
      version: 1,
      fingerprint: added.json.versions[0].fingerprint,
      createdAt: added.json.versions[0].createdAt,
      definition: ORDER_V1,
    });
    const latest = await api(b, 'GET', '/schemas/orders/versions/latest');
    expect(latest.json).toMatchObject({ version: 2, definition: ORDER_V2 });
    expect(status(await api(b, 'GET', '/schemas/orders/versions/3'))).toEqual([
      404,
      'SCHEMA_NOT_FOUND',
    ]);
    expect(status(await api(b, 'GET', '/schemas/nope/versions/latest'))).toEqual([
      404,
      'SCHEMA_NOT_FOUND',
    ]);
    expect(
      status(await api(b, 'POST', '/schemas/nope/versions', { body: { definition: ORDER_V2 } })),
    ).toEqual([404, 'SCHEMA_NOT_FOUND']);
    for (const version of ['x', '-1', '1.0', 'LATEST'])
      expect([
        version,
        ...status(await api(b, 'GET', `/schemas/orders/versions/${version}`)),
      ]).toEqual([version, 400, 'INVALID_FIELD']);
  });

  it('[SCHEMA-3] backward: a protobuf version that retypes a field is SCHEMA_INCOMPATIBLE (409); PATCH sets none and it goes; backward on json is INVALID_CONFIG (400)', async () => {
    const b = await fixture.broker();
    const created = await api(b, 'POST', '/schemas', {
      body: {
        name: 'readings',
        type: 'protobuf',
        definition: READING_V1,
        messageType: 'iot.Reading',
        compatibility: 'backward',
      },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ type: 'protobuf', compatibility: 'backward' });
    expect(created.json.versions[0].messageType).toBe('iot.Reading');
    const retyped = READING_V1.replace('double celsius = 2', 'string celsius = 2');
    const broken = await api(b, 'POST', '/schemas/readings/versions', {
      body: { definition: retyped },
    });
    expect(status(broken)).toEqual([409, 'SCHEMA_INCOMPATIBLE']);
    expect(broken.json.error.message).toContain('2');
    const none = await api(b, 'PATCH', '/schemas/readings', { body: { compatibility: 'none' } });
    expect(none.status).toBe(200);
    expect(none.json).toMatchObject({ name: 'readings', compatibility: 'none', latest: 1 });
    const added = await api(b, 'POST', '/schemas/readings/versions', {
      body: { definition: retyped, messageType: 'iot.Reading' },
    });
    expect(added.json.latest).toBe(2);
    const latest = await api(b, 'GET', '/schemas/readings/versions/latest');
    expect(latest.json).toMatchObject({
      type: 'protobuf',
      version: 2,
      messageType: 'iot.Reading',
      definition: retyped,
    });

    const json = await api(b, 'POST', '/schemas', {
      body: { name: 'orders', type: 'json', definition: ORDER_V1, compatibility: 'backward' },
    });
    expect(status(json)).toEqual([400, 'INVALID_CONFIG']);
    await createOrders(b);
    expect(
      status(await api(b, 'PATCH', '/schemas/orders', { body: { compatibility: 'backward' } })),
    ).toEqual([400, 'INVALID_CONFIG']);
    expect(
      status(await api(b, 'PATCH', '/schemas/nope', { body: { compatibility: 'none' } })),
    ).toEqual([404, 'SCHEMA_NOT_FOUND']);
  });

  it('[SCHEMA-2] a definition that does not compile is SCHEMA_INVALID (400) and registers nothing', async () => {
    const b = await fixture.broker();
    const refused: Array<[string, string, string, string?]> = [
      ['not json', 'json', '{"type":'],
      ['backreference', 'json', '{"type":"string","pattern":"^(a)\\\\1$"}'],
      ['no message type', 'protobuf', READING_V1],
      ['unknown message type', 'protobuf', READING_V1, 'iot.Nope'],
      ['bad avro', 'avro', '{"type":"record","name":"r","fields":[{"name":"a","type":"nope"}]}'],
    ];
    for (const [what, type, definition, messageType] of refused) {
      const answer = await api(b, 'POST', '/schemas', {
        body: {
          name: 'x',
          type,
          definition,
          ...(messageType === undefined ? {} : { messageType }),
        },
      });
      expect([what, ...status(answer)]).toEqual([what, 400, 'SCHEMA_INVALID']);
    }
    await createOrders(b);
    const version = await api(b, 'POST', '/schemas/orders/versions', {
      body: { definition: '{"type":' },
    });
    expect(status(version)).toEqual([400, 'SCHEMA_INVALID']);
    expect(
      (await api(b, 'GET', '/schemas')).json.schemas.map((s: { name: string }) => s.name),
    ).toEqual(['orders']);
    expect((await api(b, 'GET', '/schemas/orders')).json.latest).toBe(1);
  });

  it('bodies are checked: a missing, mistyped or unknown field, another Content-Type or bad JSON is INVALID_FIELD (400), a bad name INVALID_NAME (400); nothing is registered', async () => {
    const b = await fixture.broker();
    const post = (body: unknown) => api(b, 'POST', '/schemas', { body });
    const def = ORDER_V1;
    const refused = [
      [await post({ name: 'x', type: 'json' }), 'body.definition: missing'],
      [await post({ name: 'x', definition: def }), 'body.type: missing'],
      [await post({ type: 'json', definition: def }), 'body.name: missing'],
      [await post({ name: 'x', type: 'xml', definition: def }), 'body.type: expected one of'],
      [await post({ name: 'x', schemaType: 'json', type: 'json', definition: def }), 'unknown'],
      [await post({ name: 'x', type: 'json', definition: JSON.parse(def) }), 'expected a string'],
      [await post({ name: 'x', type: 'json', definition: def, compatibility: 'full' }), 'one of'],
      [await post([{ name: 'x', type: 'json', definition: def }]), 'expected an object'],
      [await api(b, 'POST', '/schemas', { raw: '{"name":', type: 'application/json' }), 'JSON'],
      [await api(b, 'POST', '/schemas', { raw: '{}', type: 'text/plain' }), 'Content-Type'],
      [await api(b, 'POST', '/schemas'), 'Content-Type'],
      [await api(b, 'POST', '/schemas/x/versions', { body: { definition: 1 } }), 'string'],
      [
        await api(b, 'POST', '/schemas/x/versions', { body: { definition: def, def } }),
        'body.def: unknown field',
      ],
      [await api(b, 'PATCH', '/schemas/x', { body: {} }), 'body.compatibility: missing'],
      [await api(b, 'PUT', '/stations/s/schema', { body: { version: 1 } }), 'body.name: missing'],
      [await api(b, 'PUT', '/stations/s/schema', { body: { name: 'x', mode: 'drop' } }), 'one of'],
      [await api(b, 'PUT', '/stations/s/schema', { body: { name: 'x', version: -1 } }), 'least'],
    ] as const;
    for (const [answer, message] of refused) {
      expect([message, ...status(answer)]).toEqual([message, 400, 'INVALID_FIELD']);
      expect(answer.json.error.message).toContain(message);
    }
    const badName = await api(b, 'POST', '/schemas', {
      body: { name: 'Orders', type: 'json', definition: def },
    });
    expect(status(badName)).toEqual([400, 'INVALID_NAME']);
    expect((await api(b, 'GET', '/schemas')).json).toEqual({ schemas: [], more: false });
  });

  it('a definition past the admin body limit is taken up to maxSchemaBytes; over it is LIMIT_EXCEEDED (413)', async () => {
    const b = await fixture.broker();
    // 100 KB of description, past the 64 KiB of an admin body, within maxSchemaBytes.
    const big = JSON.stringify({ type: 'object', description: 'x'.repeat(100_000) });
    const taken = await api(b, 'POST', '/schemas', {
      body: { name: 'big', type: 'json', definition: big },
    });
    expect(taken.status).toBe(200);
    expect((await api(b, 'GET', '/schemas/big/versions/1')).json.definition).toBe(big);
    const over = JSON.stringify({ type: 'object', description: 'x'.repeat(262_144) });
    const refused = await api(b, 'POST', '/schemas', {
      body: { name: 'over', type: 'json', definition: over },
    });
    expect(status(refused)).toEqual([413, 'LIMIT_EXCEEDED']);
    expect(status(await api(b, 'GET', '/schemas/over'))).toEqual([404, 'SCHEMA_NOT_FOUND']);
  });
});

describe('HTTP schemas on stations', () => {
  it('[SCHEMA-4] PUT /stations/{station}/schema attaches at the latest or a version, replacing; DELETE detaches; both answer the station; unknown ones are SCHEMA_NOT_FOUND or STATION_NOT_FOUND (404)', async () => {
    const b = await fixture.broker();
    expect((await api(b, 'PUT', '/stations/orders')).status).toBe(200);
    await createOrders(b);
    const attached = await api(b, 'PUT', '/stations/orders/schema', { body: { name: 'orders' } });
    expect(attached.status).toBe(200);
    expect(attached.json.name).toBe('orders');
    expect(attached.json.schema).toEqual({ name: 'orders', mode: 'reject' });
    const pinned = await api(b, 'PUT', '/stations/orders/schema', {
      body: { name: 'orders', version: 1, mode: 'deadletter' },
    });
    expect(pinned.json.schema).toEqual({ name: 'orders', version: 1, mode: 'deadletter' });
    expect((await api(b, 'GET', '/stations/orders')).json.schema).toEqual(pinned.json.schema);
    expect((await api(b, 'GET', '/schemas/orders')).json.stations).toEqual(['orders']);
    for (const body of [{ name: 'orders', version: 2 }, { name: 'nope' }])
      expect(status(await api(b, 'PUT', '/stations/orders/schema', { body }))).toEqual([
        404,
        'SCHEMA_NOT_FOUND',
      ]);
    expect(
      status(await api(b, 'PUT', '/stations/nope/schema', { body: { name: 'orders' } })),
    ).toEqual([404, 'STATION_NOT_FOUND']);
    expect((await api(b, 'GET', '/stations/orders')).json.schema).toEqual(pinned.json.schema);
    const detached = await api(b, 'DELETE', '/stations/orders/schema');
    expect(detached.status).toBe(200);
    expect(detached.json.name).toBe('orders');
    expect(detached.json.schema).toBeUndefined();
    expect((await api(b, 'GET', '/schemas/orders')).json.stations).toEqual([]);
    expect(status(await api(b, 'DELETE', '/stations/nope/schema'))).toEqual([
      404,
      'STATION_NOT_FOUND',
    ]);
  });

  it('[SCHEMA-9] DELETE /schemas/{name} is SCHEMA_IN_USE (409) naming the station while attached; once detached 204, and every version is gone', async () => {
    const b = await fixture.broker();
    expect((await api(b, 'PUT', '/stations/orders')).status).toBe(200);
    await createOrders(b);
    await api(b, 'PUT', '/stations/orders/schema', { body: { name: 'orders' } });
    const inUse = await api(b, 'DELETE', '/schemas/orders');
    expect(status(inUse)).toEqual([409, 'SCHEMA_IN_USE']);
    expect(inUse.json.error.message).toContain('orders');
    expect((await api(b, 'DELETE', '/stations/orders/schema')).status).toBe(200);
    const deleted = await api(b, 'DELETE', '/schemas/orders');
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(status(await api(b, 'GET', '/schemas/orders/versions/1'))).toEqual([
      404,
      'SCHEMA_NOT_FOUND',
    ]);
    expect(status(await api(b, 'DELETE', '/schemas/orders'))).toEqual([404, 'SCHEMA_NOT_FOUND']);
  });

  it('[SCHEMA-6] reject: a message produced over HTTP that fails has the result SCHEMA_VIOLATION and is not stored; the others are', async () => {
    const b = await fixture.broker();
    await guarded(b, 'reject');
    const produced = await api(b, 'POST', '/stations/orders/messages', {
      body: [{ value: { id: 'o-1', price: 3 } }, { value: { id: 'o-2', price: -1 } }],
    });
    expect(produced.status).toBe(200);
    const [ok, failed] = produced.json.results;
    expect(ok).toMatchObject({ partition: 0, offset: 0 });
    expect(failed.error.code).toBe('SCHEMA_VIOLATION');
    expect(failed.error.message).toMatch(/schema 'orders' version 1: .*price/);
    expect(failed.error.deadLetterId).toBeUndefined();
    // One message alone: its error is the answer's, at the code's status.
    const alone = await api(b, 'POST', '/stations/orders/messages', { body: { value: 'nope' } });
    expect(status(alone)).toEqual([422, 'SCHEMA_VIOLATION']);
    const stored = await api(b, 'GET', '/stations/orders/partitions/0/messages');
    expect(stored.json.messages.map((m: { text: string }) => JSON.parse(m.text).id)).toEqual([
      'o-1',
    ]);
    expect((await api(b, 'GET', '/stations/orders')).json.deadLetters).toBe(0);
  });

  it('[SCHEMA-6] deadletter: the failing result carries deadLetterId, and GET of the dead letters shows the entry with group $schema', async () => {
    const b = await fixture.broker();
    await guarded(b, 'deadletter');
    const produced = await api(b, 'POST', '/stations/orders/messages', {
      body: [
        { value: { id: 'o-1', price: -5 }, key: 'k', headers: { trace: 't1' } },
        { value: { id: 'o-2', price: 5 } },
      ],
    });
    expect(produced.status).toBe(200);
    const [failed, ok] = produced.json.results;
    expect(failed.error.code).toBe('SCHEMA_VIOLATION');
    expect(typeof failed.error.deadLetterId).toBe('number');
    expect(ok).toMatchObject({ partition: 0, offset: 0 });
    const dls = await api(b, 'GET', '/stations/orders/dead-letters');
    expect(dls.status).toBe(200);
    expect(dls.json.more).toBe(false);
    expect(dls.json.entries).toHaveLength(1);
    const [entry] = dls.json.entries;
    expect(entry).toMatchObject({
      id: failed.error.deadLetterId,
      group: '$schema',
      deliveryCount: 0,
      offset: 0,
      partition: 0,
      key: 'k',
      headers: { trace: 't1' },
    });
    expect(JSON.parse(entry.text)).toEqual({ id: 'o-1', price: -5 });
    expect(entry.reason).toMatch(/schema 'orders' version 1: .*price/);
    const byGroup = await api(b, 'GET', '/stations/orders/dead-letters?group=%24schema');
    expect(byGroup.json.entries.map((e: { id: number }) => e.id)).toEqual([entry.id]);
    const stored = await api(b, 'GET', '/stations/orders/partitions/0/messages');
    expect(stored.json.messages.map((m: { text: string }) => JSON.parse(m.text).id)).toEqual([
      'o-2',
    ]);
    // One message alone: the answer is its error, at the code's status, with the entry's id.
    const alone = await api(b, 'POST', '/stations/orders/messages', { body: { value: 'nope' } });
    expect(status(alone)).toEqual([422, 'SCHEMA_VIOLATION']);
    expect(alone.json.error.deadLetterId).toBe(failed.error.deadLetterId + 1);
  });
});

describe('[SEC-5] HTTP schema permissions', () => {
  it('schema routes need admin on the schema name, attaching and detaching admin on the station; GETs need only an authenticated principal', async () => {
    const file = tokenConfig(
      tempDir(),
      {
        root: undefined,
        team: { allow: [{ actions: ['admin'], stations: ['orders*'] }] },
        producer: { allow: [{ actions: ['produce'], stations: ['orders'] }] },
        outsider: { allow: [{ actions: ['*'], stations: ['other.*'] }] },
      },
      { failureDelayMs: 0 },
    );
    const b = await fixture.broker({ args: ['--config', file] });
    const root = tokenOf('root');
    expect((await api(b, 'PUT', '/stations/orders', { token: root })).status).toBe(200);
    expect((await api(b, 'PUT', '/stations/payments', { token: root })).status).toBe(200);
    expect((await createOrders(b, 'payments', root)).status).toBe(200);

    const team = tokenOf('team');
    expect((await createOrders(b, 'orders', team)).status).toBe(200);

    const denied: Array<[string, 'POST' | 'PATCH' | 'DELETE' | 'PUT', string, unknown?]> = [
      ['team', 'POST', '/schemas', { name: 'billing', type: 'json', definition: '{}' }],
      ['team', 'DELETE', '/schemas/payments'],
      ['team', 'PUT', '/stations/payments/schema', { name: 'orders' }],
      ['producer', 'POST', '/schemas', { name: 'orders.x', type: 'json', definition: '{}' }],
      ['producer', 'POST', '/schemas/orders/versions', { definition: ORDER_V2 }],
      ['producer', 'PATCH', '/schemas/orders', { compatibility: 'none' }],
      ['producer', 'DELETE', '/schemas/orders'],
      ['producer', 'PUT', '/stations/orders/schema', { name: 'orders' }],
      ['producer', 'DELETE', '/stations/orders/schema'],
    ];
    for (const [who, method, path, body] of denied) {
      const what = `${who}: ${method} ${path}`;
      const answer = await api(b, method, path, {
        token: tokenOf(who),
        ...(body === undefined ? {} : { body }),
      });
      expect([what, ...status(answer)]).toEqual([what, 403, 'NOT_AUTHORIZED']);
      expect(answer.json.error.message).toContain('admin');
    }
    expect((await api(b, 'GET', '/schemas/payments', { token: root })).json.latest).toBe(1);
    expect(status(await api(b, 'GET', '/schemas/billing', { token: root }))).toEqual([
      404,
      'SCHEMA_NOT_FOUND',
    ]);

    // Reading needs no action: producers and consumers read definitions to encode and decode.
    for (const who of ['producer', 'outsider']) {
      const token = tokenOf(who);
      const list = await api(b, 'GET', '/schemas', { token });
      expect([who, list.status]).toEqual([who, 200]);
      expect(list.json.schemas.map((s: { name: string }) => s.name)).toEqual([
        'orders',
        'payments',
      ]);
      expect((await api(b, 'GET', '/schemas/orders', { token })).status).toBe(200);
      const latest = await api(b, 'GET', '/schemas/orders/versions/latest', { token });
      expect(latest.json.definition).toBe(ORDER_V1);
    }
    for (const path of ['/schemas', '/schemas/orders', '/schemas/orders/versions/1'])
      expect(status(await api(b, 'GET', path))).toEqual([401, 'AUTH_FAILED']);

    const attached = await api(b, 'PUT', '/stations/orders/schema', {
      token: team,
      body: { name: 'orders' },
    });
    expect(attached.json.schema).toEqual({ name: 'orders', mode: 'reject' });
    expect((await api(b, 'DELETE', '/stations/orders/schema', { token: team })).status).toBe(200);
    expect((await api(b, 'DELETE', '/schemas/orders', { token: team })).status).toBe(204);
    for (const action of ['schemaCreate', 'schemaAttach', 'schemaDetach', 'schemaDelete'])
      await b.logged(
        (l) =>
          l.audit === true &&
          l.outcome === 'ok' &&
          l.action === action &&
          l.transport === 'http' &&
          l.principal === 'team',
      );
    await b.logged(
      (l) =>
        l.audit === true &&
        l.outcome === 'NOT_AUTHORIZED' &&
        l.action === 'schemaCreate' &&
        l.principal === 'producer',
    );
  });
});
