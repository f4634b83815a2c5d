import { describe, expect, it } from 'vitest';
import { permissionCheck } from '../src/index.js';

describe('permissionCheck', () => {
  it('allows everything without rules: the permissions a broker that grants all leaves out', () => {
    const all = permissionCheck(undefined);
    expect(all.allows('admin', 'x')).toBe(true);
    expect(all.seesStation('x')).toBe(true);
    expect(all.allowsEverywhere('deadletters')).toBe(true);
  });

  it('matches actions over patterns, * for any run of characters, deny winning', () => {
    const check = permissionCheck({
      allow: [
        { actions: ['produce', 'browse'], stations: ['orders.*'] },
        { actions: ['*'], stations: ['audit'] },
      ],
      deny: [{ actions: ['browse'], stations: ['orders.secret*'] }],
    });
    expect(check.allows('produce', 'orders.eu')).toBe(true);
    expect(check.allows('produce', 'orders')).toBe(false);
    expect(check.allows('browse', 'orders.eu.west')).toBe(true);
    expect(check.allows('browse', 'orders.secrets')).toBe(false);
    expect(check.allows('produce', 'orders.secrets')).toBe(true);
    expect(check.allows('admin', 'audit')).toBe(true);
    expect(check.allows('admin', 'auditx')).toBe(false);
    expect(check.seesStation('orders.x')).toBe(true);
    expect(check.seesStation('billing')).toBe(false);
  });

  it('takes regular-expression characters in patterns literally', () => {
    const check = permissionCheck({ allow: [{ actions: ['consume'], stations: ['a.b*', '(x)'] }] });
    expect(check.allows('consume', 'a.bc')).toBe(true);
    expect(check.allows('consume', 'axbc')).toBe(false);
    expect(check.allows('consume', '(x)')).toBe(true);
  });

  it('allows an action everywhere only through a * pattern that no deny rule narrows', () => {
    const everywhere = permissionCheck({ allow: [{ actions: ['admin'], stations: ['*'] }] });
    expect(everywhere.allowsEverywhere('admin')).toBe(true);
    expect(everywhere.allowsEverywhere('produce')).toBe(false);
    const narrowed = permissionCheck({
      allow: [{ actions: ['*'], stations: ['*'] }],
      deny: [{ actions: ['admin'], stations: ['audit'] }],
    });
    expect(narrowed.allowsEverywhere('admin')).toBe(false);
    expect(narrowed.allowsEverywhere('produce')).toBe(true);
    const prefixed = permissionCheck({ allow: [{ actions: ['*'], stations: ['orders.*'] }] });
    expect(prefixed.allowsEverywhere('admin')).toBe(false);
  });
});
