/** A real broker process for the conformance runs: the built `ferry-broker`, on loopback. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const BIN = join(
  dirname(require.resolve('@ferry/broker/package.json')),
  'dist/bin/ferry-broker.js',
);

export interface BrokerOptions {
  /** Default: a new temporary directory, removed by stop(). */
  dataDir?: string;
  /** Without one the broker runs open, as `pnpm start` does. */
  token?: string;
  /** Default 0, a free port; a restart passes the ports the first start got. */
  tcpPort?: number;
  httpPort?: number;
  /** More `ferry-broker` flags. */
  args?: readonly string[];
  /** Node flags for the broker process, such as `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeArgs?: readonly string[];
  /** Called with each JSON log line the broker prints. */
  onLog?: (entry: Record<string, unknown>) => void;
  /** More environment variables (FERRY_* settings). */
  env?: Readonly<Record<string, string>>;
  /**
   * The broker's descriptor limit (soft and hard, so that Node cannot raise it), to run it
   * with more partitions than descriptors whatever this machine's `ulimit -n`.
   */
  maxOpenFiles?: number;
}

export interface RunningBroker {
  pid: number;
  dataDir: string;
  tcpPort: number;
  httpPort: number;
  /** The MQTT port, when the broker runs with `--mqtt true`. */
  mqttPort?: number;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** SIGTERM, wait for the exit, and remove the data directory if it was a temporary one. */
  stop(): Promise<void>;
}

export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ferry-broker-'));
  const argv = [
    ...(options.nodeArgs ?? []),
    BIN,
    '--data-dir',
    dataDir,
    '--host',
    '127.0.0.1',
    '--tcp-port',
    String(options.tcpPort ?? 0),
    '--http-port',
    String(options.httpPort ?? 0),
    ...(options.args ?? []),
  ];
  // `sh -c 'ulimit -n N; exec node ...'`: the same process, so `pid` is still the broker's.
  const [command, commandArgs] =
    options.maxOpenFiles === undefined
      ? [process.execPath, argv]
      : [
          '/bin/sh',
          [
            '-c',
            'ulimit -n "$1" || exit 1; shift; exec "$0" "$@"',
            process.execPath,
            String(options.maxOpenFiles),
            ...argv,
          ],
        ];
  const child: ChildProcess = spawn(command, commandArgs, {
    env: {
      PATH: process.env.PATH ?? '',
      ...(options.token === undefined ? {} : { FERRY_AUTH_TOKEN: options.token }),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The tail of stderr explains a failed start; a broker that keeps writing never grows it.
  let stderr = '';
  child.stderr?.on('data', (chunk: Uint8Array) => {
    stderr = (stderr + new TextDecoder().decode(chunk)).slice(-16_384);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = await new Promise<{ tcpPort: number; httpPort: number; mqttPort?: number }>(
    (resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          options.onLog?.(entry);
          if (entry.msg === 'ferry broker listening') {
            resolve({
              tcpPort: Number(entry.tcpPort),
              httpPort: Number(entry.httpPort),
              ...(entry.mqttPort === undefined ? {} : { mqttPort: Number(entry.mqttPort) }),
            });
          }
        } catch {
          // Not a log line; the broker's stderr explains any failure.
        }
      });
      void exited.then(() => reject(new Error(`the broker exited before listening: ${stderr}`)));
    },
  );
  return {
    ...ports,
    pid: child.pid as number,
    dataDir,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
