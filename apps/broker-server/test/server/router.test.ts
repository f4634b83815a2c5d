import { describe, expect, it } from 'vitest';
import { type Route, Router } from '../../src/server/router.js';

const table: Route<string>[] = [
  { method: 'GET', path: '/livez', handler: 'livez' },
  { method: 'GET', path: '/v1/*', handler: 'v1 read' },
  { method: 'POST', path: '/v1/*', handler: 'v1 write' },
  { method: 'GET', path: '/v1/stations/*', handler: 'stations' },
  { method: 'GET', path: '/v1/health', handler: 'v1 health' },
  { method: 'PUT', path: '/upload', handler: 'upload' },
  { method: 'DELETE', path: '/upload', handler: 'discard' },
];
const router = new Router(table);

describe('Router', () => {
  it('finds an exact path', () => {
    expect(router.match('GET', '/livez')).toEqual({
      status: 'found',
      handler: 'livez',
      path: '/livez',
      rest: '',
    });
  });

  it('answers an unknown path with 404', () => {
    expect(router.match('GET', '/metricz')).toEqual({ status: 404 });
    expect(router.match('GET', '/')).toEqual({ status: 404 });
    expect(router.match('GET', '/livez/')).toEqual({ status: 404 });
    expect(router.match('GET', undefined)).toEqual({ status: 404 });
  });

  it('answers a known path with another method with 405 and the methods it takes', () => {
    expect(router.match('POST', '/livez')).toEqual({ status: 405, allow: 'GET, HEAD' });
    expect(router.match('GET', '/upload')).toEqual({ status: 405, allow: 'PUT, DELETE' });
    expect(router.match('PATCH', '/v1/anything')).toEqual({
      status: 405,
      allow: 'GET, HEAD, POST',
    });
    expect(router.match(undefined, '/livez')).toEqual({ status: 405, allow: 'GET, HEAD' });
  });

  it('serves HEAD with the GET handler, and not where there is no GET', () => {
    expect(router.match('HEAD', '/livez')).toMatchObject({ status: 'found', handler: 'livez' });
    expect(router.match('HEAD', '/upload')).toEqual({ status: 405, allow: 'PUT, DELETE' });
  });

  it('prefers a HEAD row of its own to the GET one', () => {
    const own = new Router([
      { method: 'GET', path: '/file', handler: 'get' },
      { method: 'HEAD', path: '/file', handler: 'head' },
    ]);
    expect(own.match('HEAD', '/file')).toMatchObject({ handler: 'head' });
    expect(own.match('POST', '/file')).toEqual({ status: 405, allow: 'GET, HEAD' });
  });

  it('takes everything under a prefix, and hands over what follows it', () => {
    expect(router.match('POST', '/v1/produce/orders')).toEqual({
      status: 'found',
      handler: 'v1 write',
      path: '/v1/produce/orders',
      rest: 'produce/orders',
    });
    expect(router.match('GET', '/v1/')).toMatchObject({ handler: 'v1 read', rest: '' });
    // The prefix is '/v1/': the bare '/v1' is another path.
    expect(router.match('GET', '/v1')).toEqual({ status: 404 });
  });

  it('prefers an exact path to a prefix, and a longer prefix to a shorter one', () => {
    expect(router.match('GET', '/v1/health')).toMatchObject({ handler: 'v1 health' });
    // The exact path answers alone: its methods, not the prefix's.
    expect(router.match('POST', '/v1/health')).toEqual({ status: 405, allow: 'GET, HEAD' });
    expect(router.match('GET', '/v1/stations/orders')).toMatchObject({
      handler: 'stations',
      rest: 'orders',
    });
    expect(router.match('POST', '/v1/stations/orders')).toEqual({
      status: 405,
      allow: 'GET, HEAD',
    });
  });

  it('ignores the query string when matching', () => {
    expect(router.match('GET', '/livez?verbose=1')).toMatchObject({
      status: 'found',
      handler: 'livez',
      path: '/livez',
    });
    expect(router.match('GET', '/v1/stations/orders?limit=5')).toMatchObject({
      handler: 'stations',
      rest: 'orders',
    });
    expect(router.match('GET', '/metricz?x=/livez')).toEqual({ status: 404 });
  });

  it('refuses a table with two rows for one method and path', () => {
    expect(
      () =>
        new Router([
          { method: 'GET', path: '/livez', handler: 'a' },
          { method: 'GET', path: '/livez', handler: 'b' },
        ]),
    ).toThrow('two routes for GET /livez');
  });
});
