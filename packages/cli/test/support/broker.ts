/**
 * A real broker process for the CLI's end-to-end tests: the built `ferry-broker` of
 * `@ferry/broker` on ephemeral loopback ports, in its own data directory, stopped by its pid.
 */
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

export interface Broker {
  url: string;
  httpUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startBroker(): Promise<Broker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-cli-broker-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, '--data-dir', dataDir, '--host', '127.0.0.1', '--tcp-port', '0', '--http-port', '0'],
    { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = await new Promise<{ tcpPort: number; httpPort: number }>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'ferry broker listening')
          resolve({ tcpPort: Number(entry.tcpPort), httpPort: Number(entry.httpPort) });
      } catch {
        // Not a log line; the broker logs JSON only, so nothing here matters.
      }
    });
    void exited.then(() => reject(new Error(`the broker exited before listening: ${stderr}`)));
  });
  return {
    url: `ferry://127.0.0.1:${ports.tcpPort}`,
    httpUrl: `http://127.0.0.1:${ports.httpPort}`,
    pid: child.pid as number,
    async stop() {
      process.kill(child.pid as number, 'SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
