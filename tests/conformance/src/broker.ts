/** A real broker process for the conformance runs: the built `ferry-broker`, on loopback. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const BIN = join(
  dirname(require.resolve('@ferry/broker/package.json')),
  'dist/bin/ferry-broker.js',
);

export interface BrokerOptions {
  dataDir: string;
  /** Without one the broker runs open, as `pnpm start` does. */
  token?: string;
  /** 0 picks a free port; a restart passes the ports the first start got. */
  tcpPort: number;
  httpPort: number;
}

export interface RunningBroker {
  tcpPort: number;
  httpPort: number;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      BIN,
      '--data-dir',
      options.dataDir,
      '--host',
      '127.0.0.1',
      '--tcp-port',
      String(options.tcpPort),
      '--http-port',
      String(options.httpPort),
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        ...(options.token === undefined ? {} : { FERRY_AUTH_TOKEN: options.token }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Uint8Array) => {
    stderr += new TextDecoder().decode(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = await new Promise<{ tcpPort: number; httpPort: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'ferry broker listening') {
          resolve({ tcpPort: Number(entry.tcpPort), httpPort: Number(entry.httpPort) });
        }
      } catch {
        // Not a log line; the broker's stderr explains any failure.
      }
    });
    void exited.then(() => reject(new Error(`the broker exited before listening: ${stderr}`)));
  });
  return {
    ...ports,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
