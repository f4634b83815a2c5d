/**
 * Mosquitto (the Debian package's binary): a fresh process per run on a free loopback port,
 * anonymous, with persistence in a temporary directory, stopped by pid.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '@ferry/nats-cluster';
import { type MqttBroker, stopOnSignal } from './broker.js';

/** Where the Debian package puts it (not on a user's PATH). */
export const MOSQUITTO = '/usr/sbin/mosquitto';
const READY_TIMEOUT_MS = 10_000;

/** e.g. `mosquitto 2.0.11`, from its help text (it has no version flag). */
export function mosquittoVersion(): string {
  const help = spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8' });
  if (help.error !== undefined) throw new Error(`${MOSQUITTO}: ${help.error.message}`);
  const version = /mosquitto version (\S+)/.exec(help.stdout)?.[1];
  if (version === undefined) throw new Error(`${MOSQUITTO} -h printed no version`);
  return `mosquitto ${version}`;
}

export async function startMosquitto(): Promise<MqttBroker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      // Its default (1,000) drops QoS 1 messages for a subscriber that far behind; a user who
      // needs every message sets no limit, and so does the bench.
      'max_queued_messages 0',
      // Started as root it would switch to the user `mosquitto`, who cannot write `dir`; as any
      // other user this line has no effect.
      `user ${userInfo().username}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const release = stopOnSignal(child.pid as number);
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
    release();
    rmSync(dir, { recursive: true, force: true });
  };
  let log = '';
  /** Clients Mosquitto logged it dropped messages for: their queue was full. */
  const dropping = new Set<string>();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`mosquitto was not ready within ${READY_TIMEOUT_MS} ms: ${log}`)),
        READY_TIMEOUT_MS,
      );
      // It logs to stderr; keep reading it so the pipe never fills.
      const lines = createInterface({ input: child.stderr as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        log = `${log}${line}\n`.slice(-4096);
        const dropped = /Outgoing messages are being dropped for client (\S+)\./.exec(line);
        if (dropped?.[1] !== undefined) dropping.add(dropped[1]);
        if (/mosquitto version \S+ running/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`mosquitto exited before it was ready: ${log}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: child.pid as number,
    port,
    brokerChecks: async () => [
      {
        what: 'clients Mosquitto dropped messages for (its log)',
        expected: 0,
        actual: dropping.size,
        ...(dropping.size === 0
          ? {}
          : { detail: `${[...dropping].join(', ')}: more than max_queued_messages queued` }),
      },
    ],
    stop,
  };
}
