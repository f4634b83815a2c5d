/** The spec's name rules for stations, groups and schemas; names also become directory names, never '.' or '..'. */
import { FerryError } from '@ferry/protocol';

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** Whether `name` keeps the name rules (at most `maxBytes`: names are ASCII). */
export function isName(name: string, maxBytes: number): boolean {
  return NAME.test(name) && name.length <= maxBytes;
}

export function checkName(
  kind: 'station' | 'group' | 'schema',
  name: string,
  maxBytes: number,
): void {
  if (!isName(name, maxBytes)) {
    throw new FerryError(
      'INVALID_NAME',
      `${kind} name '${name}' breaks the name rules (lowercase a-z, 0-9, '.', '_', '-', starting with a letter or digit, at most ${maxBytes} bytes)`,
    );
  }
}
