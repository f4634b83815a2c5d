/** The README's HTTP examples, run as they stand (curl, jq) against a real broker. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { useTempDirs } from '../support/temp-dir.js';

const fixture = useBrokers();
const tempDir = useTempDirs('readme-http');

function httpExamples(): string {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## HTTP\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README: no bash block under "HTTP"');
  return block;
}

function run(script: string, cwd: string): Promise<{ code: number | null; stdout: string }> {
  const child = spawn('/bin/bash', ['-c', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout })));
}

describe('README: HTTP', () => {
  it('produces, pulls and acks, and streams with curl as the README shows', async () => {
    const b = await fixture.broker();
    const script = httpExamples().replaceAll('localhost:9000', `127.0.0.1:${b.httpPort}`);
    const { stdout } = await run(script, tempDir());
    // Produce answers: the first message, then the array of two.
    expect(stdout).toContain('{"partition":0,"offset":0,"duplicate":false,"durability":"always"}');
    expect(stdout).toContain('"results":[{"partition":0,"offset":1,"duplicate":false}');
    expect(stdout).toContain('{"settled":3,"notPending":[]}');
    expect(stdout).toMatch(/"name":"billing".*"pending":0,"lag":0/);
    // The stream: every message once, as an event with its partition:offset id.
    for (const offset of [0, 1, 2]) expect(stdout).toContain(`id: 0:${offset}\nevent: message\n`);
  });
});
