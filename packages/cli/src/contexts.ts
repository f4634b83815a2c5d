/**
 * Named contexts (a server URL and its credentials) in the user's config directory. The file
 * holds secrets, so it is written 0600 in a 0700 directory, through a rename so that a crash
 * never leaves half a file.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './exit-codes.js';

export interface Context {
  /** The broker's protocol URL: `ferry://host:6666`, `ws://host:9000/ws`, ... */
  server: string;
  /** The broker's HTTP base URL, for `ferry health`. */
  httpUrl?: string;
  token?: string;
  username?: string;
  password?: string;
}

export interface ContextFile {
  current?: string;
  contexts: Record<string, Context>;
}

export function contextsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'ferry', 'contexts.json');
}

export function readContexts(path = contextsPath()): ContextFile {
  if (!existsSync(path)) return { contexts: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as ContextFile;
    return { ...parsed, contexts: parsed.contexts ?? {} };
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, EXIT.usage);
  }
}

export function writeContexts(file: ContextFile, path = contextsPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  // The mode given to writeFileSync is filtered by the umask; make it exact.
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}
