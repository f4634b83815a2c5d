/** The spec's name rules for stations, groups and schemas; names also become directory names, never '.' or '..'. */
import { FerryError } from '@ferry/protocol';

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

export function checkName(
  kind: 'station' | 'group' | 'schema',
  name: string,
  maxBytes: number,
): void {
  if (!NAME.test(name) || name.length > maxBytes) {
    throw new FerryError(
      'INVALID_NAME',
      `${kind} name '${name}' breaks the name rules (lowercase a-z, 0-9, '.', '_', '-', starting with a letter or digit, at most ${maxBytes} bytes)`,
    );
  }
}
