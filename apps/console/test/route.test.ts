import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hrefOf, parseHash, type Route } from '../src/lib/route.js';

const query = (hash: string) => Object.fromEntries(parseHash(hash).query);

describe('parseHash', () => {
  it('reads the overview from an empty hash or a bare slash', () => {
    expect(parseHash('').route).toEqual({ page: 'overview' });
    expect(parseHash('#').route).toEqual({ page: 'overview' });
    expect(parseHash('#/').route).toEqual({ page: 'overview' });
  });

  it('reads each page', () => {
    expect(parseHash('#/stations').route).toEqual({ page: 'stations' });
    expect(parseHash('#/stations/').route).toEqual({ page: 'stations' });
    expect(parseHash('#/stations/orders').route).toEqual({ page: 'station', station: 'orders' });
    expect(parseHash('#/dead-letters').route).toEqual({ page: 'dead-letters' });
    expect(parseHash('#/schemas').route).toEqual({ page: 'schemas' });
    expect(parseHash('#/schemas/orders').route).toEqual({ page: 'schema', schema: 'orders' });
    expect(parseHash('#/dead-letters/orders').route).toEqual({
      page: 'dead-letters',
      station: 'orders',
    });
  });

  it('keeps dots, dashes and underscores in station names', () => {
    expect(parseHash('#/stations/eu.orders-v2_x').route).toEqual({
      page: 'station',
      station: 'eu.orders-v2_x',
    });
    expect(parseHash('#/dead-letters/..').route).toEqual({ page: 'dead-letters', station: '..' });
  });

  it('decodes escaped names, and keeps a bad escape as it is', () => {
    expect(parseHash('#/stations/a%2Fb').route).toEqual({ page: 'station', station: 'a/b' });
    expect(parseHash('#/stations/100%').route).toEqual({ page: 'station', station: '100%' });
  });

  it('reads the query', () => {
    expect(query('#/dead-letters/orders?group=billing')).toEqual({ group: 'billing' });
    expect(query('#/stations/orders?tab=messages&partition=2')).toEqual({
      tab: 'messages',
      partition: '2',
    });
    expect(query('#/?')).toEqual({});
    expect(query('#/stations')).toEqual({});
  });

  it('keeps a question mark inside the query', () => {
    expect(query('#/stations/orders?q=a?b')).toEqual({ q: 'a?b' });
  });

  it('answers not-found, with the path without its leading slash, for unknown paths', () => {
    expect(parseHash('#/nope').route).toEqual({ page: 'not-found', path: 'nope' });
    expect(parseHash('#/stations/a/b').route).toEqual({ page: 'not-found', path: 'stations/a/b' });
    expect(parseHash('#/dead-letters/a/b?group=g').route).toEqual({
      page: 'not-found',
      path: 'dead-letters/a/b',
    });
    expect(parseHash('#/overview').route).toEqual({ page: 'not-found', path: 'overview' });
    expect(parseHash('#/schemas/a/b').route).toEqual({ page: 'not-found', path: 'schemas/a/b' });
  });
});

describe('hrefOf', () => {
  it('writes each page', () => {
    expect(hrefOf({ page: 'overview' })).toBe('#/');
    expect(hrefOf({ page: 'stations' })).toBe('#/stations');
    expect(hrefOf({ page: 'station', station: 'a.b-c' })).toBe('#/stations/a.b-c');
    expect(hrefOf({ page: 'dead-letters' })).toBe('#/dead-letters');
    expect(hrefOf({ page: 'dead-letters', station: 'orders' })).toBe('#/dead-letters/orders');
    expect(hrefOf({ page: 'schemas' })).toBe('#/schemas');
    expect(hrefOf({ page: 'schema', schema: 'orders.v1' })).toBe('#/schemas/orders.v1');
    expect(hrefOf({ page: 'not-found', path: 'x/y' })).toBe('#/x/y');
  });

  it('leaves out undefined and empty query values', () => {
    expect(
      hrefOf({ page: 'dead-letters', station: 'o' }, { group: undefined, view: '', partition: 0 }),
    ).toBe('#/dead-letters/o?partition=0');
    expect(hrefOf({ page: 'stations' }, { q: 'a b&c' })).toBe('#/stations?q=a+b%26c');
  });

  it('escapes what would split the path', () => {
    expect(hrefOf({ page: 'station', station: 'a/b?c' })).toBe('#/stations/a%2Fb%3Fc');
  });
});

describe('round trips', () => {
  const routes: Array<[Route, Record<string, string>]> = [
    [{ page: 'overview' }, {}],
    [{ page: 'stations' }, { prefix: 'ord' }],
    [
      { page: 'station', station: 'orders.v1-eu' },
      { tab: 'messages', from: '2024-01-01' },
    ],
    [{ page: 'dead-letters' }, {}],
    [{ page: 'dead-letters', station: 'a-b.c' }, { group: 'billing.eu' }],
    [{ page: 'dead-letters', station: 'a-b.c' }, { group: '$schema' }],
    [{ page: 'schemas' }, {}],
    [{ page: 'schema', schema: 'orders.v1-eu' }, { version: '2' }],
    [{ page: 'not-found', path: 'nope/deeper' }, {}],
  ];

  it.each(routes)('parses what hrefOf wrote for %j', (route, q) => {
    const parsed = parseHash(hrefOf(route, q));
    expect(parsed.route).toEqual(route);
    expect(Object.fromEntries(parsed.query)).toEqual(q);
  });

  it('holds for every valid station name and any group', () => {
    const name = fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789._-'),
      minLength: 1,
      maxLength: 128,
    });
    fc.assert(
      fc.property(name, fc.string({ minLength: 1 }), (station, group) => {
        expect(parseHash(hrefOf({ page: 'station', station })).route).toEqual({
          page: 'station',
          station,
        });
        const parsed = parseHash(hrefOf({ page: 'dead-letters', station }, { group }));
        expect(parsed.route).toEqual({ page: 'dead-letters', station });
        expect(parsed.query.get('group')).toBe(group);
      }),
    );
  });
});
