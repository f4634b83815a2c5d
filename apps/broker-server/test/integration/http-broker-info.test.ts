/**
 * GET /v1/broker against a real broker over undici: the brokerInfo totals as JSON, over the
 * stations the caller sees, with the credentials of every admin route. [INFO-1]
 */
import { describe, expect, it } from 'vitest';
import { checkJson } from '../../src/http/json-check.js';
import { ref, SCHEMAS } from '../../src/http/openapi-schemas.js';
import { useBrokers } from '../support/broker-fixture.js';
import { api } from '../support/http-api.js';
import { connectTcp } from '../support/raw-client.js';
import { Requester } from '../support/requester.js';
import { seedStation } from '../support/seed.js';
import { useTempDirs } from '../support/temp-dir.js';
import { tokenConfig, tokenOf } from '../support/token-config.js';

const fixture = useBrokers();
const tempDir = useTempDirs('http-broker-info');

describe('GET /v1/broker', () => {
  it('[INFO-1] answers the totals of an open broker without credentials, connections included, as its schema says', async () => {
    const b = await fixture.broker();
    const { requests } = await fixture.connect(b);
    await seedStation(requests, 'orders.eu');
    await seedStation(requests, 'billing');

    const answer = await api(b, 'GET', '/broker');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      stations: 2,
      partitions: 2,
      groups: 2,
      members: 0,
      storedMessages: 6,
      appended: 6,
      // seedStation delivers one message of each station, then dead-letters it.
      delivered: 2,
      deadLetters: 2,
      // The seeding connection; an HTTP request is not one.
      connections: 1,
    });
    expect(checkJson(answer.json, ref('BrokerInfo'), SCHEMAS)).toEqual(answer.json);
  });

  it('[INFO-1] totals only the stations a principal sees, without connections; no credentials are AUTH_FAILED (401)', async () => {
    const file = tokenConfig(tempDir(), {
      root: undefined,
      reader: { allow: [{ actions: ['browse'], stations: ['orders.*'] }] },
    });
    const b = await fixture.broker({ args: ['--config', file] });
    const raw = await connectTcp(b.tcpPort);
    fixture.track(raw);
    await raw.handshake({ auth: { token: tokenOf('root') } });
    const root = new Requester(raw);
    await seedStation(root, 'orders.eu');
    await seedStation(root, 'audit');

    const reader = await api(b, 'GET', '/broker', { token: tokenOf('reader') });
    expect(reader.status).toBe(200);
    expect(reader.json).toMatchObject({ stations: 1, appended: 3, delivered: 1, deadLetters: 1 });
    expect(reader.json).not.toHaveProperty('connections');

    const all = await api(b, 'GET', '/broker', { token: tokenOf('root') });
    expect(all.json).toMatchObject({ stations: 2, appended: 6, connections: 1 });

    const anonymous = await api(b, 'GET', '/broker');
    expect([anonymous.status, anonymous.code]).toEqual([401, 'AUTH_FAILED']);
  });

  it('is read only: POST is METHOD_NOT_ALLOWED (405) with Allow: GET', async () => {
    const b = await fixture.broker();
    const answer = await api(b, 'POST', '/broker');
    expect([answer.status, answer.code]).toEqual([405, 'METHOD_NOT_ALLOWED']);
    expect(answer.headers.allow).toBe('GET');
  });
});
