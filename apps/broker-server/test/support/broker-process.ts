/**
 * A real broker process for integration tests: the built `ferry-broker`
 * binary on ephemeral loopback ports and its own data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bin/ferry-broker.js');

export interface BrokerProcess {
  tcpPort: number;
  httpPort: number;
  /** The MQTT listener's port, when the broker runs with MQTT on. */
  mqttPort?: number;
  dataDir: string;
  /** The broker's process id (to count its descriptors in /proc, say). */
  pid: number;
  /** Every JSON log line the broker printed. */
  logs: Record<string, unknown>[];
  /** Resolves with the first log line `match` accepts, once printed (lines trail replies). */
  logged(
    match: (entry: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM, and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
}

type Ports = Pick<BrokerProcess, 'tcpPort' | 'httpPort' | 'mqttPort'>;

export interface StartOptions {
  dataDir?: string;
  args?: string[];
  env?: Record<string, string>;
  /** Run the broker with this descriptor limit (soft and hard, so that Node cannot raise it). */
  descriptorLimit?: number;
  /** Run the broker with this umask, e.g. 0 to see that file modes do not depend on it. */
  umask?: number;
  /** Leave out `--host 127.0.0.1`, so that the broker binds where its defaults say. */
  defaultHost?: boolean;
}

/** `sh -c 'ulimit -n N; umask M; exec node ...'`: the same process, so its pid is the broker's. */
function command(options: StartOptions, argv: string[]): [string, string[]] {
  const setup: string[] = [];
  if (options.descriptorLimit !== undefined) setup.push(`ulimit -n ${options.descriptorLimit}`);
  if (options.umask !== undefined)
    setup.push(`umask ${options.umask.toString(8).padStart(3, '0')}`);
  if (setup.length === 0) return [process.execPath, argv];
  return ['/bin/sh', ['-c', `${setup.join(' && ')} && exec "$0" "$@"`, process.execPath, ...argv]];
}

export async function startBroker(options: StartOptions = {}): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ferry-broker-'));
  const [file, argv] = command(options, [
    BIN,
    '--data-dir',
    dataDir,
    ...(options.defaultHost ? [] : ['--host', '127.0.0.1']),
    '--tcp-port',
    '0',
    '--http-port',
    '0',
    ...(options.args ?? []),
  ]);
  const child: ChildProcess = spawn(file, argv, {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const ports = await new Promise<Ports>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'ferry broker listening')
          resolve({
            tcpPort: Number(entry.tcpPort),
            httpPort: Number(entry.httpPort),
            mqttPort: entry.mqttPort === undefined ? undefined : Number(entry.mqttPort),
          });
      } catch {
        logs.push({ raw: line });
      }
    });
    // What it logged says why (a fatal line), what it wrote to stderr how it crashed.
    void exited.then((code) =>
      reject(
        new Error(
          `the broker exited with ${code} before listening: ${stderr}${logs
            .slice(-5)
            .map((l) => JSON.stringify(l))
            .join('\n')}`,
        ),
      ),
    );
  });
  return {
    ...ports,
    dataDir,
    pid: child.pid as number,
    logs,
    async logged(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs.find(match);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error('no such log line was printed');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export function removeDataDir(broker: BrokerProcess): void {
  rmSync(broker.dataDir, { recursive: true, force: true });
}
