import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, startBroker } from './support/broker.js';
import { ferry, finished, jsonLines, spawnFerry } from './support/ferry.js';

let broker: Broker;
let server: string[];

beforeAll(async () => {
  broker = await startBroker();
  server = ['--server', broker.url];
  expect((await ferry([...server, 'station', 'create', 'browsed', '--partitions', '2'])).code).toBe(
    0,
  );
  await ferry([...server, 'pub', 'browsed', '-p', '0'], { stdin: 'a\nb\nc\n' });
  // A later append time for d and x, which the time: tests start at.
  await new Promise((resolve) => setTimeout(resolve, 20));
  await ferry([...server, 'pub', 'browsed', 'd', '-p', '0', '--key', 'kd', '-H', 'h=1']);
  await ferry([...server, 'pub', 'browsed', 'x', '-p', '1']);
});
afterAll(() => broker.stop());

/** Resolves once the child has printed `text` in all. */
function printed(child: ChildProcess, text: string): Promise<void> {
  let seen = '';
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (!seen.includes(text)) return;
      child.stdout?.off('data', onData);
      resolve();
    };
    child.stdout?.on('data', onData);
  });
}

const sub = (...args: string[]) => ferry([...server, 'sub', 'browsed', ...args]);

describe('ferry sub --no-ack [BROWSE-1]', () => {
  it('prints every partition from the start to its end, without deliveryCount, and stops', async () => {
    const all = await sub('--no-ack');
    expect(all.code).toBe(0);
    const lines = jsonLines(all.stdout);
    expect(lines.map((line) => [line.partition, line.offset, line.payload])).toEqual([
      [0, 0, 'a'],
      [0, 1, 'b'],
      [0, 2, 'c'],
      [0, 3, 'd'],
      [1, 0, 'x'],
    ]);
    expect(lines[3]).toMatchObject({ key: 'kd', headers: { h: '1' } });
    expect(lines[3]?.timestamp).toEqual(expect.any(Number));
    expect(lines.some((line) => 'deliveryCount' in line)).toBe(false);
  });

  it('reads one partition from an offset, the last N, or --count messages', async () => {
    expect(await sub('--no-ack', '-p', '0', '--from', 'offset:2', '--raw')).toMatchObject({
      code: 0,
      stdout: 'c\nd\n',
    });
    expect(await sub('--no-ack', '--from', 'lastN:1', '--raw')).toMatchObject({
      code: 0,
      stdout: 'd\nx\n',
    });
    expect(await sub('--no-ack', '--count', '3', '--raw')).toMatchObject({
      code: 0,
      stdout: 'a\nb\nc\n',
    });
  });

  it('starts at a time, in ms or ISO 8601', async () => {
    const lines = jsonLines((await sub('--no-ack', '-p', '0')).stdout);
    const c = lines[2]?.timestamp as number;
    const d = lines[3]?.timestamp as number;
    expect(d).toBeGreaterThan(c);
    expect(await sub('--no-ack', '--from', `time:${d}`, '--raw')).toMatchObject({
      code: 0,
      stdout: 'd\nx\n',
    });
    const iso = new Date(d).toISOString();
    expect(await sub('--no-ack', '-p', '0', '--from', `time:${iso}`, '--raw')).toMatchObject({
      code: 0,
      stdout: 'd\n',
    });
  });

  it('creates and moves no group: a group created afterwards still gets everything', async () => {
    await sub('--no-ack');
    const groups = await ferry([...server, '--json', 'group', 'ls', 'browsed']);
    expect(groups.code).toBe(0);
    expect(JSON.parse(groups.stdout)).toEqual([]);
    const group = await sub('-g', 'later', '--from', 'earliest', '--until-end', '--raw');
    expect(group.code).toBe(0);
    expect(group.stdout.split('\n').filter(Boolean).sort()).toEqual(['a', 'b', 'c', 'd', 'x']);
  });

  it('refuses what needs a group or a missing partition, with the usual exit codes', async () => {
    expect((await sub('--no-ack', '-g', 'g')).code).toBe(1);
    expect((await sub('--no-ack', '--nack')).code).toBe(1);
    expect((await sub('--no-ack', '--from', 'latest')).code).toBe(1);
    expect((await sub('--count', '1')).code).toBe(1);
    expect((await sub('-g', 'g', '-p', '0')).code).toBe(1);
    const missing = await sub('--no-ack', '-p', '2');
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/PARTITION_OUT_OF_RANGE/);
    const unknown = await ferry([...server, 'sub', 'nowhere', '--no-ack']);
    expect(unknown.code).toBe(3);
  });

  it('--follow prints what is appended after the end, until --count or Ctrl-C', async () => {
    await ferry([...server, 'pub', 'followed', 'old']);
    const counted = spawnFerry([
      ...server,
      'sub',
      'followed',
      '--no-ack',
      '--follow',
      '--count',
      '2',
      '--raw',
    ]);
    const countedDone = finished(counted);
    await printed(counted, 'old\n');
    await ferry([...server, 'pub', 'followed', 'new']);
    expect(await countedDone).toMatchObject({ code: 0, stdout: 'old\nnew\n' });

    const endless = spawnFerry([...server, 'sub', 'followed', '--no-ack', '--follow', '--raw']);
    const endlessDone = finished(endless);
    await printed(endless, 'old\nnew\n');
    await ferry([...server, 'pub', 'followed', 'newer']);
    await printed(endless, 'newer\n');
    endless.kill('SIGINT');
    expect(await endlessDone).toMatchObject({ code: 130, stdout: 'old\nnew\nnewer\n' });
  });
});
