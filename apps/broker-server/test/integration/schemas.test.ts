/**
 * The schema registry and its enforcement on a real broker process over TCP: versions,
 * compatibility, attachments, reject and deadletter, the schema headers, resend, restart and
 * permissions. [SCHEMA-1] .. [SCHEMA-10]
 */

import { FRAME_CODES, type Frame, type ProduceMessage, type ProduceResult } from '@ferry/protocol';
import { encode } from '@msgpack/msgpack';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { ParsedExposition } from '../support/exposition.js';
import { connectTcp, connectWs } from '../support/raw-client.js';
import { expectError, expectType, Requester } from '../support/requester.js';
import { useTempDirs } from '../support/temp-dir.js';
import { tokenConfig, tokenOf } from '../support/token-config.js';

const fixture = useBrokers();
const tempDir = useTempDirs('schemas');

const bytes = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => bytes(JSON.stringify(v));

const ORDER_V1 = JSON.stringify({
  type: 'object',
  required: ['id', 'price'],
  properties: {
    id: { type: 'string', pattern: '^o-[0-9]+$' },
    price: { type: 'number', minimum: 0 },
    email: { type: 'string', format: 'email' },
  },
  additionalProperties: false,
});

const READING_V1 = `syntax = "proto3";
package iot;
message Reading { string device = 1; double celsius = 2; int64 at = 3; }`;

const codeOf = (frame: Frame) => (frame.type === 'error' ? frame.code : frame.type);

async function createJson(r: Requester, name: string, definition = ORDER_V1) {
  return expectType(
    await r.request({
      type: 'schemaCreate',
      name,
      schemaType: 'json',
      definition: bytes(definition),
    }),
    'schema',
  ).info;
}

async function produce(r: Requester, station: string, messages: ProduceMessage[]) {
  return expectType(await r.request({ type: 'produce', station, messages }), 'produceAck').results;
}

async function browse(r: Requester, station: string) {
  return expectType(await r.request({ type: 'browse', station, partition: 0 }), 'messages')
    .messages;
}

const isOk = (r: ProduceResult | undefined) => r?.kind === 'ok';

describe('the schema registry', () => {
  it('[SCHEMA-1] versions are numbered from 1 with fingerprints; a create or a version repeating the latest makes none', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    const created = await createJson(r, 'orders');
    expect(created).toMatchObject({
      name: 'orders',
      schemaType: 'json',
      compatibility: 'none',
      latest: 1,
      stations: [],
    });
    expect(created.versions?.[0]?.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The same definition, spaced differently: the same fingerprint, so the same schema.
    const again = await createJson(r, 'orders', JSON.stringify(JSON.parse(ORDER_V1), null, 2));
    expect(again.latest).toBe(1);
    const exists = expectError(
      await r.request({
        type: 'schemaCreate',
        name: 'orders',
        schemaType: 'json',
        definition: bytes('{"type":"string"}'),
      }),
    );
    expect(exists.code).toBe('SCHEMA_EXISTS');

    const v2 = `${ORDER_V1.slice(0, -1)},"description":"v2"}`;
    const added = expectType(
      await r.request({ type: 'schemaAddVersion', name: 'orders', definition: bytes(v2) }),
      'schema',
    ).info;
    expect(added.latest).toBe(2);
    expect(added.versions?.map((v) => v.version)).toEqual([1, 2]);
    const same = expectType(
      await r.request({ type: 'schemaAddVersion', name: 'orders', definition: bytes(v2) }),
      'schema',
    ).info;
    expect(same.latest).toBe(2);

    const got = expectType(
      await r.request({ type: 'schemaGet', name: 'orders', version: 1 }),
      'schemaVersion',
    );
    expect(got).toMatchObject({ name: 'orders', schemaType: 'json', version: { version: 1 } });
    expect(new TextDecoder().decode(got.version.definition)).toBe(ORDER_V1);
    const latest = expectType(
      await r.request({ type: 'schemaGet', name: 'orders' }),
      'schemaVersion',
    );
    expect(latest.version.version).toBe(2);

    await createJson(r, 'audit', '{"type":"object"}');
    const list = expectType(await r.request({ type: 'schemaList', limit: 1 }), 'schemas');
    expect(list.schemas.map((s) => s.name)).toEqual(['audit']);
    expect(list.more).toBe(true);
    expect(list.schemas[0]?.versions).toBeUndefined();
    const next = expectType(await r.request({ type: 'schemaList', after: 'audit' }), 'schemas');
    expect(next.schemas.map((s) => s.name)).toEqual(['orders']);

    for (const frame of [
      { type: 'schemaInfo', name: 'nope' },
      { type: 'schemaGet', name: 'orders', version: 3 },
      { type: 'schemaAddVersion', name: 'nope', definition: bytes('{}') },
      { type: 'schemaDelete', name: 'nope' },
    ] as const)
      expect(codeOf(await r.request(frame))).toBe('SCHEMA_NOT_FOUND');
    expect(
      codeOf(
        await r.request({
          type: 'schemaCreate',
          name: 'Bad Name',
          schemaType: 'json',
          definition: bytes('{}'),
        }),
      ),
    ).toBe('INVALID_NAME');
  });

  it('[SCHEMA-2] a definition that does not compile or would make validation unbounded is SCHEMA_INVALID and nothing is registered', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    const refused: Array<[string, 'json' | 'protobuf' | 'avro', string, string?]> = [
      ['not json', 'json', '{"type":'],
      ['backreference', 'json', '{"type":"string","pattern":"^(a)\\\\1$"}'],
      ['lookahead', 'json', '{"type":"string","pattern":"^(?=a)"}'],
      ['unbounded uniqueItems', 'json', '{"type":"array","uniqueItems":true}'],
      ['remote ref', 'json', '{"$ref":"https://example.com/schema.json"}'],
      ['unknown keyword', 'json', '{"type":"object","requried":["a"]}'],
      ['deep', 'json', `${'{"items":'.repeat(40)}{}${'}'.repeat(40)}`],
      ['no message type', 'protobuf', READING_V1],
      ['unknown message type', 'protobuf', READING_V1, 'iot.Nope'],
      [
        'unknown import',
        'protobuf',
        `syntax = "proto3"; import "other.proto"; message A { int32 a = 1; }`,
        'A',
      ],
      ['bad proto', 'protobuf', 'message {', 'A'],
      ['bad avro', 'avro', '{"type":"record","name":"r","fields":[{"name":"a","type":"nope"}]}'],
    ];
    for (const [what, schemaType, definition, messageType] of refused) {
      const reply = await r.request({
        type: 'schemaCreate',
        name: 'x',
        schemaType,
        definition: bytes(definition),
        ...(messageType === undefined ? {} : { messageType }),
      });
      expect([what, codeOf(reply)]).toEqual([what, 'SCHEMA_INVALID']);
    }
    expect(expectType(await r.request({ type: 'schemaList' }), 'schemas').schemas).toEqual([]);
    // Over maxSchemaBytes the decoder refuses the frame (the encoder would not write it) and
    // closes that connection (ENC-4); the broker keeps serving the others.
    const raw = await connectTcp(b.tcpPort);
    fixture.track(raw);
    await raw.handshake();
    const definition = new Uint8Array(262_145).fill(0x20);
    const body = encode([FRAME_CODES.schemaCreate, 7, 'x', 'protobuf', definition, 'A']);
    const frame = new Uint8Array(4 + body.length);
    new DataView(frame.buffer).setUint32(0, body.length);
    frame.set(body, 4);
    raw.sendRaw(frame);
    const refusal = expectError(await raw.next());
    expect(refusal).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(refusal.message).toContain('definition');
    await raw.closed;
    const { requests: other } = await fixture.connect(b);
    expect(codeOf(await other.request({ type: 'schemaList' }))).toBe('schemas');
  });

  it('[SCHEMA-3] backward: a protobuf version that retypes or drops an unreserved field is SCHEMA_INCOMPATIBLE; json offers none only', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    expectType(
      await r.request({
        type: 'schemaCreate',
        name: 'readings',
        schemaType: 'protobuf',
        definition: bytes(READING_V1),
        messageType: 'iot.Reading',
        compatibility: 'backward',
      }),
      'schema',
    );
    const retyped = READING_V1.replace('double celsius = 2', 'string celsius = 2');
    const dropped = READING_V1.replace('double celsius = 2; ', '');
    const added = READING_V1.replace('int64 at = 3;', 'int64 at = 3; string unit = 4;');
    const reserved = added.replace('double celsius = 2;', 'reserved 2;');
    for (const definition of [retyped, dropped]) {
      const reply = expectError(
        await r.request({
          type: 'schemaAddVersion',
          name: 'readings',
          definition: bytes(definition),
        }),
      );
      expect(reply.code).toBe('SCHEMA_INCOMPATIBLE');
      expect(reply.message).toContain('2');
    }
    for (const definition of [added, reserved]) {
      const reply = await r.request({
        type: 'schemaAddVersion',
        name: 'readings',
        definition: bytes(definition),
      });
      expect(codeOf(reply)).toBe('schema');
    }
    // With none, anything valid goes.
    expectType(
      await r.request({ type: 'schemaUpdate', name: 'readings', compatibility: 'none' }),
      'schema',
    );
    expect(
      codeOf(
        await r.request({ type: 'schemaAddVersion', name: 'readings', definition: bytes(retyped) }),
      ),
    ).toBe('schema');

    expect(
      codeOf(
        await r.request({
          type: 'schemaCreate',
          name: 'orders',
          schemaType: 'json',
          definition: bytes(ORDER_V1),
          compatibility: 'backward',
        }),
      ),
    ).toBe('INVALID_CONFIG');
    await createJson(r, 'orders');
    expect(
      codeOf(await r.request({ type: 'schemaUpdate', name: 'orders', compatibility: 'backward' })),
    ).toBe('INVALID_CONFIG');
  });
});

describe('schemas attached to stations', () => {
  it('[SCHEMA-4] attach at a version or the latest, shown in station info, replaced, detached; unknown ones are SCHEMA_NOT_FOUND', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'orders' });
    await createJson(r, 'orders');
    const attached = expectType(
      await r.request({ type: 'schemaAttach', station: 'orders', schema: 'orders' }),
      'station',
    ).info;
    expect(attached.schema).toEqual({ name: 'orders', mode: 'reject' });
    const pinned = expectType(
      await r.request({
        type: 'schemaAttach',
        station: 'orders',
        schema: 'orders',
        version: 1,
        mode: 'deadletter',
      }),
      'station',
    ).info;
    expect(pinned.schema).toEqual({ name: 'orders', version: 1, mode: 'deadletter' });
    const info = expectType(await r.request({ type: 'schemaInfo', name: 'orders' }), 'schema').info;
    expect(info.stations).toEqual(['orders']);
    expect(
      codeOf(
        await r.request({ type: 'schemaAttach', station: 'orders', schema: 'orders', version: 2 }),
      ),
    ).toBe('SCHEMA_NOT_FOUND');
    expect(
      codeOf(await r.request({ type: 'schemaAttach', station: 'orders', schema: 'nope' })),
    ).toBe('SCHEMA_NOT_FOUND');
    expect(
      codeOf(await r.request({ type: 'schemaAttach', station: 'nope', schema: 'orders' })),
    ).toBe('STATION_NOT_FOUND');
    const detached = expectType(
      await r.request({ type: 'schemaDetach', station: 'orders' }),
      'station',
    ).info;
    expect(detached.schema).toBeUndefined();
    const results = await produce(r, 'orders', [{ payload: bytes('not json at all') }]);
    expect(isOk(results[0])).toBe(true);
  });

  it('[SCHEMA-5] [SCHEMA-6] reject: a failing message is refused alone with the first error, the rest of the batch is stored', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'orders' });
    await createJson(r, 'orders');
    await r.request({ type: 'schemaAttach', station: 'orders', schema: 'orders' });
    const results = await produce(r, 'orders', [
      { payload: json({ id: 'o-1', price: 3 }) },
      { payload: json({ id: 'o-2', price: -1 }) },
      { payload: bytes('{"id":') },
      { payload: json({ id: 'o-3', price: 1, email: 'not an email' }) },
      { payload: new Uint8Array([0xff, 0xfe]) },
      { payload: json({ id: 'o-4', price: 0, email: 'a@example.com' }) },
    ]);
    expect(results.map((x) => (x.kind === 'ok' ? 'ok' : x.code))).toEqual([
      'ok',
      'SCHEMA_VIOLATION',
      'SCHEMA_VIOLATION',
      'SCHEMA_VIOLATION',
      'SCHEMA_VIOLATION',
      'ok',
    ]);
    const price = results[1];
    expect(price?.kind === 'error' && price.message).toMatch(
      /schema 'orders' version 1: .*price.*>= 0/,
    );
    expect(price?.kind === 'error' && price.deadLetterId).toBeUndefined();
    const email = results[3];
    expect(email?.kind === 'error' && email.message).toContain('email');
    const stored = await browse(r, 'orders');
    expect(stored.map((m) => JSON.parse(new TextDecoder().decode(m.payload)).id)).toEqual([
      'o-1',
      'o-4',
    ]);
    const station = expectType(await r.request({ type: 'stationInfo', name: 'orders' }), 'station');
    expect(station.info.deadLetters).toBe(0);
    const res = await fetch(`http://127.0.0.1:${b.httpPort}/metrics`);
    const metrics = ParsedExposition.parse(await res.text());
    expect(metrics.value('ferry_schema_violations_total', { station: 'orders' })).toBe(4);
  });

  it('[SCHEMA-6] deadletter: a failing message goes to the dead-letter store under $schema with its reason and is never delivered', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'orders', config: { partitions: 2 } });
    await createJson(r, 'orders');
    await r.request({
      type: 'schemaAttach',
      station: 'orders',
      schema: 'orders',
      mode: 'deadletter',
    });
    expectType(
      await r.request({
        type: 'subscribe',
        sid: 1,
        station: 'orders',
        group: 'billing',
        options: { start: { kind: 'earliest' }, credit: 10 },
      }),
      'subscribed',
    );
    const results = await produce(r, 'orders', [
      { payload: json({ id: 'o-1', price: -5 }), key: 'k', msgId: 'm-1', headers: { trace: 't1' } },
      { payload: json({ id: 'o-2', price: 5 }) },
    ]);
    const failed = results[0];
    expect(failed).toMatchObject({ kind: 'error', code: 'SCHEMA_VIOLATION' });
    const id = failed?.kind === 'error' ? failed.deadLetterId : undefined;
    expect(typeof id).toBe('number');
    expect(isOk(results[1])).toBe(true);
    const entries = expectType(
      await r.request({ type: 'dlsList', station: 'orders' }),
      'dlsEntries',
    ).entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      id,
      group: '$schema',
      deliveryCount: 0,
      offset: 0,
      key: 'k',
      msgId: 'm-1',
      headers: { trace: 't1' },
    });
    expect(entries[0]?.reason).toMatch(/schema 'orders' version 1: .*price/);
    const pushed = await r.nextUnsolicited();
    const delivered = expectType(pushed, 'deliver').messages;
    expect(delivered.map((m) => JSON.parse(new TextDecoder().decode(m.payload)).id)).toEqual([
      'o-2',
    ]);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.unsolicited).toEqual([]);
    const group = expectType(
      await r.request({ type: 'groupInfo', station: 'orders', group: 'billing' }),
      'group',
    ).info;
    expect(group.deadLetters ?? 0).toBe(0);

    // With the dead-letter store off, the message is refused, nothing kept.
    await r.request({
      type: 'stationUpdate',
      name: 'orders',
      config: { deadLetter: { enabled: false } },
    });
    const off = await produce(r, 'orders', [{ payload: json({ id: 'bad' }) }]);
    expect(off[0]).toMatchObject({ kind: 'error', code: 'SCHEMA_VIOLATION' });
    expect(off[0]?.kind === 'error' && off[0].deadLetterId).toBeUndefined();
  });

  it('[SCHEMA-7] validated messages carry the schema headers; the broker alone sets them', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'orders' });
    await r.request({ type: 'stationCreate', name: 'plain' });
    await createJson(r, 'orders');
    await r.request({ type: 'schemaAttach', station: 'orders', schema: 'orders' });
    const forged = { 'ferry-schema': 'forged', 'ferry-schema-version': '9', trace: 'x' };
    await produce(r, 'orders', [{ payload: json({ id: 'o-1', price: 1 }), headers: forged }]);
    await produce(r, 'plain', [
      { payload: bytes('p'), headers: forged },
      { payload: bytes('q'), headers: { 'ferry-schema': 'forged' } },
    ]);
    expect((await browse(r, 'orders')).map((m) => m.headers)).toEqual([
      { trace: 'x', 'ferry-schema': 'orders', 'ferry-schema-version': '1' },
    ]);
    expect((await browse(r, 'plain')).map((m) => m.headers)).toEqual([{ trace: 'x' }, undefined]);
    const full = Object.fromEntries(Array.from({ length: 63 }, (_, i) => [`h${i}`, 'v']));
    const results = await produce(r, 'orders', [
      { payload: json({ id: 'o-2', price: 1 }), headers: full },
    ]);
    expect(results[0]).toMatchObject({ kind: 'error', code: 'LIMIT_EXCEEDED' });
  });

  it('[SCHEMA-5] protobuf: payloads must decode as the message type; unknown fields are accepted', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'readings' });
    expectType(
      await r.request({
        type: 'schemaCreate',
        name: 'readings',
        schemaType: 'protobuf',
        definition: bytes(READING_V1),
        messageType: 'iot.Reading',
      }),
      'schema',
    );
    await r.request({ type: 'schemaAttach', station: 'readings', schema: 'readings' });
    const Reading = protobuf.parse(READING_V1).root.lookupType('iot.Reading');
    const valid = Reading.encode({ device: 'd1', celsius: 21.5, at: 1 }).finish();
    // Field 9 is not in the schema: a newer writer's field, skipped as Protobuf says.
    const unknown = new Uint8Array([...valid, 0x48, 0x01]);
    const truncated = valid.slice(0, valid.length - 1);
    const wrongWire = new Uint8Array([0x0a, 0xff, 0x01]);
    const results = await produce(r, 'readings', [
      { payload: valid },
      { payload: unknown },
      { payload: truncated },
      { payload: wrongWire },
    ]);
    expect(results.map((x) => (x.kind === 'ok' ? 'ok' : x.code))).toEqual([
      'ok',
      'ok',
      'SCHEMA_VIOLATION',
      'SCHEMA_VIOLATION',
    ]);
  });

  it('[SCHEMA-8] a catastrophic pattern is matched in linear time: the broker keeps serving every connection', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'evil' });
    await createJson(r, 'evil', '{"type":"string","pattern":"^(a+)+$"}');
    await r.request({ type: 'schemaAttach', station: 'evil', schema: 'evil' });
    const attack = json(`${'a'.repeat(50_000)}!`);
    const results = await produce(r, 'evil', [{ payload: attack }, { payload: json('aaa') }]);
    expect(results.map((x) => (x.kind === 'ok' ? 'ok' : x.code))).toEqual([
      'SCHEMA_VIOLATION',
      'ok',
    ]);
    const { requests: other } = await fixture.connect(b);
    expect(codeOf(await other.request({ type: 'stationList' }))).toBe('stations');
    // A payload too deep for a recursive schema is that message's violation, not a crash.
    await r.request({ type: 'stationCreate', name: 'trees' });
    await createJson(
      r,
      'trees',
      '{"$defs":{"t":{"type":"array","items":{"$ref":"#/$defs/t"}}},"$ref":"#/$defs/t"}',
    );
    await r.request({ type: 'schemaAttach', station: 'trees', schema: 'trees' });
    const deep = bytes(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    const tree = await produce(r, 'trees', [{ payload: deep }, { payload: json([[], [[]]]) }]);
    expect(tree.map((x) => (x.kind === 'ok' ? 'ok' : x.code))).toEqual(['SCHEMA_VIOLATION', 'ok']);
  });

  it('[SCHEMA-8] versions added and attached while producers run: every stored message passes the version its header names', async () => {
    const b = await fixture.broker();
    const { requests: admin } = await fixture.connect(b);
    await admin.request({ type: 'stationCreate', name: 'm' });
    const upTo = (max: number) =>
      JSON.stringify({
        type: 'object',
        required: ['x'],
        properties: { x: { type: 'integer', maximum: max } },
      });
    await createJson(admin, 'm', upTo(10));
    await admin.request({ type: 'schemaAttach', station: 'm', schema: 'm' });
    const producers = await Promise.all([0, 1, 2].map(() => fixture.connect(b)));
    let running = true;
    const sent = producers.map(async ({ requests: p }, n) => {
      let i = 0;
      while (running) {
        const batch = Array.from({ length: 20 }, (_, j) => ({
          payload: json({ x: (n * 7 + i + j) % 41 }),
        }));
        i++;
        await produce(p, 'm', batch);
      }
    });
    for (const max of [20, 30, 40]) {
      await new Promise((res) => setTimeout(res, 150));
      expectType(
        await admin.request({ type: 'schemaAddVersion', name: 'm', definition: bytes(upTo(max)) }),
        'schema',
      );
    }
    await new Promise((res) => setTimeout(res, 150));
    expectType(
      await admin.request({ type: 'schemaAttach', station: 'm', schema: 'm', version: 2 }),
      'station',
    );
    await new Promise((res) => setTimeout(res, 150));
    running = false;
    await Promise.all(sent);
    const maxOf: Record<string, number> = { '1': 10, '2': 20, '3': 30, '4': 40 };
    const seen = new Set<string>();
    let after = 0;
    for (;;) {
      const page = expectType(
        await admin.request({ type: 'browse', station: 'm', partition: 0, offset: after }),
        'messages',
      );
      for (const m of page.messages) {
        const version = m.headers?.['ferry-schema-version'] ?? '';
        seen.add(version);
        const { x } = JSON.parse(new TextDecoder().decode(m.payload)) as { x: number };
        expect(x).toBeLessThanOrEqual(maxOf[version] ?? -1);
      }
      if (page.next >= page.end) break;
      after = page.next;
    }
    expect([...seen].sort()).toEqual(['1', '2', '3', '4']);
  });

  it('[SCHEMA-9] a schema in use cannot be deleted; once detached it goes with every version', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'orders' });
    await createJson(r, 'orders');
    await r.request({ type: 'schemaAttach', station: 'orders', schema: 'orders' });
    const inUse = expectError(await r.request({ type: 'schemaDelete', name: 'orders' }));
    expect(inUse.code).toBe('SCHEMA_IN_USE');
    expect(inUse.message).toContain('orders');
    await r.request({ type: 'schemaDetach', station: 'orders' });
    expectType(await r.request({ type: 'schemaDelete', name: 'orders' }), 'ok');
    expect(codeOf(await r.request({ type: 'schemaGet', name: 'orders', version: 1 }))).toBe(
      'SCHEMA_NOT_FOUND',
    );
    // Made again, it starts from version 1.
    expect((await createJson(r, 'orders', '{"type":"object"}')).latest).toBe(1);
  });

  it('[SCHEMA-10] resending a $schema entry produces it again: stored once it passes, kept while it fails', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'orders' });
    await createJson(r, 'orders');
    await r.request({
      type: 'schemaAttach',
      station: 'orders',
      schema: 'orders',
      mode: 'deadletter',
    });
    const results = await produce(r, 'orders', [
      { payload: json({ id: 'o-1', price: -1 }) },
      { payload: json({ id: 'x' }) },
    ]);
    const ids = results.map((x) => (x.kind === 'error' ? (x.deadLetterId ?? -1) : -1));
    // Negative prices become valid; a missing price does not.
    const looser = ORDER_V1.replace('"minimum":0', '"minimum":-100');
    await r.request({ type: 'schemaAddVersion', name: 'orders', definition: bytes(looser) });
    const resent = expectType(await r.request({ type: 'dlsResend', station: 'orders', ids }), 'ok');
    expect(resent.count).toBe(1);
    const stored = await browse(r, 'orders');
    expect(stored.map((m) => m.headers?.['ferry-schema-version'])).toEqual(['2']);
    const left = expectType(await r.request({ type: 'dlsList', station: 'orders' }), 'dlsEntries');
    expect(left.entries.map((e) => e.id)).toEqual([ids[1]]);
  });

  it('schemas, versions and attachments survive a restart', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 'orders' });
    await createJson(r, 'orders');
    await r.request({
      type: 'schemaAddVersion',
      name: 'orders',
      definition: bytes(ORDER_V1.replace('"minimum":0', '"minimum":1')),
    });
    await r.request({
      type: 'schemaAttach',
      station: 'orders',
      schema: 'orders',
      version: 1,
      mode: 'deadletter',
    });
    const before = expectType(
      await r.request({ type: 'schemaInfo', name: 'orders' }),
      'schema',
    ).info;
    await fixture.stop(b);
    const again = await fixture.broker({ dataDir: b.dataDir });
    const { requests: r2 } = await fixture.connect(again);
    expect(
      expectType(await r2.request({ type: 'schemaInfo', name: 'orders' }), 'schema').info,
    ).toEqual(before);
    const station = expectType(
      await r2.request({ type: 'stationInfo', name: 'orders' }),
      'station',
    ).info;
    expect(station.schema).toEqual({ name: 'orders', version: 1, mode: 'deadletter' });
    const results = await produce(r2, 'orders', [
      { payload: json({ id: 'o-1', price: 0 }) },
      { payload: json({}) },
    ]);
    expect(isOk(results[0])).toBe(true);
    expect(results[1]).toMatchObject({ kind: 'error', code: 'SCHEMA_VIOLATION' });
  });
});

describe('over WebSocket', () => {
  it('[SCHEMA-6] reject and deadletter answer a WebSocket producer as they answer a TCP one', async () => {
    const b = await fixture.broker();
    const ws = await connectWs(b.httpPort);
    fixture.track(ws);
    await ws.handshake();
    const r = new Requester(ws);
    await createJson(r, 'orders');
    for (const [station, mode] of [
      ['strict', 'reject'],
      ['kept', 'deadletter'],
    ] as const) {
      await r.request({ type: 'stationCreate', name: station });
      await r.request({ type: 'schemaAttach', station, schema: 'orders', mode });
    }
    const batch = [{ payload: json({ id: 'o-1', price: 1 }) }, { payload: json({ id: 'o-2' }) }];
    const strict = await produce(r, 'strict', batch);
    expect(strict[0]?.kind).toBe('ok');
    expect(strict[1]).toMatchObject({ kind: 'error', code: 'SCHEMA_VIOLATION' });
    expect(strict[1]?.kind === 'error' && strict[1].deadLetterId).toBeUndefined();
    const kept = await produce(r, 'kept', batch);
    expect(kept[0]?.kind).toBe('ok');
    expect(kept[1]).toMatchObject({ kind: 'error', code: 'SCHEMA_VIOLATION', deadLetterId: 0 });
    const entries = expectType(await r.request({ type: 'dlsList', station: 'kept' }), 'dlsEntries');
    expect(entries.entries.map((e) => [e.group, e.id])).toEqual([['$schema', 0]]);
  });
});

describe('[SEC-5] schema permissions', () => {
  it('registering needs admin on the schema name, attaching admin on the station; reading needs nothing more', async () => {
    const file = tokenConfig(tempDir(), {
      root: undefined,
      team: { allow: [{ actions: ['admin'], stations: ['orders*'] }] },
      producer: { allow: [{ actions: ['produce'], stations: ['orders'] }] },
    });
    const b = await fixture.broker({ args: ['--config', file] });
    const as = async (name: string) => {
      const raw = await connectTcp(b.tcpPort);
      fixture.track(raw);
      await raw.handshake({ auth: { token: tokenOf(name) } });
      return new Requester(raw);
    };
    const root = await as('root');
    await root.request({ type: 'stationCreate', name: 'orders' });
    await root.request({ type: 'stationCreate', name: 'payments' });
    await createJson(root, 'payments');
    const team = await as('team');
    await createJson(team, 'orders');
    expect(
      codeOf(
        await team.request({
          type: 'schemaCreate',
          name: 'billing',
          schemaType: 'json',
          definition: bytes('{}'),
        }),
      ),
    ).toBe('NOT_AUTHORIZED');
    expect(
      codeOf(await team.request({ type: 'schemaAttach', station: 'orders', schema: 'orders' })),
    ).toBe('station');
    expect(
      codeOf(await team.request({ type: 'schemaAttach', station: 'payments', schema: 'orders' })),
    ).toBe('NOT_AUTHORIZED');
    expect(codeOf(await team.request({ type: 'schemaDelete', name: 'payments' }))).toBe(
      'NOT_AUTHORIZED',
    );
    const producer = await as('producer');
    expect(codeOf(await producer.request({ type: 'schemaGet', name: 'orders' }))).toBe(
      'schemaVersion',
    );
    expect(codeOf(await producer.request({ type: 'schemaList' }))).toBe('schemas');
    expect(
      codeOf(await producer.request({ type: 'schemaAttach', station: 'orders', schema: 'orders' })),
    ).toBe('NOT_AUTHORIZED');
    expect(codeOf(await producer.request({ type: 'schemaDetach', station: 'orders' }))).toBe(
      'NOT_AUTHORIZED',
    );
  });
});
