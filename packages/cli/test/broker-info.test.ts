import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Broker, startBroker } from './support/broker.js';
import { ferry } from './support/ferry.js';

const { version } = createRequire(import.meta.url)('@ferry/broker/package.json') as {
  version: string;
};

let broker: Broker;
let server: string[];

beforeAll(async () => {
  broker = await startBroker();
  server = ['--server', broker.url];
});
afterAll(() => broker.stop());

const run = async (args: string[]) => {
  const result = await ferry([...server, ...args]);
  expect(result.code, result.stderr).toBe(0);
  return result;
};

it('[INFO-1] ferry broker info totals the stations, groups and messages of a broker', async () => {
  await run(['station', 'create', 'orders', '--partitions', '2']);
  await run(['pub', 'orders', 'x', '--count', '3']);
  await run(['group', 'create', 'orders', 'billing', '--from', 'earliest']);
  // A second group reads everything, so that delivered counts exactly the three messages.
  await run(['sub', 'orders', '-g', 'readers', '--from', 'earliest', '--until-end']);

  const info = JSON.parse((await run(['--json', 'broker', 'info'])).stdout);
  expect(info).toMatchObject({
    serverVersion: version,
    stations: 1,
    partitions: 2,
    groups: 2,
    members: 0,
    storedMessages: 3,
    appended: 3,
    delivered: 3,
    deadLetters: 0,
  });
  expect(info.storedBytes).toBeGreaterThan(0);
  expect(info.now).toBeGreaterThanOrEqual(info.startedAt);
  // An open broker lets anyone administer every station: this command's own connection counts.
  expect(info.connections).toBeGreaterThanOrEqual(1);

  const { stdout: table, stderr } = await run(['broker', 'info']);
  expect(stderr).toBe('');
  expect(table).toMatch(new RegExp(`^version: +${version.replaceAll('.', '\\.')}$`, 'm'));
  expect(table).toMatch(/^uptime: +\d+(ms|[smhd])( \d+[smh])?$/m);
  expect(table).toMatch(/^stations: +1 \(2 partitions\)$/m);
  expect(table).toMatch(/^groups: +2 \(0 members\)$/m);
  expect(table).toMatch(/^messages stored: +3 \(\d+ B\)$/m);
  expect(table).toMatch(/^appended: +3$/m);
  expect(table).toMatch(/^delivered since start: +3$/m);
  expect(table).toMatch(/^dead letters: +0$/m);
  expect(table).toMatch(/^connections: +\d+$/m);
});
