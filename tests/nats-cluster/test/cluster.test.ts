/**
 * The cluster topology the JetStream engine runs on here, checked against Debian's nats-server:
 * three nodes form a JetStream cluster, an R3 stream keeps taking writes with one node killed or
 * frozen past an election, and the node catches up once it is back. Written to a quorum means
 * acknowledged; what was acknowledged is all there at the end.
 */
import { type JetStreamClient, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsCluster, startCluster } from '../src/cluster.js';

let cluster: NatsCluster;
let nc: NatsConnection;

beforeAll(async () => {
  cluster = await startCluster();
  // A frozen server keeps its sockets open: only missed pings tell the client to move on, so
  // they are a second apart rather than the default two minutes.
  nc = await connect({
    servers: [...cluster.urls],
    reconnectTimeWait: 100,
    pingInterval: 1000,
    maxPingOut: 2,
  });
});

afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
});

/** Publishes until the stream acknowledges: an election may answer with an error or nothing. */
async function publish(js: JetStreamClient, subject: string, n: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const ack = await js.publish(subject, new TextEncoder().encode(String(n)), {
        msgID: `${subject}-${n}`,
        timeout: 2000,
      });
      return ack.seq;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Runs `call` until it succeeds: while a node is down or frozen the cluster may answer "JetStream
 * system temporarily unavailable" until a new metadata leader is elected.
 */
async function retrying<T>(call: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** The manager without its up-front account check, which fails during an election. */
const manager = () => jetstreamManager(nc, { checkAPI: false });

async function r3Stream(name: string): Promise<void> {
  const jsm = await manager();
  await retrying(() =>
    jsm.streams.add({
      name,
      subjects: [`${name}.>`],
      num_replicas: 3,
      storage: StorageType.File,
    }),
  );
}

/** The stream's replicas once every one is current, within `timeoutMs`. */
async function allCurrent(name: string, timeoutMs = 30_000) {
  const jsm = await manager();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await jsm.streams.info(name).catch(() => undefined);
    const replicas = info?.cluster?.replicas ?? [];
    if (
      info?.cluster?.leader !== undefined &&
      replicas.length === 2 &&
      replicas.every((r) => r.current && r.offline !== true)
    )
      return info;
    if (Date.now() > deadline)
      throw new Error(`replicas not current: ${JSON.stringify(info?.cluster)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('a three-node JetStream cluster on loopback', () => {
  it('forms a cluster: an R3 stream has a leader and two current replicas, one per node', async () => {
    await r3Stream('formed');
    const js = jetstream(nc);
    for (let n = 0; n < 10; n++) expect(await publish(js, 'formed.a', n)).toBe(n + 1);
    const info = await allCurrent('formed');
    const names = [info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((r) => r.name)];
    expect(new Set(names)).toEqual(new Set(cluster.nodes.map((n) => n.name)));
    expect(info.state.messages).toBe(10);
  });

  it('keeps taking writes with the stream leader killed (kill -9), and the node catches up after a restart', async () => {
    await r3Stream('killed');
    const js = jetstream(nc);
    for (let n = 0; n < 50; n++) await publish(js, 'killed.a', n);
    const before = await allCurrent('killed');
    const leader = cluster.nodes.find((node) => node.name === before.cluster?.leader);
    expect(leader).toBeDefined();
    await leader?.kill();
    for (let n = 50; n < 100; n++) await publish(js, 'killed.a', n);
    await leader?.start();
    const after = await allCurrent('killed');
    expect(after.state.messages).toBe(100);
    expect(after.state.last_seq).toBe(100);
  });

  it('keeps taking writes on the majority while the stream leader is frozen (SIGSTOP) past an election', async () => {
    await r3Stream('frozen');
    const js = jetstream(nc);
    for (let n = 0; n < 20; n++) await publish(js, 'frozen.a', n);
    const before = await allCurrent('frozen');
    const leader = cluster.nodes.find((node) => node.name === before.cluster?.leader);
    leader?.pause();
    try {
      for (let n = 20; n < 60; n++) await publish(js, 'frozen.a', n);
    } finally {
      leader?.resume();
    }
    const after = await allCurrent('frozen');
    expect(after.cluster?.leader).not.toBe(leader?.name);
    expect(after.state.messages).toBe(60);
  });
});
