/**
 * Power loss: concurrent appends (and group acks) to the embedded storage engine on a
 * simulated disk that drops every write not fsynced when the power fails at a random I/O
 * point. After each failure the engine reopens on what survived, and every acknowledged
 * record must be there, intact, at its offset; nothing partial may be visible.
 */
import {
  type AppendRecord,
  EmbeddedStorageEngine,
  type GroupStore,
  type StationStore,
  type StationStoreConfig,
} from '@ferry/broker';
import { SimulatedFs, seededRandom } from '@ferry/broker/testing';
import { incarnation } from './power-cut.js';
import type { Report, RunOptions } from './report.js';

const STATION = 'power';
const CONFIG: StationStoreConfig = {
  partitions: 4,
  storage: 'file',
  durability: 'always',
  flushIntervalMs: 100,
  dedupWindowMs: 86_400_000,
};
// Small segments and journals, so that rolls and checkpoints fall under the cuts too.
const ENGINE = {
  dataDir: '/data',
  skipLock: true,
  segmentBytes: 4096,
  groupCompactAfterBytes: 2048,
};
const ALL = { maxRecords: 10_000_000, maxBytes: 2 ** 31 };

interface Place {
  partition: number;
  offset: number;
}

/** What every incarnation appended, and what it was told. */
interface History {
  attempted: Map<string, AppendRecord>;
  acked: Map<string, Place>;
  /** Group acks (done ops) that `apply` confirmed. */
  settled: Place[];
}

/** What reopened engines showed; sets, as the same loss shows at every later reopen. */
interface Findings {
  lost: Set<string>;
  /** Appended, never acknowledged, yet made it to the disk: allowed. */
  visibleUnacked: Set<string>;
  partial: Set<string>;
  dedupMissing: Set<string>;
  groupAcksLost: Set<string>;
}

const encoder = new TextEncoder();
const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);
const at = (p: Place) => `${p.partition}/${p.offset}`;

/** Checks the reopened station against the history. */
async function inspect(
  station: StationStore,
  group: GroupStore,
  history: History,
  findings: Findings,
): Promise<void> {
  const visible = new Map<string, string>();
  for (let partition = 0; partition < CONFIG.partitions; partition++) {
    const records = await station.partition(partition).read(0, ALL);
    records.forEach((r, i) => {
      const original = history.attempted.get(r.msgId ?? '');
      const intact =
        original !== undefined &&
        r.offset === i &&
        same(r.payload, original.payload) &&
        r.key === original.key;
      if (!intact) findings.partial.add(at({ partition, offset: r.offset }));
      visible.set(at({ partition, offset: r.offset }), r.msgId ?? '');
      if (!history.acked.has(r.msgId ?? '')) findings.visibleUnacked.add(r.msgId ?? '');
    });
  }
  for (const [id, place] of history.acked) {
    if (visible.get(at(place)) !== id) findings.lost.add(id);
    const entry = station.dedup.lookup(id, Date.now());
    if (entry === undefined || at(entry) !== at(place)) findings.dedupMissing.add(id);
  }
  for (const place of history.settled) {
    const state = group.state(place.partition);
    if (state === undefined || (place.offset >= state.cursor && !state.done.has(place.offset)))
      findings.groupAcksLost.add(at(place));
  }
}

export async function run(options: RunOptions): Promise<Report> {
  const cuts = options.full ? 200 : 50;
  const rng = seededRandom(options.seed);
  const sim = new SimulatedFs();
  const history: History = { attempted: new Map(), acked: new Map(), settled: [] };
  const findings: Findings = {
    lost: new Set(),
    visibleUnacked: new Set(),
    partial: new Set(),
    dedupMissing: new Set(),
    groupAcksLost: new Set(),
  };
  const errors: string[] = [];
  let cutWhileOpening = 0;

  // One more life than cuts: the last only reopens and inspects.
  for (let life = 0; life <= cuts; life++) {
    const last = life === cuts;
    const opsBeforeCut = last ? Number.POSITIVE_INFINITY : 1 + Math.floor(rng() * 150);
    const power = incarnation(sim, rng, opsBeforeCut);
    let engine: EmbeddedStorageEngine;
    let station: StationStore;
    let group: GroupStore;
    try {
      engine = await EmbeddedStorageEngine.open({ ...ENGINE, fs: power.fs });
      station = await engine.openStation(STATION, CONFIG);
      group = await station.group('acks');
    } catch (error) {
      if (power.dead) cutWhileOpening++;
      else errors.push(`reopening in life ${life}: ${String(error)}`);
      continue;
    }
    await inspect(station, group, history, findings);
    if (last) {
      await engine.close();
      break;
    }

    // Concurrent appenders, each acking in the group what it appended, until the power fails.
    const appenders = Array.from({ length: 1 + Math.floor(rng() * 8) }, async (_, a) => {
      for (let i = 0; ; i++) {
        const partition = Math.floor(rng() * CONFIG.partitions);
        const batch = Array.from({ length: 1 + Math.floor(rng() * 4) }, (_, j) => {
          const msgId = `l${life}-a${a}-i${i}-${j}`;
          const padded = msgId.padEnd(msgId.length + Math.floor(rng() * 300), '~');
          const record = { msgId, key: `k${j}`, payload: encoder.encode(padded) };
          history.attempted.set(msgId, record);
          return record;
        });
        try {
          const { baseOffset } = await station.partition(partition).append(batch);
          const places = batch.map((record, j) => {
            const place = { partition, offset: baseOffset + j };
            history.acked.set(record.msgId, place);
            return place;
          });
          await group.apply([
            { op: 'init', partition, cursor: 0 },
            ...places.map((place) => ({ op: 'done' as const, ...place })),
          ]);
          history.settled.push(...places);
        } catch (error) {
          if (!power.dead) errors.push(`appending in life ${life}: ${String(error)}`);
          return;
        }
      }
    });
    await Promise.race([power.powerFailed, Promise.all(appenders)]);
    await Promise.all(appenders);
    if (life % 10 === 9) options.log(`power-loss: ${life + 1}/${cuts} cuts`);
  }

  const some = (ids: Set<string>) => [...ids].slice(0, 5).join(', ');
  const failures = errors.slice(0, 5);
  if (history.acked.size === 0) failures.push('no append was acknowledged: the load did not run');
  if (findings.lost.size > 0)
    failures.push(`lost ${findings.lost.size} acknowledged records, e.g. ${some(findings.lost)}`);
  if (findings.partial.size > 0)
    failures.push(`partial or foreign records visible at ${some(findings.partial)}`);
  if (findings.dedupMissing.size > 0)
    failures.push(`msgIds missing from the rebuilt dedup index: ${some(findings.dedupMissing)}`);
  if (findings.groupAcksLost.size > 0)
    failures.push(`confirmed group acks lost at ${some(findings.groupAcksLost)}`);
  return {
    name: 'power-loss',
    figures: {
      cuts,
      cutWhileOpening,
      attempted: history.attempted.size,
      acked: history.acked.size,
      lost: findings.lost.size,
      partial: findings.partial.size,
      visibleUnacked: findings.visibleUnacked.size,
      dedupMissing: findings.dedupMissing.size,
      groupAcks: history.settled.length,
      groupAcksLost: findings.groupAcksLost.size,
      errors: errors.length,
    },
    failures,
  };
}
