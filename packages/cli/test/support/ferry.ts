/** Runs the built `ferry` binary as a user would, with its own config directory. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const FERRY_BIN = fileURLToPath(new URL('../../dist/bin/ferry.js', import.meta.url));

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdin?: string;
  env?: Record<string, string>;
}

// Every directory a test file makes lives under one root, removed once the file is done.
const root = mkdtempSync(join(tmpdir(), 'ferry-cli-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

export function tempDir(prefix: string): string {
  return mkdtempSync(join(root, prefix));
}

/** A fresh, empty config directory, so that no test sees another's contexts. */
export function configDir(): string {
  return tempDir('config-');
}

export function spawnFerry(args: readonly string[], options: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, [FERRY_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', XDG_CONFIG_HOME: configDir(), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function finished(child: ChildProcess): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

export function ferry(args: readonly string[], options: RunOptions = {}): Promise<Result> {
  const child = spawnFerry(args, options);
  const result = finished(child);
  child.stdin?.end(options.stdin ?? '');
  return result;
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
