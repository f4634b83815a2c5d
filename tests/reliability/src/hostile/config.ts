/** The broker's config file for the hostile scenario: one user, as an operator would add it. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const BROKER_BIN = join(
  dirname(require.resolve('@ferry/broker/package.json')),
  'dist/bin/ferry-broker.js',
);

/** A config file with one user, hashed by `ferry-broker hash-password` as an operator would. */
export function writeConfig(dir: string, user: { username: string; password: string }): string {
  const passwordHash = execFileSync(process.execPath, [BROKER_BIN, 'hash-password'], {
    input: `${user.password}\n`,
    encoding: 'utf8',
  }).trim();
  const file = join(dir, 'ferry.json');
  writeFileSync(
    file,
    JSON.stringify({ auth: { users: [{ username: user.username, passwordHash }] } }),
  );
  return file;
}
