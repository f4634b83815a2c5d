/**
 * What a request under /console/ names in the console directory. The path is taken segment by
 * segment: anything that could name a file elsewhere (dot segments, empty ones, an encoded slash
 * or backslash, NUL, malformed percent-encoding) names nothing, and the real path of what is left,
 * symbolic links followed, must still lie inside the directory.
 */
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { CONSOLE_INDEX } from './console-dir.js';

/**
 * The real path of the regular file that `rest` (the request path after /console/, still
 * percent-encoded, '' for the index) names inside `dir`; undefined when it names none.
 */
export async function resolveConsolePath(dir: string, rest: string): Promise<string | undefined> {
  const segments = rest === '' ? [CONSOLE_INDEX] : decodeSegments(rest);
  if (segments === undefined) return undefined;
  try {
    const root = await realpath(dir);
    const real = await realpath(join(root, ...segments));
    if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    // Missing, unreadable, a link loop: all the same to a client.
    return undefined;
  }
}

function decodeSegments(rest: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of rest.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment))
      return undefined;
    segments.push(segment);
  }
  return segments;
}
