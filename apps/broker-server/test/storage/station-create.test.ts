import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedStorageEngine } from '../../src/storage/engine.js';
import type { FileSystem } from '../../src/storage/fs/types.js';
import type { StationStoreConfig } from '../../src/storage/types.js';
import { SimulatedFs, seededRandom } from '../../src/testing/simulated-fs.js';
import { crashPoints } from '../support/crash-points.js';

const STATIONS_DIR = '/data/stations';
const fileStation = (partitions: number): StationStoreConfig => ({
  partitions,
  storage: 'file',
  durability: 'always',
  flushIntervalMs: 100,
  dedupWindowMs: 60_000,
});
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function open(fs: FileSystem): Promise<EmbeddedStorageEngine> {
  return EmbeddedStorageEngine.open({ dataDir: '/data', fs, skipLock: true, maxOpenFiles: 16 });
}

/** Whether the station's directory holds every part a start opens, before anything opens it. */
async function isWhole(sim: SimulatedFs, name: string, partitions: number): Promise<boolean> {
  const dir = join(STATIONS_DIR, name);
  const parts = await sim.readdir(join(dir, 'partitions'));
  if (parts.length !== partitions) return false;
  for (let p = 0; p < partitions; p++) {
    const files = await sim.readdir(join(dir, 'partitions', String(p)));
    if (!files.some((f) => f.endsWith('.log'))) return false;
  }
  const deadLetters = await sim.readdir(join(dir, 'dead-letters'));
  return deadLetters.includes('log') && deadLetters.includes('removed');
}

describe('station creation [LIMITS-2]', () => {
  it('[LIMITS-2] a crash at any point while large stations are created never breaks the next start and never leaves a half station visible', async () => {
    const PARTITIONS = [40, 25, 60];
    for (let seed = 1; seed <= 60; seed++) {
      const rng = seededRandom(seed);
      const sim = new SimulatedFs();
      const before = await open(sim);
      await (await before.openStation('kept', fileStation(2)))
        .partition(1)
        .append([{ payload: bytes('still here') }]);
      await before.close();

      const { fs, crashAfter } = crashPoints(sim, rng, { metadata: true });
      const crashing = await open(fs);
      const created = new Set<string>();
      const crashed = crashAfter(1 + Math.floor(rng() * 700));
      const creations = PARTITIONS.map((n, i) =>
        crashing.openStation(`big-${i}`, fileStation(n)).then(
          () => created.add(`big-${i}`),
          () => undefined,
        ),
      );
      await Promise.race([crashed, Promise.all(creations)]);
      await Promise.all(creations);

      const after = await open(sim);
      expect(
        (await sim.readdir(STATIONS_DIR)).filter((e) => e.startsWith('.')),
        `seed ${seed}: leftovers of the cut creations are removed at start`,
      ).toEqual([]);
      const listed = await after.listStations();
      for (const name of created) expect(listed, `seed ${seed}`).toContain(name);
      for (const name of listed) {
        const partitions = name === 'kept' ? 2 : (PARTITIONS[Number(name.slice(4))] as number);
        expect(await isWhole(sim, name, partitions), `seed ${seed}: ${name} is whole`).toBe(true);
        const store = await after.openStation(name, fileStation(partitions));
        expect(store.config.partitions).toBe(partitions);
        await store.partition(partitions - 1).append([{ payload: bytes('after the crash') }]);
      }
      const kept = await after.openStation('kept', fileStation(2));
      const [first] = await kept.partition(1).read(0, { maxRecords: 1, maxBytes: 1 << 20 });
      expect(text(first?.payload ?? new Uint8Array())).toBe('still here');
      await after.close();
    }
  });

  it('[LIMITS-2] a failed creation leaves nothing behind, and a directory left by an interrupted delete is replaced', async () => {
    const sim = new SimulatedFs();
    const engine = await open(sim);
    sim.failNextDatasync();
    await expect(engine.openStation('broken', fileStation(3))).rejects.toThrow();
    expect(await sim.readdir(STATIONS_DIR)).toEqual([]);
    // What a delete cut short after removing the settings file leaves.
    await sim.mkdir(join(STATIONS_DIR, 'again', 'partitions', '7'));
    const store = await engine.openStation('again', fileStation(2));
    expect(await sim.readdir(join(STATIONS_DIR, 'again', 'partitions'))).toEqual(['0', '1']);
    await store.partition(0).append([{ payload: bytes('x') }]);
    expect(await engine.listStations()).toEqual(['again']);
    await engine.close();
  });
});
