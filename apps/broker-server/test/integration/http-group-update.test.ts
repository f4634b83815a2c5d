/** PATCH /v1/stations/{station}/groups/{group}: a group's push endpoint set and removed. [GROUP-6] */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { api } from '../support/http-api.js';

const fixture = useBrokers();

describe('HTTP group update', () => {
  it('[GROUP-6] sets a push endpoint that receives the group, shows it without its secret, and removes it', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        for (const m of JSON.parse(body).messages) received.push(m.text);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const b = await fixture.broker();
      const created = await api(b, 'PUT', '/stations/s/groups/g', {
        body: { start: { kind: 'earliest' } },
      });
      expect(created.status).toBe(200);
      await api(b, 'POST', '/stations/s/messages', { body: [{ value: 'a' }, { value: 'b' }] });
      const set = await api(b, 'PATCH', '/stations/s/groups/g', {
        body: { push: { url, secret: 'whsec-0123456789' } },
      });
      expect(set.status).toBe(200);
      expect(set.json.push).toMatchObject({ url, secret: true });
      expect(set.text).not.toContain('whsec-0123456789');
      for (let i = 0; i < 200 && received.length < 2; i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(received.sort()).toEqual(['"a"', '"b"']);
      const both = await api(b, 'PATCH', '/stations/s/groups/g', {
        body: { push: { url }, removePush: true },
      });
      expect([both.status, both.code]).toEqual([400, 'INVALID_CONFIG']);
      const removed = await api(b, 'PATCH', '/stations/s/groups/g', { body: { removePush: true } });
      expect(removed.status).toBe(200);
      expect(removed.json.push).toBeUndefined();
      const unknown = await api(b, 'PATCH', '/stations/s/groups/nope', { body: {} });
      expect([unknown.status, unknown.code]).toEqual([404, 'GROUP_NOT_FOUND']);
    } finally {
      receiver.close();
    }
  });
});
