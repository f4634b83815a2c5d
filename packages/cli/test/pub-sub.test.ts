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

describe('ferry pub and ferry sub', () => {
  it('publishes stdin line by line and reads the lines back as JSON', async () => {
    const pub = await ferry([...server, 'pub', 'lines', '--key', 'k1', '-H', 'a=1', '-H', 'b=2'], {
      stdin: 'one\ntwo\nthree\n',
    });
    expect(pub).toMatchObject({ code: 0, stdout: '' });
    expect(pub.stderr).toBe('published 3 messages to lines\n');

    const sub = await ferry([
      ...server,
      'sub',
      'lines',
      '-g',
      'g1',
      '--from',
      'earliest',
      '--count',
      '3',
    ]);
    expect(sub.code).toBe(0);
    const lines = jsonLines(sub.stdout);
    expect(lines.map((line) => line.payload)).toEqual(['one', 'two', 'three']);
    expect(lines[0]).toMatchObject({ key: 'k1', headers: { a: '1', b: '2' }, deliveryCount: 1 });
    expect(lines.map((line) => line.offset)).toEqual([0, 1, 2]);
  });

  it('prints one JSON ack per message and reports a repeated msgId as a duplicate', async () => {
    const first = await ferry([...server, '--json', 'pub', 'acks', 'hi', '--count', '3']);
    expect(first.code).toBe(0);
    expect(jsonLines(first.stdout)).toEqual(
      [0, 1, 2].map((offset) => ({ partition: 0, offset, duplicate: false })),
    );

    const once = await ferry([...server, '--json', 'pub', 'acks', 'x', '--msg-id', 'order-1']);
    const again = await ferry([...server, '--json', 'pub', 'acks', 'x', '--msg-id', 'order-1']);
    expect(jsonLines(once.stdout)).toEqual([{ partition: 0, offset: 3, duplicate: false }]);
    expect(jsonLines(again.stdout)).toEqual([{ partition: 0, offset: 3, duplicate: true }]);
  });

  it('prints raw payloads and stops once the group has caught up with --until-end', async () => {
    await ferry([...server, 'pub', 'raw'], { stdin: 'alpha\nbeta\n' });
    const raw = await ferry([
      ...server,
      'sub',
      'raw',
      '-g',
      'r',
      '--from',
      'earliest',
      '--until-end',
      '--raw',
    ]);
    expect(raw).toMatchObject({ code: 0, stdout: 'alpha\nbeta\n' });

    const info = await ferry([...server, '--json', 'group', 'info', 'raw', 'r']);
    expect(JSON.parse(info.stdout)).toMatchObject({ name: 'r', lag: 0, pending: 0, members: 0 });

    // An empty group run with --until-end ends at once rather than waiting for messages.
    const none = await ferry([...server, 'sub', 'raw', '-g', 'r', '--until-end']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
  });

  it('starts a new group at lastN and leaves a nacked message to be redelivered', async () => {
    await ferry([...server, 'pub', 'nacks'], { stdin: '1\n2\n3\n4\n' });
    const nacked = await ferry([
      ...server,
      'sub',
      'nacks',
      '-g',
      'n',
      '--from',
      'lastN:1',
      '--count',
      '1',
      '--nack',
    ]);
    expect(jsonLines(nacked.stdout)).toMatchObject([{ payload: '4', deliveryCount: 1 }]);

    const again = await ferry([...server, 'sub', 'nacks', '-g', 'n', '--count', '1']);
    expect(jsonLines(again.stdout)).toMatchObject([{ payload: '4', deliveryCount: 2 }]);
  });
});
