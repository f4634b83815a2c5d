/**
 * /console on a real broker process started with --console-dir: the redirect, the files with
 * their types and security headers, HEAD, revalidation, refused methods and paths, a console
 * turned off and one that is not built.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { useTempDirs } from '../support/temp-dir.js';

const fixture = useBrokers();
const tempDir = useTempDirs('console');

const INDEX = '<!doctype html><script type="module" src="assets/app.js"></script>';
const APP = 'console.log("ferry");';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with the path sent as written (fetch would normalize `..` away). */
function send(
  port: number,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A console directory, next to a file nobody may fetch through it. */
function builtConsole(): string {
  const parent = tempDir();
  writeFileSync(join(parent, 'secret.json'), '{}');
  const dir = join(parent, 'dist');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app.js'), APP);
  writeFileSync(join(dir, 'assets', 'app.css'), 'body { margin: 0 }');
  writeFileSync(join(dir, 'assets', 'app.js.map'), '{}');
  writeFileSync(join(dir, 'assets', 'blob.bin'), 'x');
  return dir;
}

describe('GET /console', () => {
  it('redirects to /console/, which serves index.html with the security headers', async () => {
    const dir = builtConsole();
    const b = await fixture.broker({ args: ['--console-dir', dir] });
    const listening = await b.logged((e) => e.msg === 'ferry broker listening');
    expect(listening.console).toBe(`http://127.0.0.1:${b.httpPort}/console/`);

    const redirect = await send(b.httpPort, '/console');
    expect([301, 308]).toContain(redirect.status);
    expect(redirect.headers.location).toBe('/console/');

    const index = await send(b.httpPort, '/console/');
    expect(index.status).toBe(200);
    expect(index.body).toBe(INDEX);
    expect(index.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(INDEX.length),
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'content-security-policy':
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    });
    expect(await send(b.httpPort, '/console/index.html')).toMatchObject({
      status: 200,
      body: INDEX,
    });
  });

  it('serves the assets with their content types, and answers HEAD without a body', async () => {
    const b = await fixture.broker({ args: ['--console-dir', builtConsole()] });
    for (const [path, type] of [
      ['/console/assets/app.js', 'text/javascript; charset=utf-8'],
      ['/console/assets/app.css', 'text/css; charset=utf-8'],
      ['/console/assets/app.js.map', 'application/json; charset=utf-8'],
      ['/console/assets/blob.bin', 'application/octet-stream'],
    ]) {
      const answer = await send(b.httpPort, `${path}?v=1`);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe(type);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    const head = await send(b.httpPort, '/console/assets/app.js', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe(String(APP.length));
  });

  it('answers 304 to the current ETag, and 200 once the file changes', async () => {
    const dir = builtConsole();
    const b = await fixture.broker({ args: ['--console-dir', dir] });
    const first = await send(b.httpPort, '/console/assets/app.js');
    const etag = first.headers.etag ?? '';
    expect(etag).not.toBe('');
    const again = await send(b.httpPort, '/console/assets/app.js', 'GET', {
      'if-none-match': etag,
    });
    expect(again).toMatchObject({ status: 304, body: '' });
    expect(again.headers.etag).toBe(etag);
    writeFileSync(join(dir, 'assets', 'app.js'), `${APP}\n// rebuilt`);
    const changed = await send(b.httpPort, '/console/assets/app.js', 'GET', {
      'if-none-match': etag,
    });
    expect(changed).toMatchObject({ status: 200, body: `${APP}\n// rebuilt` });
  });

  it('refuses other methods with 405, and paths that leave the directory with 404', async () => {
    const b = await fixture.broker({ args: ['--console-dir', builtConsole()] });
    const post = await send(b.httpPort, '/console/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await send(b.httpPort, '/console/assets/app.js')).status).toBe(200);
    for (const path of [
      '/console/../secret.json',
      '/console/%2e%2e/secret.json',
      '/console/..%2fsecret.json',
      '/console/..%5csecret.json',
      '/console/assets/app.js%00',
      '/console/assets/../../secret.json',
      '/console/assets',
      '/console//etc/passwd',
      '/console/missing.js',
    ]) {
      const answer = await send(b.httpPort, path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('is not served with --console false', async () => {
    const b = await fixture.broker({
      args: ['--console', 'false', '--console-dir', builtConsole()],
    });
    const listening = await b.logged((e) => e.msg === 'ferry broker listening');
    expect(listening.console).toBeUndefined();
    for (const path of ['/console', '/console/', '/console/assets/app.js'])
      expect(await send(b.httpPort, path)).toMatchObject({ status: 404, body: 'not found\n' });
    expect(b.logs.some((e) => String(e.msg).includes('not built'))).toBe(false);
  });

  it('says the console is not built when its directory has no index.html', async () => {
    const missing = join(tempDir(), 'dist');
    const b = await fixture.broker({ args: ['--console-dir', missing] });
    const warning = await b.logged((e) => String(e.msg).startsWith('the web console is not built'));
    expect(warning).toMatchObject({ level: 40, lookedIn: [missing] });
    const answer = await send(b.httpPort, '/console/');
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(answer.body).toMatch(/not built.*pnpm build/);
    // Built while the broker runs: served without a restart.
    mkdirSync(missing);
    writeFileSync(join(missing, 'index.html'), INDEX);
    expect(await send(b.httpPort, '/console/')).toMatchObject({ status: 200, body: INDEX });
  });
});
