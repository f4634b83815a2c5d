/**
 * Hostile clients: healthy producers (msgIds, awaited acks) and a consuming group run, first
 * alone for a baseline, then while hostile clients at the same time open thousands of
 * partitions, flood handshakes with wrong passwords, send requests without reading the replies,
 * hold slow HTTP sockets and crash on a poison message. Nothing acknowledged may be lost, every
 * poison message must be dead-lettered, the broker's memory and descriptors must stay bounded,
 * the healthy clients must keep being served, and the broker must restart on what is left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RunningBroker } from '@ferry/conformance/broker';
import { type Client, connect, type NodeConnectOptions } from '@ferry/node';
import { brokerUrl, launch } from './broker.js';
import { check } from './checker.js';
import { descriptorLimit, openDescriptors, sampleFds } from './fds.js';
import { type Attack, loopbackAddresses, Tally } from './hostile/attack.js';
import { writeConfig } from './hostile/config.js';
import { handshakeFlood } from './hostile/handshake-flood.js';
import { type HealthyLoad, startHealthyLoad } from './hostile/healthy-load.js';
import { partitionHog } from './hostile/partition-hog.js';
import { awaitDeadLetters, deadLetters, poisonConsumer, producePoison } from './hostile/poison.js';
import { NEWCOMERS, startProbes } from './hostile/probes.js';
import { FULL, SHORT } from './hostile/scale.js';
import { slowHttp } from './hostile/slow-http.js';
import { unreadReplies } from './hostile/unread-replies.js';
import type { Report, RunOptions } from './report.js';
import { sampleRss } from './rss.js';
import { percentile, round } from './stats.js';
import { sleep, waitUntil, within } from './time.js';

const STATION = 'healthy';
const GROUP = 'healthy';
const POISON_STATION = 'poison';
const POISON_GROUP = 'eaters';
const MAX_DELIVERIES = 3;
const USER = 'healthy';
const PASSWORD = 'correct horse battery staple';
/** Produced by all healthy producers together; far below what the broker sustains here. */
const PER_SECOND = 400;
const PRODUCERS = 4;
/**
 * Descriptors the broker may hold beyond its storage file pool and the scenario's sockets:
 * stdio, epoll, eventfds, the listeners, the lock file (the broker reserves 64 for these).
 */
const FD_SLACK = 64;
/**
 * The broker's RSS bound is RSS_MIX times the sum of what each part of the load takes alone,
 * measured here above an idle broker (about 80 MB): RSS_PARTS, and RSS_PER_PARTITION for each
 * partition the hog created. Together they take more than the sum (the allocator keeps more
 * under their mix: up to a quarter more measured), hence the factor.
 */
const RSS_PARTS_BYTES =
  // The healthy load, the idle broker included.
  150e6 +
  // Unread replies: the default engine-wide outbound budget of 256 MiB, which they fill by
  // design, its overshoot and what the allocator keeps of replies churned through it (8 to 32
  // connections: 375 to 490 MB). Without the budget the full attack's 32 connections could hold
  // 32 × 64 MiB.
  490e6 +
  // The wrong-password flood: scrypt working sets of 16 MiB and the connection churn (90 to 126 MB).
  126e6;
/** Measured: 5.4 KB per empty partition (20,480 partitions took 111 MB). */
const RSS_PER_PARTITION = 8 * 1024;
const RSS_MIX = 1.5;
/** The phase after the attack's stop begins: its sockets close, its backlogs go. */
const AFTERMATH_MS = 10_000;
/** The poison consumer gives up when it has not crashed for this long: nothing more comes. */
const POISON_STALL_MS = 10_000;
/**
 * Full only: no healthy produce may wait longer than this for the next ack, during the attack or
 * after it (the flood's failure delay caps at 5 s too). The CI version bounds no latency.
 */
const ACK_GAP_BOUND_MS = 5_000;

const prefixed = (prefix: string, figures: Record<string, number | string>) =>
  Object.fromEntries(Object.entries(figures).map(([k, v]) => [`${prefix}.${k}`, v]));

export async function run(options: RunOptions): Promise<Report> {
  const scale = options.full ? FULL : SHORT;
  const began = performance.now();
  const log = (line: string) =>
    options.log(`hostile: ${line} (${round((performance.now() - began) / 1000)} s)`);
  const workDir = mkdtempSync(join(tmpdir(), 'ferry-hostile-'));
  const dataDir = join(workDir, 'data');
  /** The broker logs the size of its storage file pool at start. */
  let filePool: number | undefined;
  const warnings = new Tally();
  const errors = new Tally();
  const brokerOptions = {
    dataDir,
    maxOpenFiles: scale.maxOpenFiles,
    args: [
      '--config',
      writeConfig(workDir, { username: USER, password: PASSWORD }),
      '--max-partitions-total',
      String(scale.partitionsCap),
    ],
    // What the broker says about the attack: pino levels 40 (warn) and 50 (error) and up.
    onLog: (entry: Record<string, unknown>) => {
      if (entry.msg === 'storage file pool sized' && typeof entry.maxOpenFiles === 'number')
        filePool = entry.maxOpenFiles;
      const level = typeof entry.level === 'number' ? entry.level : 0;
      const err = entry.err as { message?: string } | undefined;
      const frame = typeof entry.frame === 'string' ? ` (${entry.frame})` : '';
      if (level >= 50)
        errors.add(`${String(entry.msg)}${frame}${err?.message ? `: ${err.message}` : ''}`);
      else if (level >= 40) warnings.add(String(entry.msg));
    },
  };
  let broker: RunningBroker | undefined = await launch(brokerOptions);
  const pid = broker.pid;
  const rss = sampleRss(pid);
  // The healthy clients' figures are only as good as this process's own responsiveness.
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const fds = sampleFds(pid);
  const clientOptions: NodeConnectOptions = {
    auth: { username: USER, password: PASSWORD },
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
  };
  const url = brokerUrl(broker);
  const clients: Client[] = [];
  const open = async () => {
    const client = await connect(url, clientOptions);
    clients.push(client);
    return client;
  };
  const attacks: Attack[] = [];
  let healthy: HealthyLoad | undefined;
  try {
    const admin = await open();
    await admin.stations.create(STATION, { partitions: 4 });
    await admin.stations.create(POISON_STATION, { partitions: 1 });
    healthy = await startHealthyLoad({
      open,
      station: STATION,
      group: GROUP,
      producers: PRODUCERS,
      perSecond: PER_SECOND,
      window: 32,
      payloadBytes: 256,
    });
    await sleep(1_000);
    healthy.setPhase('baseline');
    log(`baseline, ${scale.baselineSeconds} s`);
    await sleep(scale.baselineSeconds * 1000);
    const baselineRss = rss.peak();

    // Connected before the attack: a handshake flood may well refuse new clients.
    const poisonClient = await open();

    healthy.setPhase('attack');
    log(`attack, ${scale.attackSeconds} s`);
    const attackStarted = performance.now();
    const attackStartedAt = Date.now();
    const auth = { username: USER, password: PASSWORD };
    const port = broker.tcpPort;
    const hog = partitionHog({
      port,
      localAddress: '127.0.0.40',
      auth,
      stations: scale.hogStations,
      partitions: 1024,
    });
    const flood = handshakeFlood({
      port,
      addresses: loopbackAddresses(2, 8),
      username: USER,
      concurrency: scale.floodConcurrency,
    });
    const unread = unreadReplies({
      port,
      addresses: loopbackAddresses(10, 4),
      auth,
      connections: scale.unreadConnections,
      // The hog's first station, with 1,024 partitions, makes the largest replies.
      station: Promise.race([hog.firstStation, sleep(5_000)]).then((name) => name ?? STATION),
    });
    const slow = slowHttp({
      httpPort: broker.httpPort,
      addresses: loopbackAddresses(20, 8),
      sockets: scale.slowSockets,
      trickleMs: 5_000,
    });
    const poison = poisonConsumer({
      port,
      localAddress: '127.0.0.30',
      auth,
      station: POISON_STATION,
      group: POISON_GROUP,
      maxDeliveries: MAX_DELIVERIES,
    });
    attacks.push(hog, flood, unread, slow, poison);
    const poisonProducer = producePoison(poisonClient, POISON_STATION, 1_000);
    const probes = startProbes({ url, httpPort: broker.httpPort, client: clientOptions }, 1_000);
    await sleep(scale.attackSeconds * 1000);
    const attackSeconds = (performance.now() - attackStarted) / 1000;

    // Closing the hostile connections is part of the attack: the healthy producers go on for
    // AFTERMATH_MS after the stop begins, and must be served then too.
    healthy.setPhase('aftermath');
    const aftermathEnds = setTimeout(() => healthy?.setPhase('drain'), AFTERMATH_MS);
    log('stopping the attack');
    const aftermathStarted = performance.now();
    await Promise.all([
      probes.stop(),
      poisonProducer.stop(),
      hog.stop(),
      flood.stop(),
      unread.stop(),
      slow.stop(),
    ]);
    log('waiting for the poison messages to be dead-lettered');
    const waited = await awaitDeadLetters(
      admin,
      { station: POISON_STATION, group: POISON_GROUP },
      poisonProducer.poison,
      poison,
      {
        maxDeliveries: MAX_DELIVERIES,
        waitMs: scale.poisonWaitSeconds * 1000,
        stallMs: POISON_STALL_MS,
      },
    );
    const { letters, listFailure } = waited;
    await poison.stop();
    await sleep(AFTERMATH_MS - (performance.now() - aftermathStarted));
    clearTimeout(aftermathEnds);
    healthy.setPhase('drain');
    const aftermathSeconds = AFTERMATH_MS / 1000;
    log('draining the healthy group');

    await healthy.stopProducing();
    const drained = await waitUntil(() => healthy?.missing.size === 0, 30_000);
    await healthy.stopConsuming();
    const verdict = check(healthy.history);
    const halfCreated: string[] = [];
    for (const name of hog.refusedStations) {
      const answer = await admin.stations.info(name).then(
        () => 'exists',
        (e: { code?: string }) => e.code ?? String(e),
      );
      if (answer !== 'STATION_NOT_FOUND') halfCreated.push(`${name} (${answer})`);
    }
    rss.stop();
    fds.stop();
    loopDelay.disable();

    log('restarting the broker on the data the attack left');
    await Promise.allSettled(clients.splice(0).map((c) => c.close()));
    const limit = descriptorLimit(pid);
    await within(broker.stop(), 60_000, 'the broker stop').catch(() => broker?.kill());
    broker = undefined;
    const restartStarted = performance.now();
    let restart: string | number;
    let lettersAfterRestart: number | string = 'not restarted';
    let fdsAfterRestart: number | string = 'not restarted';
    try {
      broker = await within(launch(brokerOptions), 120_000, 'the restart');
      restart = round((performance.now() - restartStarted) / 1000, 2);
      fdsAfterRestart = openDescriptors(broker.pid) ?? 'unknown';
      const after = await connect(brokerUrl(broker), { ...clientOptions, reconnect: false });
      clients.push(after);
      await after.stations.info(STATION);
      lettersAfterRestart = (await deadLetters(after, POISON_STATION, POISON_GROUP)).size;
    } catch (error) {
      restart = `failed: ${String(error).slice(0, 300)}`;
    }

    const baseP = (p: number) => percentile(healthy?.latencies('baseline') ?? [], p);
    const attackP = (p: number) => percentile(healthy?.latencies('attack') ?? [], p);
    const attackPerSecond = healthy.ackedDuring('attack') / attackSeconds;
    const aftermathPerSecond = healthy.ackedDuring('aftermath') / aftermathSeconds;
    const poisonIds = [...poisonProducer.poison];
    const notDeadLettered = poisonIds.filter((id) => !letters.has(id));
    const normalDeadLettered = [...letters.keys()].filter((id) => !poisonProducer.poison.has(id));
    const reasons = new Tally();
    for (const entry of letters.values()) reasons.add(`${entry.reason} (${entry.deliveryCount})`);
    const peakRss = rss.peak();
    // Whether memory levels off (a figure: within 3 minutes the allocator's own drift hides a
    // leak; the soak is the test for those).
    const third = (attackSeconds * 1000) / 3;
    const rssIn = (from: number, to: number) =>
      rss.samples.reduce((max, s) => (s.at >= from && s.at < to ? Math.max(max, s.bytes) : max), 0);
    const rssFirstThird = rssIn(attackStartedAt, attackStartedAt + third);
    const rssLastThird = rssIn(attackStartedAt + 2 * third, attackStartedAt + 3 * third);
    const peakFds = fds.peak();
    // Every socket the scenario may hold at once, healthy (4 producers, the consumer, the admin,
    // the poison producer, the probes) and hostile.
    const sockets =
      PRODUCERS +
      4 +
      NEWCOMERS +
      scale.floodConcurrency +
      scale.unreadConnections +
      scale.slowSockets +
      2;
    // Without a logged pool size, only running out of descriptors is caught.
    const fdBound = Math.min(
      limit ?? scale.maxOpenFiles,
      filePool === undefined ? Number.POSITIVE_INFINITY : filePool + sockets + FD_SLACK,
    );
    const refused = attacks.reduce((n, a) => n + a.refused.total, 0);
    const hogFigures = hog.figures();

    const failures: string[] = [];
    if (verdict.acked === 0) failures.push('no healthy message was acknowledged');
    if (verdict.lost.length > 0) {
      const some = verdict.lost.slice(0, 5).map((a) => `${a.id} at ${a.partition}/${a.offset}`);
      failures.push(
        `lost ${verdict.lost.length} acknowledged messages (drain ${drained ? 'complete' : 'timed out'}), e.g. ${some.join(', ')}`,
      );
    }
    if (verdict.unexpected.length > 0)
      failures.push(`unexpected: ${verdict.unexpected.slice(0, 5).join(', ')}`);
    if (poisonIds.length === 0) failures.push('no poison message was acknowledged');
    const highestCount = Number(poison.figures().highestDeliveryCount);
    if (highestCount > MAX_DELIVERIES)
      failures.push(
        `a poison message was delivered ${highestCount} times, past maxDeliveries ${MAX_DELIVERIES}`,
      );
    if (notDeadLettered.length > 0)
      failures.push(
        `${notDeadLettered.length} of ${poisonIds.length} poison messages were not dead-lettered (the poison consumer crashed ${poison.figures().crashes} times, the last time ${round(waited.idleSeconds)} s before the wait ended), e.g. ${notDeadLettered.slice(0, 3).join(', ')}`,
      );
    const partitions = Number(hogFigures.partitionsCreated);
    const rssBound = RSS_MIX * (RSS_PARTS_BYTES + RSS_PER_PARTITION * partitions);
    if (peakRss > rssBound)
      failures.push(
        `broker peak RSS ${round(peakRss / 1e6)} MB is over ${round(rssBound / 1e6)} MB (${RSS_MIX} × (${RSS_PARTS_BYTES / 1e6} MB and 8 KiB for each of ${partitions} partitions))`,
      );
    if (peakFds > fdBound)
      failures.push(
        `the broker had ${peakFds} descriptors open, over ${fdBound}: its file pool (${filePool ?? 'not logged'}), the ${sockets} sockets of this scenario and ${FD_SLACK} (its limit is ${limit})`,
      );
    for (const [when, perSecond] of [
      ['under attack', attackPerSecond],
      [
        `in the ${round(aftermathSeconds)} s after it (its connections closing)`,
        aftermathPerSecond,
      ],
    ] as const)
      if (!(perSecond >= scale.throughputFloor * PER_SECOND))
        failures.push(
          `healthy producers got ${round(perSecond)} acks/s ${when}, below the floor of ${scale.throughputFloor * PER_SECOND} (they offered ${PER_SECOND})`,
        );
    const gap = Math.max(healthy.longestAckGap('attack'), healthy.longestAckGap('aftermath'));
    if (options.full && gap > ACK_GAP_BOUND_MS)
      failures.push(
        `the healthy producers went ${Math.round(gap)} ms without an ack during or after the attack (bound ${ACK_GAP_BOUND_MS} ms)`,
      );
    if (listFailure !== undefined)
      failures.push(`the dead letters could not be listed: ${listFailure}`);
    for (const [name, probe] of [
      ['GET /livez', probes.livez],
      ['a new client', probes.connect],
    ] as const)
      if (probe.ok * 2 < probe.attempted)
        failures.push(
          `${name} succeeded ${probe.ok} times of ${probe.attempted} under attack (first failure: ${probe.firstFailure})`,
        );
    const badCreates = hog.refused
      .codes()
      .filter((code) => code !== 'QUOTA_EXCEEDED' && !code.startsWith('handshake '));
    if (badCreates.length > 0)
      failures.push(
        `stationCreate was answered with ${badCreates.join(', ')}, not created or refused with QUOTA_EXCEEDED`,
      );
    if (halfCreated.length > 0)
      failures.push(`refused stations exist all the same: ${halfCreated.slice(0, 3).join(', ')}`);
    if (flood.figures().accepted !== 0)
      failures.push(`${flood.figures().accepted} handshakes with a wrong password were accepted`);
    if (typeof restart === 'string')
      failures.push(`the broker did not restart on the data the attack left: ${restart}`);

    return {
      name: 'hostile',
      figures: {
        attackSeconds: round(attackSeconds),
        brokerDescriptorLimit: limit ?? 'unknown',
        peakOpenFds: peakFds,
        fdBound,
        brokerFilePool: filePool ?? 'not logged',
        baselineRssMB: round(baselineRss / 1e6),
        brokerPeakRssMB: round(peakRss / 1e6),
        attackFirstThirdRssMB: round(rssFirstThird / 1e6),
        attackLastThirdRssMB: round(rssLastThird / 1e6),
        rssBoundMB: round(rssBound / 1e6),
        offeredPerSecond: PER_SECOND,
        floorPerSecond: scale.throughputFloor * PER_SECOND,
        baselineAckedPerSecond: round(healthy.ackedDuring('baseline') / scale.baselineSeconds),
        attackAckedPerSecond: round(attackPerSecond),
        aftermathAckedPerSecond: round(aftermathPerSecond),
        baselineLongestAckGapMs: Math.round(healthy.longestAckGap('baseline')),
        attackLongestAckGapMs: Math.round(healthy.longestAckGap('attack')),
        aftermathLongestAckGapMs: Math.round(healthy.longestAckGap('aftermath')),
        baselineP50Ms: round(baseP(50), 2),
        baselineP99Ms: round(baseP(99), 2),
        attackP50Ms: round(attackP(50), 2),
        attackP99Ms: round(attackP(99), 2),
        p50Ratio: round(attackP(50) / baseP(50), 2),
        p99Ratio: round(attackP(99) / baseP(99), 2),
        produceErrors: healthy.produceErrors.toString(),
        producesSkipped: healthy.skipped(),
        clientLoopMaxDelayMs: Math.round(loopDelay.max / 1e6),
        attempted: verdict.attempted,
        acked: verdict.acked,
        received: verdict.received,
        lost: verdict.lost.length,
        duplicated: verdict.duplicated.length,
        unexpected: verdict.unexpected.length,
        poisonAcked: poisonIds.length,
        poisonDeadLettered: poisonIds.length - notDeadLettered.length,
        otherDeadLettered: normalDeadLettered.length,
        deadLetterReasons: reasons.toString(),
        poisonProduceErrors: poisonProducer.failed(),
        ...prefixed('poisonConsumer', poison.figures()),
        ...prefixed('partitions', { ...hogFigures, halfCreated: halfCreated.length }),
        ...prefixed('handshakes', flood.figures()),
        ...prefixed('unreadReplies', unread.figures()),
        ...prefixed('slowHttp', slow.figures()),
        poisonConsumerRefused: poison.refused.toString(),
        hostileRefused: refused,
        livezOk: `${probes.livez.ok}/${probes.livez.attempted}`,
        newClientsOk: `${probes.connect.ok}/${probes.connect.attempted}`,
        brokerWarnings: warnings.toString(),
        brokerErrors: errors.toString(),
        restartSeconds: restart,
        openFdsAfterRestart: fdsAfterRestart,
        deadLettersAfterRestart: lettersAfterRestart,
      },
      failures,
    };
  } finally {
    rss.stop();
    loopDelay.disable();
    fds.stop();
    await Promise.allSettled(attacks.map((a) => a.stop()));
    await healthy?.stopProducing().catch(() => {});
    await Promise.allSettled(clients.map((c) => c.close()));
    await broker?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}
