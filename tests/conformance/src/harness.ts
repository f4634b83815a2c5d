/**
 * The Node side of a conformance run: a real broker, and a small HTTP control server on
 * loopback that any runtime can reach with `fetch` — `GET /config` (where the broker is),
 * `POST /restart` (kill -9 and start it again on the same ports and data), and, for the
 * browser run, static files so the page is same-origin with the control endpoints.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { type RunningBroker, startBroker } from './broker.js';

export interface HarnessOptions {
  /** Serve the files under this directory for GET requests other than /config. */
  staticRoot?: string;
}

export interface Harness {
  controlUrl: string;
  tcpUrl: string;
  wsUrl: string;
  token: string;
  /** kill -9 the broker and start it again on the same ports and data directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-conformance-'));
  const token = `conformance-${Math.random().toString(36).slice(2)}`;
  let broker: RunningBroker = await startBroker({ dataDir, token, tcpPort: 0, httpPort: 0 });
  const { tcpPort, httpPort } = broker;
  const config = {
    tcpUrl: `ferry://127.0.0.1:${tcpPort}`,
    wsUrl: `ws://127.0.0.1:${httpPort}/ws`,
    token,
  };
  let restarting: Promise<void> | undefined;
  const restart = (): Promise<void> => {
    restarting ??= (async () => {
      await broker.kill();
      broker = await startBroker({ dataDir, token, tcpPort, httpPort });
    })().finally(() => {
      restarting = undefined;
    });
    return restarting;
  };

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    response.setHeader('access-control-allow-origin', '*');
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { 'access-control-allow-methods': 'GET, POST' }).end();
    } else if (path === '/config' && request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(config));
    } else if (path === '/restart' && request.method === 'POST') {
      await restart();
      response.writeHead(204).end();
    } else if (options.staticRoot !== undefined && request.method === 'GET') {
      serveStatic(options.staticRoot, path, response);
    } else {
      response.writeHead(404).end();
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const controlUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    controlUrl,
    ...config,
    restart,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await restarting?.catch(() => undefined);
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function serveStatic(root: string, path: string, response: ServerResponse): void {
  const file = normalize(join(root, path === '/' ? 'index.html' : path));
  if (
    !file.startsWith(normalize(root) + sep) ||
    !statSync(file, { throwIfNoEntry: false })?.isFile()
  ) {
    response.writeHead(404).end();
    return;
  }
  response
    .writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' })
    .end(readFileSync(file));
}
