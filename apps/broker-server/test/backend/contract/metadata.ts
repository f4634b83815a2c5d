/** Metadata: records under keys, written once or replaced, listed by prefix, kept across a restart. */
import { describe, expect, it } from 'vitest';
import type { Fixture } from './fixture.js';

export function metadataContract(fx: Fixture): void {
  describe('metadata', () => {
    it('create writes a record once; put replaces it; get reads it, undefined when absent', async () => {
      const { metadata } = await fx.backend();
      expect(await metadata.get('schemas/orders')).toBeUndefined();
      expect(await metadata.create('schemas/orders', { type: 'json', n: 1 })).toBe(true);
      expect(await metadata.create('schemas/orders', { type: 'avro', n: 2 })).toBe(false);
      expect(await metadata.get('schemas/orders')).toEqual({ type: 'json', n: 1 });
      await metadata.put('schemas/orders', { type: 'json', n: 3 });
      expect(await metadata.get('schemas/orders')).toEqual({ type: 'json', n: 3 });
    });

    it('list gives the records under a prefix of whole segments, in key order', async () => {
      const { metadata } = await fx.backend();
      // Names may hold '.', '_' and '-', which some stores must encode.
      for (const key of ['schemas/b.x_y-z/2', 'schemas/b.x_y-z', 'schemas/a/1', 'other/a'])
        await metadata.put(key, { key });
      await metadata.put('schemasx/a', { key: 'schemasx/a' });
      const all = await metadata.list('schemas/');
      expect(all.map((r) => r.key)).toEqual([
        'schemas/a/1',
        'schemas/b.x_y-z',
        'schemas/b.x_y-z/2',
      ]);
      for (const r of all) expect(r.value).toEqual({ key: r.key });
      expect((await metadata.list('schemas/b.x_y-z/')).map((r) => r.key)).toEqual([
        'schemas/b.x_y-z/2',
      ]);
    });

    it('delete removes a record, and a create may make it again; deleting none is nothing', async () => {
      const { metadata } = await fx.backend();
      await metadata.create('schemas/orders/1', { v: 1 });
      await metadata.delete('schemas/orders/1');
      await metadata.delete('schemas/never');
      expect(await metadata.get('schemas/orders/1')).toBeUndefined();
      expect(await metadata.list('schemas/')).toEqual([]);
      expect(await metadata.create('schemas/orders/1', { v: 2 })).toBe(true);
      expect(await metadata.get('schemas/orders/1')).toEqual({ v: 2 });
    });

    it('a create raced by another create of the same key succeeds once', async () => {
      const { metadata } = await fx.backend();
      const made = await Promise.all(
        Array.from({ length: 5 }, (_, i) => metadata.create('schemas/race/1', { i })),
      );
      expect(made.filter(Boolean)).toHaveLength(1);
      expect(await metadata.get('schemas/race/1')).toEqual({ i: made.indexOf(true) });
    });

    it('records survive a restart', async () => {
      if (!fx.durable) return;
      const backend = await fx.backend();
      await backend.metadata.put('schemas/orders', { type: 'json' });
      await backend.metadata.create('schemas/orders/1', { definition: '{}' });
      await backend.metadata.put('schemas/gone', {});
      await backend.metadata.delete('schemas/gone');
      const again = await fx.restart(backend);
      expect(await again.metadata.list('schemas/')).toEqual([
        { key: 'schemas/orders', value: { type: 'json' } },
        { key: 'schemas/orders/1', value: { definition: '{}' } },
      ]);
    });
  });
}
