import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { credentialsOf } from '../../src/http/credentials.js';
import { RoutePattern } from '../../src/http/route.js';
import { RefusalBudget } from '../../src/server/refusal-budget.js';

describe('HTTP routing pieces', () => {
  it('matches literal segments and decodes parameters; anything else is no match', () => {
    const p = new RoutePattern('/stations/{station}/groups/{group}/ack');
    expect(p.match('/stations/orders/groups/billing/ack')).toEqual({
      station: 'orders',
      group: 'billing',
    });
    expect(p.match('stations/orders.eu/groups/a%2Fb/ack/')).toEqual({
      station: 'orders.eu',
      group: 'a/b',
    });
    expect(p.match('/stations/orders/groups/billing')).toBeUndefined();
    expect(p.match('/stations/orders/groups/billing/nack')).toBeUndefined();
    expect(p.match('/stations/%E0%A4%A/groups/g/ack')).toBeUndefined();
  });

  it('reads Bearer and Basic credentials; another scheme is AUTH_FAILED', () => {
    const req = (authorization?: string) => ({ headers: { authorization } }) as IncomingMessage;
    expect(credentialsOf(req())).toBeUndefined();
    expect(credentialsOf(req('Bearer abc.def'))).toEqual({ token: 'abc.def' });
    const basic = Buffer.from('ada:pa:ss').toString('base64');
    expect(credentialsOf(req(`Basic ${basic}`))).toEqual({ username: 'ada', password: 'pa:ss' });
    expect(() => credentialsOf(req('Digest x'))).toThrow(
      expect.objectContaining({ code: 'AUTH_FAILED' }),
    );
  });

  it('[SEC-8] a refusal budget logs a few per window and then says how many were left out', () => {
    const budget = new RefusalBudget(2, 1000);
    expect([budget.take(0), budget.take(1), budget.take(2), budget.take(3)]).toEqual([
      0,
      0,
      undefined,
      undefined,
    ]);
    expect(budget.take(1000)).toBe(2);
    expect(budget.take(1001)).toBe(0);
  });
});
