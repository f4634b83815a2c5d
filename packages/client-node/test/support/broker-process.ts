/**
 * A real broker process for integration tests: the built `ferry-broker` binary of
 * `@ferry/broker` on ephemeral loopback ports, with its own data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

const BIN = join(
  dirname(createRequire(import.meta.url).resolve('@ferry/broker/package.json')),
  'dist/bin/ferry-broker.js',
);

export interface BrokerProcess {
  tcpPort: number;
  httpPort: number;
  dataDir: string;
  /** SIGTERM, and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
}

export async function startBroker(args: string[] = []): Promise<BrokerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-node-'));
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
      ...args,
    ],
    { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  // The listener stays for the process's life: an unread stdout pipe would block the broker.
  const ports = await new Promise<{ tcpPort: number; httpPort: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'ferry broker listening')
          resolve({ tcpPort: Number(entry.tcpPort), httpPort: Number(entry.httpPort) });
      } catch {
        // Not a log line; nothing to learn from it.
      }
    });
    void exited.then((code) =>
      reject(new Error(`the broker exited with ${code} before listening: ${stderr}`)),
    );
  });
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  return {
    ...ports,
    dataDir,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      removeData();
      return code;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
      removeData();
    },
  };
}
