/** A broker config whose principals log in to the console: named tokens and a user. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const BIN = join(
  dirname(require.resolve('@ferry/broker/package.json')),
  'dist/bin/ferry-broker.js',
);

export const ADMIN_TOKEN = 'console-admin-token-0123456789abcdef';
export const VIEWER_TOKEN = 'console-viewer-token-0123456789abcdef';
export const OPS_USER = { username: 'ops', password: 'correct horse battery staple' };

/** Writes `dir/ferry.json` and returns its path. */
export function writeAuthConfig(dir: string): string {
  const sha = (token: string) => `sha256:${createHash('sha256').update(token).digest('hex')}`;
  // The broker's own tool makes the scrypt hash, as an operator would.
  const passwordHash = execFileSync(process.execPath, [BIN, 'hash-password'], {
    input: `${OPS_USER.password}\n`,
    encoding: 'utf8',
  }).trim();
  const config = {
    auth: {
      tokens: [
        { name: 'admin', hash: sha(ADMIN_TOKEN) },
        {
          name: 'viewer',
          hash: sha(VIEWER_TOKEN),
          permissions: { allow: [{ actions: ['browse'], stations: ['*'] }] },
        },
      ],
      users: [
        {
          username: OPS_USER.username,
          passwordHash,
          // Administers orders.* only; sees and manages every dead letter.
          permissions: {
            allow: [
              { actions: ['admin', 'produce', 'browse'], stations: ['orders.*'] },
              { actions: ['deadletters'], stations: ['*'] },
            ],
          },
        },
      ],
    },
  };
  const file = join(dir, 'ferry.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}
