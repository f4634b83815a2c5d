/**
 * Faults under the jetstream storage engine: a 3-node NATS JetStream cluster (R3 streams) and two
 * Ferry brokers on the same prefix, serving one station. Producers with msgIds (each an SDK client
 * given both brokers, so that it fails over; a produce whose ack did not come is sent again with
 * the same msgId) and a consumer group with a member on each broker run while
 *
 * - `jetstream-faults`: the nats-server leading most of the station's streams is SIGKILLed, then
 *   one Ferry broker, then both are restarted on the same ports (and store);
 * - `jetstream-pause`: the nats-server leading most of the station's streams is frozen (SIGSTOP)
 *   for longer than an election, then resumed: the producers and the group must go on acking on
 *   the majority meanwhile.
 *
 * Then the producers stop, the group drains, and the kill -9 suite's checker classifies the
 * history: no acknowledged message may be lost, nothing may arrive that was never sent, and no
 * first delivery may come below an earlier one of its session and partition.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@ferry/broker/testing';
import type { RunningBroker } from '@ferry/conformance/broker';
import { type NatsCluster, type NatsNode, startCluster } from '@ferry/nats-cluster';
import { type Client, connect, type NodeConnectOptions } from '@ferry/node';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { brokerUrl, launch } from './broker.js';
import { check, type Event, failuresOf, type Verdict } from './checker.js';
import type { Report, RunOptions } from './report.js';
import { round } from './stats.js';
import { sleep, waitUntil } from './time.js';

const STATION = 'faults';
const GROUP = 'checker';
const PARTITIONS = 4;
const PRODUCERS = 4;
/**
 * A produce whose ack did not come within this long is sent again, same msgId: the broker's own
 * call to JetStream waits up to 10 s for a stream leader that may be gone, while a new one may
 * be elected sooner.
 */
const PRODUCE_TIMEOUT_MS = 2_000;
/** A produce not acknowledged within this long after its first send is given up (indeterminate). */
const GIVE_UP_MS = 60_000;
const CLIENT: NodeConnectOptions = {
  // Back quickly after a broker dies, trying the other one next; a request waits out an outage.
  reconnect: { initialDelayMs: 20, maxDelayMs: 250 },
  requestTimeoutMs: 20_000,
};
/** Short: a little over the broker's own JetStream ack wait (ack timeout + 2 s) for redeliveries. */
const ACK_TIMEOUT_MS = 3_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Whatever ends this process must not leave nats-server processes behind.
const livePids = new Set<() => readonly (number | undefined)[]>();
process.once('exit', () => {
  for (const pids of livePids)
    for (const pid of pids()) {
      try {
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
});

/** What every broker on JetStream warns of at start, without loopback authentication. */
const STARTUP_WARNINGS =
  /^(authentication is off|storage\.engine is jetstream|the NATS servers take messages up to)/;

/** Warnings and errors a broker logged, by message, with the first few entries in full. */
class BrokerLogs {
  readonly counts = new Map<string, number>();
  readonly tail: string[] = [];
  readonly samples: string[] = [];
  constructor(private readonly name: string) {}
  add = (entry: Record<string, unknown>): void => {
    const line = `${this.name} ${JSON.stringify(entry)}`;
    this.tail.push(line);
    if (this.tail.length > 400) this.tail.shift();
    if (typeof entry.level !== 'number' || entry.level < 40) return;
    if (STARTUP_WARNINGS.test(String(entry.msg))) return;
    const key = `${this.name}: ${String(entry.msg)}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.samples.length < 10) this.samples.push(line.slice(0, 600));
  };
}

/** Two brokers on one cluster and prefix, restartable on their ports; and the traffic on them. */
class Topology {
  readonly brokers: RunningBroker[] = [];
  readonly logs = [new BrokerLogs('broker-a'), new BrokerLogs('broker-b')];
  private readonly dataDirs = [
    mkdtempSync(join(tmpdir(), 'ferry-js-faults-a-')),
    mkdtempSync(join(tmpdir(), 'ferry-js-faults-b-')),
  ];
  private readonly args: string[];

  constructor(
    readonly nats: NatsCluster,
    readonly prefix: string,
  ) {
    this.args = [
      '--storage-engine',
      'jetstream',
      '--nats-url',
      nats.urls.join(','),
      '--nats-replicas',
      '3',
      '--nats-prefix',
      prefix,
    ];
  }

  async start(): Promise<void> {
    for (const i of [0, 1]) {
      this.brokers[i] = await launch({
        args: this.args,
        dataDir: this.dataDirs[i] as string,
        onLog: (this.logs[i] as BrokerLogs).add,
      });
    }
  }

  /** The brokers' URLs, broker `first` first: a client tries them in this order. */
  urls(first: number): string[] {
    return [first, 1 - first].map((i) => brokerUrl(this.brokers[i] as RunningBroker));
  }

  async kill(i: number): Promise<void> {
    await (this.brokers[i] as RunningBroker).kill();
  }

  async restart(i: number): Promise<void> {
    const old = this.brokers[i] as RunningBroker;
    this.brokers[i] = await launch({
      args: this.args,
      dataDir: this.dataDirs[i] as string,
      tcpPort: old.tcpPort,
      httpPort: old.httpPort,
      onLog: (this.logs[i] as BrokerLogs).add,
    });
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.brokers.map((b) => b.stop()));
    for (const dir of this.dataDirs) rmSync(dir, { recursive: true, force: true });
  }

  warnings(): string {
    const all = this.logs.flatMap((l) => [...l.counts]);
    return all.length === 0 ? 'none' : all.map(([msg, n]) => `${msg} ×${n}`).join('; ');
  }
}

/** The nats-server that leads most of the prefix's streams now (JetStream's stream info). */
async function streamLeader(
  nats: NatsCluster,
  prefix: string,
): Promise<{ node: NatsNode; leads: string }> {
  const nc = await natsConnect({ servers: [...nats.urls], timeout: 2_000, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 5_000 });
    const leaders = new Map<string, number>();
    for await (const name of jsm.streams.names()) {
      if (!name.startsWith(`${prefix}_`)) continue;
      const leader = (await jsm.streams.info(name)).cluster?.leader;
      if (leader !== undefined) leaders.set(leader, (leaders.get(leader) ?? 0) + 1);
    }
    const [name] = [...leaders].sort((x, y) => y[1] - x[1])[0] ?? [];
    const node = nats.nodes.find((n) => n.name === name) ?? (nats.nodes[0] as NatsNode);
    const leads = [...leaders].map(([n, c]) => `${n}:${c}`).join(' ');
    return { node, leads };
  } finally {
    await nc.close();
  }
}

interface Produce {
  /** performance.now() of the first send and of the ack (undefined: never acknowledged). */
  start: number;
  end?: number;
}

/** Producers and a consumer group on the topology, recording the history for the checker. */
class Traffic {
  readonly history: Event[] = [];
  /** performance.now() of every ack, in order. */
  readonly ackTimes: number[] = [];
  readonly produces: Produce[] = [];
  acked = 0;
  produceErrors = 0;
  givenUp = 0;
  readonly errorCodes = new Map<string, number>();
  /** The first error of each code, with its message. */
  readonly errorSamples = new Map<string, string>();
  readonly received = new Set<string>();
  /** performance.now() of every first receipt of a message, in order. */
  readonly receiveTimes: number[] = [];
  /** Acknowledged and not yet received: the drain waits for it to empty. */
  readonly missing = new Set<string>();
  private readonly clients: Client[] = [];
  private loops: Promise<void>[] = [];
  private stopping = false;
  private subscriptions = 0;

  constructor(
    private readonly topology: Topology,
    private readonly perSecond: number,
  ) {}

  private async open(first: number): Promise<Client> {
    const client = await connect(this.topology.urls(first), CLIENT);
    this.clients.push(client);
    return client;
  }

  async start(): Promise<void> {
    const admin = await this.open(0);
    await admin.stations.create(STATION, {
      partitions: PARTITIONS,
      ackTimeoutMs: ACK_TIMEOUT_MS,
      // Redelivered across faults, a message must not go to the dead-letter store.
      maxDeliveries: 1_000,
    });
    // The second broker follows the stations bucket: it serves the station once it saw it.
    const onB = await connect(this.topology.urls(1).slice(0, 1), CLIENT);
    this.clients.push(onB);
    const seen = await waitUntilAsync(
      () =>
        onB.stations.info(STATION).then(
          () => true,
          () => false,
        ),
      10_000,
    );
    if (!seen) throw new Error('the second broker never served the station');

    // One member on each broker, its client failing over to the other.
    for (const [m, first] of [0, 1].entries()) {
      const client = await this.open(first);
      const tag = `m${m}.${this.subscriptions++}`;
      await client.consume(STATION, {
        group: GROUP,
        start: 'earliest',
        prefetch: 64,
        concurrency: 16,
        handler: (message) => {
          const id = decoder.decode(message.payload);
          this.history.push({
            kind: 'receive',
            id,
            partition: message.partition,
            offset: message.offset,
            deliveryCount: message.deliveryCount,
            stream: `${tag}/${message.session}`,
          });
          if (!this.received.has(id)) this.receiveTimes.push(performance.now());
          this.received.add(id);
          this.missing.delete(id);
        },
      });
    }
    const clients = await Promise.all(
      Array.from({ length: PRODUCERS }, (_, p) => this.open(p % 2)),
    );
    this.loops = clients.map((client, p) => this.produceLoop(client, p));
  }

  /** Paced at its share of the rate, one produce at a time, each sent until acknowledged. */
  private async produceLoop(client: Client, p: number): Promise<void> {
    const producer = client.producer(STATION, { lingerMs: 0 });
    const every = (1000 * PRODUCERS) / this.perSecond;
    // A send whose time passed during a stall is not made up for: no burst after a fault.
    let due = performance.now();
    for (let i = 0; !this.stopping; i++) {
      due = Math.max(due + every, performance.now());
      if (due > performance.now()) await sleep(due - performance.now());
      const id = `p${p}-${i}`;
      this.history.push({ kind: 'attempt', id });
      const produce: Produce = { start: performance.now() };
      this.produces.push(produce);
      for (;;) {
        try {
          const ack = await producer.produce(encoder.encode(id), {
            msgId: id,
            key: `k${i % 64}`,
            timeoutMs: PRODUCE_TIMEOUT_MS,
          });
          produce.end = performance.now();
          this.ackTimes.push(produce.end);
          this.acked++;
          this.history.push({ kind: 'ack', id, partition: ack.partition, offset: ack.offset });
          if (!this.received.has(id)) this.missing.add(id);
          break;
        } catch (error) {
          this.produceErrors++;
          const code = (error as { code?: string }).code ?? String(error);
          this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
          if (!this.errorSamples.has(code))
            this.errorSamples.set(code, (error as Error).message ?? String(error));
          // Indeterminate: the checker counts it as recovered if it arrives.
          if (performance.now() - produce.start > GIVE_UP_MS) {
            this.givenUp++;
            break;
          }
          await sleep(50);
        }
      }
    }
  }

  /** Stops sending new messages; resolves once every one sent was acknowledged or given up. */
  async stopProducers(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  async drain(ms: number): Promise<boolean> {
    return waitUntil(() => this.missing.size === 0, ms);
  }

  async close(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled(this.clients.map((c) => c.close()));
  }

  /**
   * From `from` to `to`: the longest time without an ack (counted from `from` at the earliest),
   * the longest single produce (first send to ack) under way then, and the same gap in receipts.
   */
  stall(from: number, to: number): { gapMs: number; produceMs: number; receiveGapMs: number } {
    let produceMs = 0;
    for (const p of this.produces) {
      const end = p.end ?? to;
      if (p.start <= to && end >= from) produceMs = Math.max(produceMs, end - p.start);
    }
    return {
      gapMs: Math.round(longestGap(this.ackTimes, from, to)),
      produceMs: Math.round(produceMs),
      receiveGapMs: Math.round(longestGap(this.receiveTimes, from, to)),
    };
  }
}

/** The longest stretch of [from, to] without one of `times` (sorted). */
function longestGap(times: readonly number[], from: number, to: number): number {
  let gap = 0;
  let previous = from;
  for (const t of times) {
    if (t <= from) continue;
    if (t > to) break;
    gap = Math.max(gap, t - previous);
    previous = t;
  }
  return Math.max(gap, to - previous);
}

async function waitUntilAsync(done: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

function verdictFigures(verdict: Verdict): Record<string, number> {
  return {
    attempted: verdict.attempted,
    acked: verdict.acked,
    received: verdict.received,
    lost: verdict.lost.length,
    duplicated: verdict.duplicated.length,
    reordered: verdict.reordered.length,
    unexpected: verdict.unexpected.length,
    recovered: verdict.recovered.length,
    storedTwice: verdict.storedTwice.length,
  };
}

/** Where the brokers' last log lines went when the run failed, so that it can be looked into. */
function keepLogs(topology: Topology, failures: string[]): void {
  if (failures.length === 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'ferry-js-faults-logs-'));
  const file = join(dir, 'brokers.log');
  writeFileSync(file, topology.logs.flatMap((l) => l.tail).join('\n'));
  failures.push(`the brokers' last log lines: ${file}`);
}

interface Setup {
  nats: NatsCluster;
  topology: Topology;
  traffic: Traffic;
}

async function withSetup<T>(
  options: RunOptions,
  perSecond: number,
  body: (setup: Setup) => Promise<T>,
): Promise<T> {
  const nats = await startCluster();
  const pids = () => nats.nodes.map((n) => n.pid);
  livePids.add(pids);
  const topology = new Topology(nats, `rel${options.seed % 1_000_000}`);
  const traffic = new Traffic(topology, perSecond);
  try {
    await topology.start();
    await traffic.start();
    return await body({ nats, topology, traffic });
  } finally {
    await traffic.close();
    await topology.stop();
    await nats.stop();
    livePids.delete(pids);
  }
}

/** kill -9 a nats-server (the leader of most streams), then a broker; restart both; drain. */
export async function run(options: RunOptions): Promise<Report> {
  const rng = seededRandom(options.seed);
  const rounds = options.full ? 5 : 1;
  // Longer than an election (a killed leader's followers wait 4 to 9 s), so each phase shows
  // whether the traffic goes on after it.
  const phaseMs = options.full ? 20_000 : 6_000;
  const perSecond = options.full ? 500 : 300;
  const started = Date.now();
  return withSetup(options, perSecond, async ({ nats, topology, traffic }) => {
    const figures: Record<string, number | string> = { rounds, perSecond };
    await sleep(options.full ? 5_000 : 1_500);
    for (let r = 0; r < rounds; r++) {
      const tag = rounds === 1 ? '' : `r${r + 1}.`;
      const { node, leads } = await streamLeader(nats, topology.prefix);
      const victim = rng() < 0.5 ? 0 : 1;
      const t0 = performance.now();
      const acked0 = traffic.acked;
      await node.kill();
      options.log(`jetstream-faults: killed ${node.name} (stream leaders ${leads})`);
      await sleep(phaseMs);
      const t1 = performance.now();
      const acked1 = traffic.acked;
      await topology.kill(victim);
      options.log(`jetstream-faults: killed broker ${victim === 0 ? 'a' : 'b'}`);
      await sleep(phaseMs);
      const t2 = performance.now();
      const acked2 = traffic.acked;
      await Promise.all([node.start(), topology.restart(victim)]);
      const restartedMs = performance.now() - t2;
      options.log('jetstream-faults: restarted both');
      await sleep(phaseMs);
      const t3 = performance.now();
      const acked3 = traffic.acked;
      const natsKill = traffic.stall(t0, t1);
      const brokerKill = traffic.stall(t1, t2);
      const restart = traffic.stall(t2, t3);
      Object.assign(figures, {
        [`${tag}natsKilled`]: `${node.name} (stream leaders ${leads})`,
        [`${tag}brokerKilled`]: victim === 0 ? 'a' : 'b',
        [`${tag}ackedNatsDown`]: acked1 - acked0,
        [`${tag}ackedNatsAndBrokerDown`]: acked2 - acked1,
        [`${tag}ackedAfterRestart`]: acked3 - acked2,
        [`${tag}stallNatsKillMs`]: natsKill.gapMs,
        [`${tag}stallBrokerKillMs`]: brokerKill.gapMs,
        [`${tag}stallRestartMs`]: restart.gapMs,
        [`${tag}receiveStallNatsKillMs`]: natsKill.receiveGapMs,
        [`${tag}receiveStallBrokerKillMs`]: brokerKill.receiveGapMs,
        [`${tag}receiveStallRestartMs`]: restart.receiveGapMs,
        [`${tag}longestProduceNatsKillMs`]: natsKill.produceMs,
        [`${tag}longestProduceBrokerKillMs`]: brokerKill.produceMs,
        [`${tag}longestProduceRestartMs`]: restart.produceMs,
        [`${tag}restartMs`]: Math.round(restartedMs),
      });
    }
    await traffic.stopProducers();
    const drainStart = performance.now();
    const drained = await traffic.drain(options.full ? 120_000 : 30_000);
    const verdict = check(traffic.history);
    const failures = failuresOf(verdict, drained);
    keepLogs(topology, failures);
    return {
      name: 'jetstream-faults',
      figures: {
        ...figures,
        ...verdictFigures(verdict),
        produceErrors: traffic.produceErrors,
        produceErrorCodes: codes(traffic.errorCodes),
        produceErrorFirst: samples(traffic.errorSamples),
        givenUp: traffic.givenUp,
        drainSeconds: round((performance.now() - drainStart) / 1000),
        brokerWarnings: topology.warnings(),
        seconds: Math.round((Date.now() - started) / 1000),
      },
      failures,
    };
  });
}

/** SIGSTOP the nats-server leading most streams past an election; the majority must go on. */
export async function runPause(options: RunOptions): Promise<Report> {
  // Longer than an election (a frozen leader's followers wait 4 to 9 s) and than the broker's
  // 10 s wait for a pull a frozen consumer leader never answers (measured: deliveries stop for
  // 10 s), so that the majority's progress shows in the pause's last seconds.
  const pauseMs = options.full ? 30_000 : 15_000;
  const progressMs = options.full ? 10_000 : 3_000;
  const perSecond = options.full ? 500 : 300;
  const started = Date.now();
  return withSetup(options, perSecond, async ({ nats, topology, traffic }) => {
    await sleep(options.full ? 5_000 : 1_500);
    const { node, leads } = await streamLeader(nats, topology.prefix);
    const t0 = performance.now();
    node.pause();
    options.log(`jetstream-pause: paused ${node.name} (stream leaders ${leads})`);
    let t1: number;
    try {
      await sleep(pauseMs);
    } finally {
      t1 = performance.now();
      node.resume();
    }
    options.log('jetstream-pause: resumed');
    await sleep(options.full ? 10_000 : 3_000);
    const t2 = performance.now();
    // Progress is what the majority did in the pause's last seconds, once an election is over:
    // not what was already under way when the node stopped.
    const late = t1 - progressMs;
    const within = (times: readonly number[], from: number, to: number) =>
      times.filter((t) => t > from && t <= to).length;
    const ackedLate = within(traffic.ackTimes, late, t1);
    const receivedLate = within(traffic.receiveTimes, late, t1);
    const paused = traffic.stall(t0, t1);
    const after = traffic.stall(t1, t2);
    await traffic.stopProducers();
    const drainStart = performance.now();
    const drained = await traffic.drain(options.full ? 120_000 : 30_000);
    const verdict = check(traffic.history);
    const failures = failuresOf(verdict, drained);
    if (ackedLate === 0)
      failures.push(
        `no produce was acknowledged in the last ${progressMs} ms of ${node.name}'s pause`,
      );
    if (receivedLate === 0)
      failures.push(
        `the group received nothing in the last ${progressMs} ms of ${node.name}'s pause`,
      );
    keepLogs(topology, failures);
    return {
      name: 'jetstream-pause',
      figures: {
        paused: `${node.name} (stream leaders ${leads})`,
        pauseMs,
        perSecond,
        ackedWhilePaused: within(traffic.ackTimes, t0, t1),
        ackedLastSecondsOfPause: ackedLate,
        progressWindowMs: progressMs,
        receivedWhilePaused: within(traffic.receiveTimes, t0, t1),
        receivedLastSecondsOfPause: receivedLate,
        longestAckGapPausedMs: paused.gapMs,
        longestReceiveGapPausedMs: paused.receiveGapMs,
        longestProducePausedMs: paused.produceMs,
        ackedAfterResume: within(traffic.ackTimes, t1, t2),
        longestAckGapAfterResumeMs: after.gapMs,
        longestReceiveGapAfterResumeMs: after.receiveGapMs,
        ...verdictFigures(verdict),
        produceErrors: traffic.produceErrors,
        produceErrorCodes: codes(traffic.errorCodes),
        produceErrorFirst: samples(traffic.errorSamples),
        givenUp: traffic.givenUp,
        drainSeconds: round((performance.now() - drainStart) / 1000),
        brokerWarnings: topology.warnings(),
        seconds: Math.round((Date.now() - started) / 1000),
      },
      failures,
    };
  });
}

function codes(counts: Map<string, number>): string {
  return counts.size === 0 ? 'none' : [...counts].map(([c, n]) => `${c} ${n}`).join(', ');
}

function samples(first: Map<string, string>): string {
  return first.size === 0 ? 'none' : [...first].map(([c, m]) => `${c}: ${m}`).join(' | ');
}
