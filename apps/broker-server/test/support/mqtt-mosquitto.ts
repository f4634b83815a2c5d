/**
 * Mosquitto's command-line clients (mosquitto_pub, mosquitto_sub): a second MQTT implementation,
 * run as child processes against the broker.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { waitFor } from './mqtt-wait.js';

export const hasMosquittoClients = ['mosquitto_pub', 'mosquitto_sub', 'stdbuf'].every((tool) =>
  (process.env.PATH ?? '').split(':').some((dir) => existsSync(`${dir}/${tool}`)),
);

export type MosquittoVersion = 'mqttv311' | 'mqttv5';

/** One message as `mosquitto_sub -F %j` prints it. */
export interface SubLine {
  topic: string;
  qos: number;
  retain: number;
  payload: string;
  properties?: { 'user-properties'?: Record<string, string>; 'content-type'?: string };
}

export interface MosquittoSub {
  child: ChildProcess;
  /** The messages printed so far. */
  lines: SubLine[];
  /** Resolves once the broker has acknowledged the subscriptions (SUBACK). */
  subscribed(timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stderr(): string;
}

/**
 * `mosquitto_sub -h 127.0.0.1 -p <port> -V <version> -F %j -d <args>`, its output line-buffered
 * (into a pipe it would otherwise come at exit only).
 */
export function mosquittoSub(
  port: number,
  version: MosquittoVersion,
  args: string[],
): MosquittoSub {
  const child = spawn(
    'stdbuf',
    [
      '-oL',
      'mosquitto_sub',
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-V',
      version,
      '-F',
      '%j',
      '-d',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: SubLine[] = [];
  let out = '';
  let err = '';
  let subacked = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    let nl = out.indexOf('\n');
    while (nl !== -1) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      // With -d, debug lines come between the JSON ones.
      if (line.startsWith('{')) lines.push(JSON.parse(line) as SubLine);
      else if (line.includes('received SUBACK')) subacked = true;
      nl = out.indexOf('\n');
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    lines,
    async subscribed(timeoutMs = 10_000) {
      await waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`mosquitto_sub exited: ${err}`);
          return subacked;
        },
        timeoutMs,
        'mosquitto_sub to be subscribed',
      );
    },
    exited,
    stderr: () => err,
  };
}

/** `mosquitto_pub -h 127.0.0.1 -p <port> -V <version> <args>`: resolves with its exit code and output. */
export function mosquittoPub(
  port: number,
  version: MosquittoVersion,
  args: string[],
): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      'mosquitto_pub',
      ['-h', '127.0.0.1', '-p', String(port), '-V', version, ...args],
      { timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
