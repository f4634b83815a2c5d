/** What the commands print: aligned tables for people, one JSON document or line for scripts. */

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (cell === undefined ? '-' : String(cell)))),
  ];
  const widths = headers.map((_, column) =>
    Math.max(...cells.map((row) => (row[column] ?? '').length)),
  );
  return cells
    .map((row) =>
      row
        .map((cell, column) =>
          column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `key: value` lines, for one object's scalar fields. */
export function fields(entries: readonly [string, unknown][]): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries
    .map(
      ([key, value]) =>
        `${`${key}:`.padEnd(width + 1)} ${value === undefined ? '-' : String(value)}`,
    )
    .join('\n');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A payload as text when it is valid UTF-8, else as base64, saying which. */
export function payloadField(payload: Uint8Array): { payload: string } | { payloadBase64: string } {
  try {
    return { payload: strictUtf8.decode(payload) };
  } catch {
    return { payloadBase64: Buffer.from(payload).toString('base64') };
  }
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
