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
  dataDir: string;
  /** Every JSON log line the broker printed. */
  logs: Record<string, unknown>[];
  /** SIGTERM, and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  args?: string[];
  env?: Record<string, string>;
}

export async function startBroker(options: StartOptions = {}): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ferry-broker-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      BIN,
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--tcp-port',
      '0',
      '--http-port',
      '0',
      ...(options.args ?? []),
    ],
    { env: { PATH: process.env.PATH ?? '', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const ports = await new Promise<{ tcpPort: number; httpPort: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'ferry broker listening')
          resolve({ tcpPort: Number(entry.tcpPort), httpPort: Number(entry.httpPort) });
      } catch {
        logs.push({ raw: line });
      }
    });
    void exited.then((code) =>
      reject(new Error(`the broker exited with ${code} before listening: ${stderr}`)),
    );
  });
  return {
    ...ports,
    dataDir,
    logs,
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
