/**
 * Storage engine benchmark: append throughput and latency of one partition
 * log under group commit, against the disk's own fdatasync rate measured in
 * the same run, plus sequential read throughput. Prints figures, never asserts.
 *
 *   pnpm --filter @ferry/broker bench:storage [--json] [--seconds N] [--quick] [--only ID]
 *
 * Temp files go under os.tmpdir(): set TMPDIR to bench another disk.
 * `--only always@256/128` runs a single case (ids as in the table), for profiling.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { nodeFs } from '../src/storage/fs/node-fs.js';
import type { FileSystem } from '../src/storage/fs/types.js';
import { silentLogger } from '../src/storage/logger.js';
import { FilePartitionLog } from '../src/storage/partition-log.js';
import type { DiskDurability as Durability, PartitionLogOptions } from '../src/storage/types.js';
import { countingFs } from '../test/support/counting-fs.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const MB = 1e6;
const PAYLOAD_SIZES = [128, KIB] as const;
const ALWAYS_APPENDERS = [1, 16, 64, 256] as const;
/** The ratio target compares always and never at the same concurrency. */
const NEVER_APPENDERS = [64, 256] as const;
const FILL_APPENDERS = 256;
const READ = { maxRecords: 1000, maxBytes: MIB };
/** Latency samples kept per case; a ring, so a long run keeps its most recent ones. */
const LATENCY_CAPACITY = 1 << 21;
const latencies = new Float64Array(LATENCY_CAPACITY);

interface CaseResult {
  id: string;
  kind: 'append' | 'read';
  durability: Durability;
  payloadBytes: number;
  /** Concurrent appenders; 1 for the single reader. */
  concurrency: number;
  seconds: number;
  /** Appends/s, or records/s for a read case. */
  opsPerSec: number;
  mbPerSec: number;
  recordsPerFsync?: number;
  p50Ms?: number;
  p99Ms?: number;
}

/** A phase switch the workers poll: warm-up, then the measured window, then stop. */
interface Run {
  measuring: boolean;
  stopping: boolean;
  ops: number;
  samples: number;
}

function options(durability: Durability): PartitionLogOptions {
  return {
    durability,
    flushIntervalMs: 50,
    segmentBytes: 64 * MIB,
    segmentMs: 7 * 24 * 3600_000,
    maxPendingBytes: 64 * MIB,
  };
}

/** A fresh log in a fresh temp dir, removed once `body` is done. */
async function withLog<T>(
  fs: FileSystem,
  durability: Durability,
  body: (log: FilePartitionLog) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
  try {
    const log = await FilePartitionLog.open({
      fs,
      dir: join(dir, 'p0'),
      partition: 0,
      options: options(durability),
      log: silentLogger,
      now: Date.now,
    });
    try {
      return await body(log);
    } finally {
      await log.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function payloadOf(size: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = i & 0xff;
  return payload;
}

/**
 * Runs the workers through warm-up and the measured window; returns the
 * window's length in seconds. `onWindow` brackets the window for counters
 * kept outside `run` (the fdatasync count).
 */
async function timed(
  run: Run,
  workers: Promise<void>[],
  warmupMs: number,
  seconds: number,
  onWindow: (edge: 'start' | 'end') => void = () => {},
): Promise<number> {
  await sleep(warmupMs);
  onWindow('start');
  run.measuring = true;
  const start = performance.now();
  await sleep(seconds * 1000);
  run.measuring = false;
  run.stopping = true;
  const elapsed = (performance.now() - start) / 1000;
  onWindow('end');
  await Promise.all(workers);
  return elapsed;
}

async function appender(log: FilePartitionLog, payload: Uint8Array, run: Run): Promise<void> {
  while (!run.stopping) {
    const t = performance.now();
    await log.append([{ payload }]);
    if (run.measuring) {
      latencies[run.samples++ & (LATENCY_CAPACITY - 1)] = performance.now() - t;
      run.ops++;
    }
  }
}

/** Nearest-rank percentiles of the recorded latencies. */
function percentiles(samples: number): { p50Ms: number; p99Ms: number } {
  const sorted = latencies.subarray(0, Math.min(samples, LATENCY_CAPACITY)).sort();
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

async function appendCase(
  durability: Durability,
  payloadBytes: number,
  appenders: number,
  warmupMs: number,
  seconds: number,
): Promise<CaseResult> {
  const { fs, counts } = countingFs(nodeFs);
  const payload = payloadOf(payloadBytes);
  const run: Run = { measuring: false, stopping: false, ops: 0, samples: 0 };
  let syncsAtStart = 0;
  let syncsInWindow = 0;
  const elapsed = await withLog(fs, durability, (log) =>
    timed(
      run,
      Array.from({ length: appenders }, () => appender(log, payload, run)),
      warmupMs,
      seconds,
      (edge) => {
        if (edge === 'start') syncsAtStart = counts.datasync;
        else syncsInWindow = counts.datasync - syncsAtStart;
      },
    ),
  );
  const opsPerSec = run.ops / elapsed;
  return {
    id: caseId(durability, appenders, payloadBytes),
    kind: 'append',
    durability,
    payloadBytes,
    concurrency: appenders,
    seconds: elapsed,
    opsPerSec,
    mbPerSec: (opsPerSec * payloadBytes) / MB,
    ...(durability === 'always' && syncsInWindow > 0
      ? { recordsPerFsync: run.ops / syncsInWindow }
      : {}),
    ...percentiles(run.samples),
  };
}

/** Fills a fresh log with single-record appends (as producers write it), then reads it back in a loop. */
async function readCase(
  payloadBytes: number,
  fillBytes: number,
  warmupMs: number,
  seconds: number,
): Promise<CaseResult> {
  const payload = payloadOf(payloadBytes);
  const run: Run = { measuring: false, stopping: false, ops: 0, samples: 0 };
  const elapsed = await withLog(nodeFs, 'never', async (log) => {
    let remaining = Math.ceil(fillBytes / payloadBytes);
    const filler = async () => {
      while (remaining-- > 0) await log.append([{ payload }]);
    };
    await Promise.all(Array.from({ length: FILL_APPENDERS }, filler));
    const reader = async () => {
      let offset = 0;
      while (!run.stopping) {
        const records = await log.read(offset, READ);
        const last = records[records.length - 1];
        // Back to the start at the end of the log, to keep reading for the whole window.
        offset = last === undefined ? 0 : last.offset + 1;
        if (run.measuring) run.ops += records.length;
      }
    };
    return timed(run, [reader()], warmupMs, seconds);
  });
  const opsPerSec = run.ops / elapsed;
  return {
    id: `read/${payloadBytes}`,
    kind: 'read',
    durability: 'never',
    payloadBytes,
    concurrency: 1,
    seconds: elapsed,
    opsPerSec,
    // Every payload has the same size, so the bytes need not be summed per record.
    mbPerSec: (opsPerSec * payloadBytes) / MB,
  };
}

/**
 * The disk's ceiling for durable appends: 4 KiB writes, each followed by an
 * fdatasync. Positions advance (wrapping at 256 MiB) so that, as in the log,
 * each sync also commits a file size change.
 */
async function fdatasyncRate(seconds: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
  const fh = await open(join(dir, 'sync-probe'), 'w');
  try {
    const block = payloadOf(4 * KIB);
    const wrapAt = 256 * MIB;
    let position = 0;
    let syncs = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      await fh.write(block, 0, block.length, position);
      await fh.datasync();
      position = (position + block.length) % wrapAt;
      syncs++;
    }
    return syncs / ((performance.now() - start) / 1000);
  } finally {
    await fh.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function caseId(durability: Durability, appenders: number, payloadBytes: number): string {
  return `${durability}@${appenders}/${payloadBytes}`;
}

interface Target {
  line: string;
  value: number | undefined;
}

function targets(results: CaseResult[]): Target[] {
  const rate = (id: string) => results.find((r) => r.id === id)?.opsPerSec;
  const out: Target[] = [];
  for (const size of PAYLOAD_SIZES) {
    for (const appenders of NEVER_APPENDERS) {
      const always = rate(caseId('always', appenders, size));
      const never = rate(caseId('never', appenders, size));
      const ratio =
        always !== undefined && never !== undefined ? (100 * always) / never : undefined;
      out.push({
        line: `always / never @${appenders} appenders, ${size} B: ${fmt(ratio, 1)}% (target ≥ 50%)`,
        value: ratio,
      });
    }
  }
  for (const appenders of [256, 64]) {
    const value = rate(caseId('always', appenders, 128));
    out.push({
      line: `always @${appenders}, 128 B: ${fmt(value, 0)} appends/s (target ≥ 300,000)`,
      value,
    });
  }
  return out;
}

function fmt(n: number | undefined, digits: number): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  return n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function table(results: CaseResult[]): string {
  const head = [
    'case',
    'payload',
    'appenders',
    'appends/s',
    'MB/s',
    'records/fsync',
    'p50 ms',
    'p99 ms',
  ];
  const rows = results.map((r) => [
    r.kind === 'read' ? 'read (records/s)' : r.durability,
    `${r.payloadBytes} B`,
    String(r.concurrency),
    fmt(r.opsPerSec, 0),
    fmt(r.mbPerSec, 1),
    fmt(r.recordsPerFsync, 1),
    fmt(r.p50Ms, 3),
    fmt(r.p99Ms, 3),
  ]);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  // The first column reads best left-aligned, the figures right-aligned.
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    // pnpm forwards a literal `--` when the caller writes one before the flags.
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      only: { type: 'string' },
    },
  });
  const seconds = values.quick ? 0.5 : Number(values.seconds ?? 3);
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);
  const warmupMs = Math.min(500, seconds * 200);
  // Enough to read for a while without wrapping every few ms, small enough to fill quickly.
  const fillBytes = values.quick ? 4 * MIB : 32 * MIB;
  const wanted = (id: string) => values.only === undefined || values.only === id;
  const progress = (id: string) => {
    if (!values.json) process.stderr.write(`  ${id}...\n`);
  };

  progress('fdatasync probe');
  const fdatasyncPerSec = await fdatasyncRate(Math.min(2, seconds));
  const results: CaseResult[] = [];
  for (const size of PAYLOAD_SIZES) {
    const plan: [Durability, number][] = [
      ...ALWAYS_APPENDERS.map((n): [Durability, number] => ['always', n]),
      ...NEVER_APPENDERS.map((n): [Durability, number] => ['never', n]),
    ];
    for (const [durability, appenders] of plan) {
      const id = caseId(durability, appenders, size);
      if (!wanted(id)) continue;
      progress(id);
      results.push(await appendCase(durability, size, appenders, warmupMs, seconds));
    }
    if (wanted(`read/${size}`)) {
      progress(`read/${size}`);
      results.push(await readCase(size, fillBytes, warmupMs, seconds));
    }
  }

  const env = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    tmpdir: tmpdir(),
    secondsPerCase: seconds,
    // maxRSS is in KiB.
    peakRssMiB: process.resourceUsage().maxRSS / KIB,
  };
  const checks = targets(results);
  if (values.json) {
    const report = {
      ...env,
      fdatasyncPerSec,
      cases: results,
      targets: checks.map((c) => ({ check: c.line, value: c.value ?? null })),
    };
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(
    [
      `Node ${env.node} on ${env.cpu} (${env.cores} cores); temp files in ${env.tmpdir}`,
      `${seconds} s per case after ${warmupMs} ms warm-up; MB = 10^6 bytes of payload`,
      `raw fdatasync rate (4 KiB write + fdatasync): ${fmt(fdatasyncPerSec, 0)} syncs/s`,
      '',
      table(results),
      '',
      `peak RSS: ${fmt(env.peakRssMiB, 1)} MiB`,
      '',
      ...checks.map((c) => c.line),
    ].join('\n'),
  );
}

await main();
