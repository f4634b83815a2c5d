/** The schema registry over a metadata store, as two brokers sharing one would see it. */
import { DEFAULT_LIMITS } from '@ferry/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../src/broker/schemas/registry.js';
import { MemoryMetadataStore } from '../../src/storage/metadata-store.js';

const OPTIONS = { max: 10, maxVersions: 3, maxTotalBytes: 1024, maxDepth: 32 };
const registry = (store = new MemoryMetadataStore(), attached: string[] = []) =>
  new SchemaRegistry(store, OPTIONS, DEFAULT_LIMITS, () => attached, pino({ level: 'silent' }));
const schema = (max: number) => JSON.stringify({ type: 'integer', maximum: max });

describe('[SCHEMA-1] the schema registry', () => {
  it('two registries creating one name at once on a shared store: one definition wins, the other is SCHEMA_EXISTS', async () => {
    const store = new MemoryMetadataStore();
    const [a, b] = [registry(store), registry(store)];
    const made = await Promise.allSettled([
      a.create('n', { type: 'json', definition: schema(1) }),
      b.create('n', { type: 'json', definition: schema(2) }),
    ]);
    expect(made.map((m) => m.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = made.find((m) => m.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'SCHEMA_EXISTS' });
    // The same definition twice is one schema, whichever broker asks.
    await a.create('same', { type: 'json', definition: schema(5) });
    expect((await b.create('same', { type: 'json', definition: schema(5) })).latest).toBe(1);
  });

  it('a version 1 whose head has not arrived (or never will: a crash between them) reads with compatibility none', async () => {
    const store = new MemoryMetadataStore();
    const writer = registry(store);
    await writer.create('n', { type: 'json', definition: schema(1), compatibility: 'none' });
    await store.delete('schemas/n');
    const reader = registry(store);
    await reader.start();
    expect(reader.info('n')).toMatchObject({
      schemaType: 'json',
      compatibility: 'none',
      latest: 1,
    });
    expect((await reader.addVersion('n', schema(2))).latest).toBe(2);
    await reader.delete('n');
    expect(() => reader.info('n')).toThrow(expect.objectContaining({ code: 'SCHEMA_NOT_FOUND' }));
  });

  it('every budget is a QUOTA_EXCEEDED: schemas, versions and definition bytes', async () => {
    const r = registry();
    await r.create('a', { type: 'json', definition: schema(1) });
    await r.addVersion('a', schema(2));
    await r.addVersion('a', schema(3));
    await expect(r.addVersion('a', schema(4))).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    const big = JSON.stringify({ type: 'string', description: 'x'.repeat(1000) });
    await expect(r.create('b', { type: 'json', definition: big })).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
    });
    for (let i = 0; i < 9; i++) await r.create(`s${i}`, { type: 'json', definition: '{}' });
    await expect(r.create('s9', { type: 'json', definition: '{}' })).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
    });
  });
});
