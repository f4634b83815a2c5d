import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIONS, type Action, Permissions } from '../../src/auth/permissions.js';

describe('permissions', () => {
  it('[SEC-5] * in a pattern matches any run of characters, dots included; the rest matches itself', () => {
    const p = new Permissions({
      allow: [{ actions: ['produce'], stations: ['orders.*', 'audit'] }],
    });
    for (const station of ['orders.', 'orders.eu', 'orders.eu.west'])
      expect(p.allows('produce', station)).toBe(true);
    for (const station of ['orders', 'xorders.eu', 'audit.log', 'audits'])
      expect(p.allows('produce', station)).toBe(false);
    expect(p.allows('produce', 'audit')).toBe(true);
    // Characters that mean something in a regular expression are plain here.
    const dotted = new Permissions({ allow: [{ actions: ['browse'], stations: ['a.b'] }] });
    expect(dotted.allows('browse', 'axb')).toBe(false);
  });

  it('[SEC-5] an action needs an allow rule for it; * in actions stands for all five', () => {
    const p = new Permissions({ allow: [{ actions: ['consume', 'browse'], stations: ['*'] }] });
    expect(p.allows('consume', 'x')).toBe(true);
    expect(p.allows('admin', 'x')).toBe(false);
    const all = new Permissions({ allow: [{ actions: ['*'], stations: ['*'] }] });
    for (const action of ACTIONS) expect(all.allows(action, 'any.thing')).toBe(true);
    for (const action of ACTIONS) expect(Permissions.none.allows(action, 'x')).toBe(false);
  });

  it('[SEC-5] deny wins over allow', () => {
    const p = new Permissions({
      allow: [{ actions: ['*'], stations: ['*'] }],
      deny: [{ actions: ['admin', 'deadletters'], stations: ['prod.*'] }],
    });
    expect(p.allows('admin', 'prod.orders')).toBe(false);
    expect(p.allows('deadletters', 'prod.orders')).toBe(false);
    expect(p.allows('produce', 'prod.orders')).toBe(true);
    expect(p.allows('admin', 'dev.orders')).toBe(true);
    expect(p.seesStation('prod.orders')).toBe(true);
  });

  it('[SEC-5] a station is seen when some action on it is allowed', () => {
    const p = new Permissions({
      allow: [{ actions: ['browse'], stations: ['metrics.*'] }],
      deny: [{ actions: ['browse'], stations: ['metrics.secret'] }],
    });
    expect(p.seesStation('metrics.cpu')).toBe(true);
    expect(p.seesStation('metrics.secret')).toBe(false);
    expect(p.seesStation('orders')).toBe(false);
  });

  it('[SEC-5] allowed exactly when some allow rule matches and no deny rule does (property)', () => {
    const name = fc.stringMatching(/^[a-c.]{1,4}$/);
    const pattern = fc.oneof(
      name,
      name.map((n) => `${n}*`),
      fc.constant('*'),
    );
    const action = fc.constantFrom<Action | '*'>(...ACTIONS, '*');
    const rule = fc.record({
      actions: fc.array(action, { minLength: 1, maxLength: 3 }),
      stations: fc.array(pattern, { minLength: 1, maxLength: 3 }),
    });
    const matches = (p: string, station: string) =>
      p.endsWith('*') ? station.startsWith(p.slice(0, -1)) : p === station;
    const hits = (r: { actions: (Action | '*')[]; stations: string[] }, a: Action, s: string) =>
      (r.actions.includes('*') || r.actions.includes(a)) && r.stations.some((p) => matches(p, s));
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 3 }),
        fc.array(rule, { maxLength: 3 }),
        fc.constantFrom(...ACTIONS),
        name,
        (allow, deny, a, station) => {
          const expected =
            allow.some((r) => hits(r, a, station)) && !deny.some((r) => hits(r, a, station));
          expect(new Permissions({ allow, deny }).allows(a, station)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
