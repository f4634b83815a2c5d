/**
 * GET /console/: the web console's static files, read from disk on each request (nothing is
 * cached in memory). They are public: the login page has to load before anyone has credentials,
 * and the files hold no data. What the console shows comes over /ws, where the client presents
 * its own credentials and the WebSocket Origin rules apply as to any other client. [SEC-2]
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { pipeline } from 'node:stream';
import { findConsoleDir } from './console-dir.js';
import { resolveConsolePath } from './console-path.js';
import type { ServerLogger } from './context.js';
import type { Route, RoutedPath } from './router.js';

export const CONSOLE_PATH = '/console';

type ConsoleHandler = (req: IncomingMessage, res: ServerResponse, at: RoutedPath) => void;

const CONTENT_TYPES: ReadonlyMap<string, string> = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.map', 'application/json; charset=utf-8'],
  ['.json', 'application/json; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.ico', 'image/x-icon'],
  ['.woff2', 'font/woff2'],
  ['.txt', 'text/plain; charset=utf-8'],
]);

/**
 * The app's own origin only, the WebSocket to the broker included. The policy goes on every
 * answer, not only HTML: it costs nothing on scripts and styles, and covers an SVG opened alone.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const SECURITY_HEADERS: OutgoingHttpHeaders = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const NOT_BUILT =
  'the web console is not built: run `pnpm build` in the Ferry repository, or point --console-dir at a built console\n';

/**
 * GET /console redirects to /console/, where index.html's relative asset URLs resolve; everything
 * under /console/ is a file of the console directory (see console-dir.ts), `configuredDir` first.
 */
export function consoleRoutes(
  configuredDir: string | undefined,
  log: ServerLogger,
): Route<ConsoleHandler>[] {
  return [
    {
      method: 'GET',
      path: CONSOLE_PATH,
      handler: (_req, res) => {
        res.writeHead(308, { ...SECURITY_HEADERS, location: `${CONSOLE_PATH}/` });
        res.end();
      },
    },
    {
      method: 'GET',
      path: `${CONSOLE_PATH}/*`,
      handler: (req, res, at) => {
        serveFile(req, res, at.rest, configuredDir, log).catch((err: unknown) => {
          log.error({ err }, 'console file failed');
          if (res.headersSent) res.destroy();
          else reply(res, 500, 'internal error\n');
        });
      },
    },
  ];
}

async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  rest: string,
  configuredDir: string | undefined,
  log: ServerLogger,
): Promise<void> {
  // Looked up per request, so a console built while the broker runs is served without a restart.
  const dir = await findConsoleDir(configuredDir);
  if (dir === undefined) return reply(res, 404, NOT_BUILT);
  const path = await resolveConsolePath(dir, rest);
  // O_NOFOLLOW and the check of what was opened: the file may have changed since it was resolved.
  const handle =
    path === undefined
      ? undefined
      : await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (path === undefined || handle === undefined) return reply(res, 404, 'not found\n');
  let streaming = false;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return reply(res, 404, 'not found\n');
    // No-cache with a validator: the browser asks each time and mostly gets a 304.
    const etag = `W/"${stats.size.toString(16)}-${Math.trunc(stats.mtimeMs).toString(16)}"`;
    const headers = { ...SECURITY_HEADERS, 'cache-control': 'no-cache', etag };
    if (matchesEtag(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, {
      ...headers,
      'content-type': CONTENT_TYPES.get(extname(path).toLowerCase()) ?? 'application/octet-stream',
      'content-length': stats.size,
    });
    if (req.method === 'HEAD' || stats.size === 0) {
      res.end();
      return;
    }
    streaming = true;
    stream(handle, stats.size, res, log);
  } finally {
    if (!streaming) await handle.close();
  }
}

/** Sends exactly `size` bytes, as Content-Length said; a read error cuts the response off. */
function stream(handle: FileHandle, size: number, res: ServerResponse, log: ServerLogger): void {
  // The stream closes the handle when it ends or is destroyed; pipeline destroys both on error.
  pipeline(handle.createReadStream({ start: 0, end: size - 1 }), res, (err) => {
    if (err !== null && err !== undefined) log.debug({ err }, 'console file not sent in full');
  });
}

/** Weak comparison, as If-None-Match asks for. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}
