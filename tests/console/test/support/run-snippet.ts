/**
 * Runs the Node code the console shows for a station, as a user who pasted it would: its
 * `@ferry/node` import resolved to this workspace's package, FERRY_URL pointing at the test
 * broker. It consumes forever, so it is stopped once its output holds what the test waits for.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function runNodeSnippet(
  code: string,
  ferryUrl: string,
  until: RegExp,
  timeoutMs = 20_000,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-snippet-'));
  const file = join(dir, 'snippet.mjs');
  writeFileSync(file, code.replaceAll("'@ferry/node'", `'${import.meta.resolve('@ferry/node')}'`));
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH ?? '', FERRY_URL: ferryUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Uint8Array) => {
    output += new TextDecoder().decode(chunk);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the snippet printed: ${output}`)),
        timeoutMs,
      );
      const check = () => {
        if (until.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (until.test(output)) resolve();
        else reject(new Error(`the snippet exited with ${code}: ${output}`));
      });
    });
    return output;
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
