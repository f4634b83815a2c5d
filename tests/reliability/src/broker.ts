/**
 * Brokers for the scenarios: every process started here is remembered until it is stopped,
 * so a run that hits its time bound can still kill what it left behind.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { type BrokerOptions, type RunningBroker, startBroker } from '@ferry/conformance/broker';

const live = new Set<() => Promise<void>>();

function track<B extends { kill(): Promise<void>; stop(): Promise<void> }>(broker: B): B {
  const kill = () => broker.kill();
  live.add(kill);
  const untracked = (p: Promise<void>) => p.finally(() => live.delete(kill));
  return { ...broker, kill: () => untracked(broker.kill()), stop: () => untracked(broker.stop()) };
}

export async function launch(options: BrokerOptions = {}): Promise<RunningBroker> {
  return track(await startBroker(options));
}

/** SIGKILLs every broker still running. */
export async function killAll(): Promise<void> {
  await Promise.allSettled([...live].map((kill) => kill()));
}

export const brokerUrl = (broker: { tcpPort: number }): string =>
  `ferry://127.0.0.1:${broker.tcpPort}`;

export interface LoggedBroker extends RunningBroker {
  /** The broker's JSON log lines so far. */
  logs: Record<string, unknown>[];
}

const BIN = join(
  dirname(createRequire(import.meta.url).resolve('@ferry/broker/package.json')),
  'dist/bin/ferry-broker.js',
);

/** As `launch`, on a new data directory, keeping the log lines that `startBroker` drops. */
export async function launchLogged(args: readonly string[]): Promise<LoggedBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-reliability-'));
  const child = spawn(
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
    { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = await new Promise<{ tcpPort: number; httpPort: number }>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not a log line
      }
      logs.push(entry);
      if (entry.msg === 'ferry broker listening')
        resolve({ tcpPort: Number(entry.tcpPort), httpPort: Number(entry.httpPort) });
    });
    void exited.then(() => reject(new Error('the broker exited before listening')));
  });
  const end = async (signal: NodeJS.Signals) => {
    child.kill(signal);
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  return track({
    ...ports,
    pid: child.pid as number,
    dataDir,
    logs,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  });
}
