import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, startBroker } from './support/broker.js';
import { ferry, jsonLines } from './support/ferry.js';

let broker: Broker;
let server: string[];

beforeAll(async () => {
  broker = await startBroker();
  server = ['--server', broker.url];
});
afterAll(() => broker.stop());

const json = async (args: string[]) => {
  const result = await ferry([...server, '--json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

describe('ferry station', () => {
  it('creates, lists, inspects, edits and deletes a station', async () => {
    const created = await json([
      'station',
      'create',
      'orders',
      '--partitions',
      '2',
      '--max-age-ms',
      '60000',
    ]);
    expect(created).toMatchObject({
      name: 'orders',
      config: { partitions: 2, retention: { maxAgeMs: 60000 } },
    });

    await ferry([...server, 'pub', 'orders', 'x', '--partition', '1']);
    const listed = await json(['station', 'ls', '--prefix', 'ord']);
    expect(listed.map((s: { name: string }) => s.name)).toEqual(['orders']);
    expect((await json(['station', 'info', 'orders'])).partitions[1]).toMatchObject({
      nextOffset: 1,
    });

    const edited = await json(['station', 'edit', 'orders', '--max-deliveries', '9']);
    expect(edited.config).toMatchObject({ maxDeliveries: 9, retention: { maxAgeMs: 60000 } });

    const table = await ferry([...server, 'station', 'ls']);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^NAME\s+PARTITIONS\s+MESSAGES\s+BYTES\s+GROUPS\s+DEAD LETTERS$/,
    );
    expect(table.stdout).toMatch(/^orders\s+2\s+1\s/m);

    await ferry([...server, 'pub', 'orders', 'y', '--partition', '1', '--count', '2']);
    expect(await json(['station', 'purge', 'orders', '--partition', '1', '--below', '2'])).toEqual({
      station: 'orders',
      dropped: 2,
    });
    expect((await json(['station', 'info', 'orders'])).partitions[1]).toMatchObject({
      firstOffset: 2,
      nextOffset: 3,
    });
    expect(await json(['station', 'purge', 'orders'])).toEqual({ station: 'orders', dropped: 1 });

    expect(await json(['station', 'rm', 'orders'])).toEqual({ deleted: 'orders' });
    expect((await ferry([...server, 'station', 'info', 'orders'])).code).toBe(3);
  });
});

describe('ferry group', () => {
  it('creates a group ahead of its consumers, shows its lag, and deletes it', async () => {
    await ferry([...server, 'pub', 'jobs'], { stdin: 'a\nb\n' });
    expect(
      await json([
        'group',
        'create',
        'jobs',
        'workers',
        '--from',
        'earliest',
        '--max-deliveries',
        '2',
      ]),
    ).toMatchObject({
      name: 'workers',
      maxDeliveries: 2,
    });
    expect(await json(['group', 'info', 'jobs', 'workers'])).toMatchObject({
      lag: 2,
      pending: 0,
      partitions: [{ partition: 0, cursor: 0, lag: 2, inFlight: 0 }],
    });
    const human = await ferry([...server, 'group', 'info', 'jobs', 'workers']);
    expect(human.stdout).toMatch(/^PARTITION\s+CURSOR\s+LAG\s+IN FLIGHT$/m);
    expect(human.stdout).toMatch(/^0\s+0\s+2\s+0$/m);
    expect((await json(['group', 'ls', 'jobs'])).map((g: { name: string }) => g.name)).toEqual([
      'workers',
    ]);
    expect(await json(['group', 'seek', 'jobs', 'workers', '--to', 'latest'])).toMatchObject({
      lag: 0,
    });
    expect(
      await json(['group', 'seek', 'jobs', 'workers', '--to', 'offset:1', '--partition', '0']),
    ).toMatchObject({ lag: 1 });
    expect(
      (await ferry([...server, 'group', 'seek', 'jobs', 'workers', '--to', 'soon'])).code,
    ).toBe(1);
    expect(await json(['group', 'rm', 'jobs', 'workers'])).toEqual({ deleted: 'workers' });
    expect((await ferry([...server, 'group', 'info', 'jobs', 'workers'])).code).toBe(3);
  });
});

describe('ferry dls', () => {
  it('lists a dead-lettered message, resends it to its group, and drops it', async () => {
    await json([
      'group',
      'create',
      'mail',
      'senders',
      '--from',
      'earliest',
      '--max-deliveries',
      '1',
    ]);
    await ferry([...server, 'pub', 'mail', 'bounce']);
    await ferry([...server, 'sub', 'mail', '-g', 'senders', '--count', '1', '--nack']);

    const [entry] = await json(['dls', 'ls', 'mail', '--group', 'senders']);
    expect(entry).toMatchObject({ group: 'senders', offset: 0, payload: 'bounce' });
    expect(await json(['group', 'info', 'mail', 'senders'])).toMatchObject({ deadLetters: 1 });
    const listed = await ferry([...server, 'group', 'ls', 'mail']);
    expect(listed.stdout).toMatch(/^GROUP\s+MEMBERS\s+PENDING\s+LAG\s+DEAD LETTERS\s+ORDERING$/m);
    expect(listed.stdout).toMatch(/^senders\s+0\s+0\s+0\s+1\s+none$/m);
    expect(await json(['dls', 'resend', 'mail', String(entry.id)])).toEqual({ resent: 1 });

    const redelivered = await ferry([
      ...server,
      'sub',
      'mail',
      '-g',
      'senders',
      '--count',
      '1',
      '--nack',
    ]);
    expect(jsonLines(redelivered.stdout)).toMatchObject([{ payload: 'bounce' }]);
    const [again] = await json(['dls', 'ls', 'mail']);
    expect(await json(['dls', 'drop', 'mail', String(again.id)])).toEqual({ dropped: 1 });
    expect(await json(['dls', 'ls', 'mail'])).toEqual([]);
    expect(await json(['group', 'info', 'mail', 'senders'])).toMatchObject({ deadLetters: 0 });
  });
});

describe('ferry group at a time', () => {
  it('creates a group, seeks it and reads with sub from the first message at or after a time', async () => {
    await ferry([...server, 'pub', 'clock'], { stdin: 'old1\nold2\n' });
    const old = await json(['sub', 'clock', '--no-ack', '--count', '1']);
    // Messages of one millisecond share a timestamp: the next ones come strictly later.
    while (Date.now() <= old.timestamp) await new Promise((done) => setTimeout(done, 1));
    const since = new Date().toISOString();
    await ferry([...server, 'pub', 'clock'], { stdin: 'new1\nnew2\nnew3\n' });
    const created = await json(['group', 'create', 'clock', 'late', '--from', `time:${since}`]);
    expect(created).toMatchObject({ lag: 3 });
    expect(await json(['group', 'seek', 'clock', 'late', '--to', 'time:0'])).toMatchObject({
      lag: 5,
    });
    const read = await ferry([
      ...server,
      'sub',
      'clock',
      '-g',
      'fresh',
      '--from',
      `time:${since}`,
      '--until-end',
      '--raw',
    ]);
    expect(read.code).toBe(0);
    expect(read.stdout).toBe('new1\nnew2\nnew3\n');
  });
});
