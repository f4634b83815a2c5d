/** JSR and npm describe the same releases: versions and npm dependency ranges agree. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>;

const members = readJson('deno.json').workspace as string[];

describe.each(members)('JSR member %s', (member) => {
  const deno = readJson(join(member, 'deno.json'));
  const npm = readJson(join(member, 'package.json'));

  it('has the npm package name and version', () => {
    expect([deno.name, deno.version]).toEqual([npm.name, npm.version]);
  });

  it('maps each npm dependency it imports to the same range', () => {
    const dependencies = (npm.dependencies ?? {}) as Record<string, string>;
    for (const [name, target] of Object.entries((deno.imports ?? {}) as Record<string, string>)) {
      expect(target).toBe(`npm:${name}@${dependencies[name]}`);
    }
  });
});
