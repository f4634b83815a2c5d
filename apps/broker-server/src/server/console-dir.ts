/**
 * Where the built web console is. The broker cannot depend on the console package (the console
 * depends on the browser client, whose tests use the broker), so it looks at run time: the
 * configured directory, else the copy a release packs next to dist/ (`console/`, see
 * scripts/pack-console.mjs), else the workspace build (`apps/console/dist`).
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** The @ferry/broker package's directory, found as version.ts does: from src, dist or installed. */
const PACKAGE_ROOT = dirname(createRequire(import.meta.url).resolve('@ferry/broker/package.json'));

export const CONSOLE_INDEX = 'index.html';

/** The directories to look in, in order; a configured one only, so that a typo is not hidden. */
export function consoleDirCandidates(configured: string | undefined): string[] {
  if (configured !== undefined) return [resolve(configured)];
  return [join(PACKAGE_ROOT, 'console'), join(PACKAGE_ROOT, '..', 'console', 'dist')];
}

/** The first candidate holding an index.html; undefined while the console is not built. */
export async function findConsoleDir(configured: string | undefined): Promise<string | undefined> {
  for (const dir of consoleDirCandidates(configured)) {
    const index = await stat(join(dir, CONSOLE_INDEX)).catch(() => undefined);
    if (index?.isFile()) return dir;
  }
  return undefined;
}
