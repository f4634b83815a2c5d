/**
 * Ferry brokers on a cluster, for `ferry-nats-cluster --brokers N`: each a `ferry-broker`
 * process with `--storage-engine jetstream` on loopback ports, all with one prefix so they serve
 * the same stations, ended by pid. The broker is not a dependency of this package (its tests
 * start this cluster); the binary is the workspace's build, or the one given.
 *
 * The conformance runs and the reliability suite start their brokers with
 * `@ferry/conformance/jetstream` instead, which has the harness's options.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The workspace's build of the broker: `pnpm --filter @ferry/broker... build`. */
export const WORKSPACE_BROKER_BIN = fileURLToPath(
  new URL('../../../apps/broker-server/dist/bin/ferry-broker.js', import.meta.url),
);

const READY_TIMEOUT_MS = 30_000;

export interface FerryBrokerOptions {
  /** The NATS client URLs of the cluster. */
  natsUrls: readonly string[];
  prefix: string;
  /** `--nats-replicas`: 1, 3 or 5. */
  replicas: number;
  /** Default WORKSPACE_BROKER_BIN. */
  bin?: string;
  /** More `ferry-broker` flags. */
  args?: readonly string[];
}

export interface FerryBroker {
  pid: number;
  tcpPort: number;
  httpPort: number;
  tcpUrl: string;
  wsUrl: string;
  httpUrl: string;
  /** SIGTERM, wait for the exit, and remove the broker's data directory. */
  stop(): Promise<void>;
}

export async function startFerryBroker(options: FerryBrokerOptions): Promise<FerryBroker> {
  const bin = options.bin ?? WORKSPACE_BROKER_BIN;
  if (!existsSync(bin))
    throw new Error(`no broker at ${bin}: build it (pnpm --filter @ferry/broker... build)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-nats-broker-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      bin,
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--tcp-port',
      '0',
      '--http-port',
      '0',
      '--storage-engine',
      'jetstream',
      '--nats-url',
      options.natsUrls.join(','),
      '--nats-replicas',
      String(options.replicas),
      '--nats-prefix',
      options.prefix,
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Uint8Array) => {
    stderr = (stderr + new TextDecoder().decode(chunk)).slice(-8192);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const ports = await new Promise<{ tcpPort: number; httpPort: number }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the broker was not listening within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      // Keep reading stdout after the start too, so the pipe never fills.
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (entry.msg === 'ferry broker listening') {
            clearTimeout(timer);
            resolve({ tcpPort: Number(entry.tcpPort), httpPort: Number(entry.httpPort) });
          }
        } catch {
          // Not a log line.
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the broker exited before listening: ${stderr}`));
      });
    });
    return {
      pid: child.pid as number,
      ...ports,
      tcpUrl: `ferry://127.0.0.1:${ports.tcpPort}`,
      wsUrl: `ws://127.0.0.1:${ports.httpPort}/ws`,
      httpUrl: `http://127.0.0.1:${ports.httpPort}`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
