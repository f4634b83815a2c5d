/**
 * File modes [SEC-4]: whatever the umask, the data directory and every
 * directory below it are 0700 and every file the broker writes is 0600.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { Deliveries } from '../support/deliveries.js';
import { expectType } from '../support/requester.js';

const fixture = useBrokers();
const parents: string[] = [];
afterEach(() => {
  for (const dir of parents.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Every path below `dir` (itself included) whose mode is not 0700 for a directory or 0600 for a file. */
function wrongModes(dir: string): string[] {
  const wrong: string[] = [];
  const visit = (path: string) => {
    const stat = lstatSync(path);
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      if (mode !== 0o700) wrong.push(`${path} 0${mode.toString(8)}`);
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else if (mode !== 0o600) wrong.push(`${path} 0${mode.toString(8)}`);
  };
  visit(dir);
  return wrong;
}

function parentDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-modes-'));
  parents.push(dir);
  return dir;
}

describe('file modes [SEC-4]', () => {
  it('[SEC-4] under umask 000, producing, consuming, a group and a dead letter write only 0600 files in 0700 directories', async () => {
    const dataDir = join(parentDir(), 'data');
    const b = await fixture.broker({ dataDir, umask: 0 });
    const { requests: r } = await fixture.connect(b);
    expectType(
      await r.request({ type: 'stationCreate', name: 'secret', config: { partitions: 2 } }),
      'station',
    );
    const messages = Array.from({ length: 6 }, (_, i) => ({
      payload: new TextEncoder().encode(`m${i}`),
      partition: i % 2,
    }));
    expectType(await r.request({ type: 'produce', station: 'secret', messages }), 'produceAck');
    expectType(
      await r.request({
        type: 'subscribe',
        sid: 1,
        station: 'secret',
        group: 'readers',
        options: { start: { kind: 'earliest' }, credit: 6 },
      }),
      'subscribed',
    );
    const got = await new Deliveries(r).take(1, 6);
    const [first, ...rest] = got.map((m) => ({ partition: m.partition, offset: m.offset }));
    expectType(
      await r.request({ type: 'deadLetter', sid: 1, refs: [first as never], reason: 'bad' }),
      'ok',
    );
    expectType(await r.request({ type: 'ack', sid: 1, refs: rest }), 'ok');
    expect(wrongModes(dataDir)).toEqual([]);
    await fixture.stop(b);
    expect(wrongModes(dataDir)).toEqual([]);
  });

  it('[SEC-4] a data directory open to others is narrowed to 0700 at start, and the broker says so', async () => {
    const dataDir = join(parentDir(), 'data');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const b = await fixture.broker({ dataDir });
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(b.logs.some((l) => String(l.msg).includes('its mode is now 0700'))).toBe(true);
  });
});
