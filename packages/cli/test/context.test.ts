import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, startBroker } from './support/broker.js';
import { configDir, ferry } from './support/ferry.js';

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
});
afterAll(() => broker.stop());

describe('ferry context', () => {
  it('stores contexts 0600 in a 0700 directory and connects through the current one', async () => {
    const env = { XDG_CONFIG_HOME: configDir() };
    const add = await ferry(
      [
        'context',
        'add',
        'local',
        '--server',
        broker.url,
        '--http-url',
        broker.httpUrl,
        '--token',
        's3cret',
      ],
      { env },
    );
    expect(add).toMatchObject({ code: 0, stdout: 'context local saved\n' });
    await ferry(['context', 'add', 'elsewhere', '--server', 'ferry://127.0.0.1:1'], { env });

    const file = join(env.XDG_CONFIG_HOME, 'ferry', 'contexts.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(env.XDG_CONFIG_HOME, 'ferry')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      current: 'local',
      contexts: { local: { server: broker.url, token: 's3cret' } },
    });

    const listed = JSON.parse((await ferry(['--json', 'context', 'ls'], { env })).stdout);
    expect(listed).toEqual([
      { name: 'local', current: true, server: broker.url, httpUrl: broker.httpUrl, auth: 'token' },
      { name: 'elsewhere', current: false, server: 'ferry://127.0.0.1:1', auth: 'none' },
    ]);

    // No --server: the current context's broker (the no-auth broker ignores the token).
    expect((await ferry(['pub', 'ctx', 'hello'], { env })).code).toBe(0);
    expect((await ferry(['health'], { env })).code).toBe(0);
    // A flag or FERRY_URL wins over the context.
    expect(
      (await ferry(['pub', 'ctx', 'x'], { env: { ...env, FERRY_URL: 'ferry://127.0.0.1:1' } }))
        .code,
    ).toBe(2);
    expect((await ferry(['--context', 'elsewhere', 'pub', 'ctx', 'x'], { env })).code).toBe(2);
    expect((await ferry(['--context', 'nope', 'pub', 'ctx', 'x'], { env })).code).toBe(1);

    expect((await ferry(['context', 'use', 'elsewhere'], { env })).code).toBe(0);
    expect((await ferry(['pub', 'ctx', 'x'], { env })).code).toBe(2);
    expect((await ferry(['context', 'rm', 'elsewhere'], { env })).code).toBe(0);
    expect((await ferry(['context', 'rm', 'elsewhere'], { env })).code).toBe(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).current).toBeUndefined();
  });
});
