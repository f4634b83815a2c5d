/** Runs codecs.deno.ts with the package's Deno binary: the codecs work there as in Node. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..');

it('encodes and decodes protobuf and Avro under Deno', () => {
  // --no-check: tsc checks these sources; Deno's checker would look for @types/node where
  // pnpm does not put it.
  const run = spawnSync(
    join(PACKAGE, 'node_modules/.bin/deno'),
    ['test', '--no-check', 'test/codecs.deno.ts'],
    { cwd: PACKAGE, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 },
  );
  const output = `${run.stdout}${run.stderr}`;
  expect(output).toMatch(/ok \| 2 passed \| 0 failed/);
  expect(run.status, output).toBe(0);
});
