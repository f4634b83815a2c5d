/** A nats-server with JetStream on loopback: a fresh process and store per run. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '@ferry/nats-cluster';

const BINARY = 'nats-server';
const READY_TIMEOUT_MS = 10_000;

/** Whether `nats-server` is on PATH; without it the bench runs Ferry alone. */
export function natsServerOnPath(): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, BINARY), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function natsServerVersion(): string {
  return execFileSync(BINARY, ['--version'], { encoding: 'utf8' }).trim();
}

export interface RunningNats {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

export async function startNats(): Promise<RunningNats> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'ferry-bench-nats-'));
  const child: ChildProcess = spawn(
    BINARY,
    ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`nats-server was not ready within ${READY_TIMEOUT_MS} ms: ${log}`)),
      READY_TIMEOUT_MS,
    );
    // It logs to stderr; keep reading it so the pipe never fills.
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4096);
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited before it was ready: ${log}`));
    });
  });
  return {
    pid: child.pid as number,
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
