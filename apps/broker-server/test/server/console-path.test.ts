import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConsolePath } from '../../src/server/console-path.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('console-path');

/** A console directory with an index, nested assets and a secret beside it. */
function consoleDir(): { dir: string; outside: string } {
  const parent = realpathSync(tempDir());
  const dir = join(parent, 'dist');
  mkdirSync(join(dir, 'assets', 'fonts'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'export {};');
  writeFileSync(join(dir, 'assets', 'fonts', 'a b.woff2'), 'font');
  const outside = join(parent, 'package.json');
  writeFileSync(outside, '{}');
  return { dir, outside };
}

describe('resolveConsolePath', () => {
  it('names the index for the bare path, and nested files by their path', async () => {
    const { dir } = consoleDir();
    expect(await resolveConsolePath(dir, '')).toBe(join(dir, 'index.html'));
    expect(await resolveConsolePath(dir, 'assets/app.js')).toBe(join(dir, 'assets', 'app.js'));
    expect(await resolveConsolePath(dir, 'assets/fonts/a%20b.woff2')).toBe(
      join(dir, 'assets', 'fonts', 'a b.woff2'),
    );
  });

  it.each([
    ['a dot-dot segment', '../package.json'],
    ['a dot-dot segment further down', 'assets/../../package.json'],
    ['an encoded dot-dot', '%2e%2e/package.json'],
    ['an encoded slash', '..%2fpackage.json'],
    ['an encoded slash between names', 'assets%2fapp.js'],
    ['a backslash', '..\\package.json'],
    ['an encoded backslash', '..%5cpackage.json'],
    ['a NUL', 'index.html%00.js'],
    ['an absolute path', '/etc/passwd'],
    ['an encoded absolute path', '%2fetc%2fpasswd'],
    ['a dot segment', './index.html'],
    ['malformed percent-encoding', 'index%zz.html'],
    ['a directory', 'assets'],
    ['a directory with a trailing slash', 'assets/'],
    ['a missing file', 'assets/nope.js'],
  ])('names nothing for %s', async (_, rest) => {
    const { dir } = consoleDir();
    expect(await resolveConsolePath(dir, rest)).toBeUndefined();
  });

  it('follows no symbolic link out of the directory', async () => {
    const { dir, outside } = consoleDir();
    symlinkSync(outside, join(dir, 'assets', 'leak.json'));
    symlinkSync(join(dir, '..'), join(dir, 'up'));
    expect(await resolveConsolePath(dir, 'assets/leak.json')).toBeUndefined();
    expect(await resolveConsolePath(dir, 'up/package.json')).toBeUndefined();
  });

  it('follows a symbolic link that stays inside, and serves a linked directory', async () => {
    const { dir } = consoleDir();
    symlinkSync(join(dir, 'assets', 'app.js'), join(dir, 'app.js'));
    const linked = join(realpathSync(tempDir()), 'linked');
    symlinkSync(dir, linked);
    expect(await resolveConsolePath(dir, 'app.js')).toBe(join(dir, 'assets', 'app.js'));
    expect(await resolveConsolePath(linked, 'assets/app.js')).toBe(join(dir, 'assets', 'app.js'));
  });
});
