/**
 * The Node side of a conformance run: a real broker, and a small HTTP control server on
 * loopback that any runtime can reach with `fetch` — `GET /config` (where the broker is),
 * `POST /restart` (kill -9 and start it again on the same ports and data), `POST /token`
 * (a short-lived JWT, as an application's backend would mint one), and, for the browser run,
 * static files so the page is same-origin with the control endpoints.
 *
 * The broker runs with a config file: the shared token (full access) that most scenarios
 * use, named tokens with narrow permissions, and HS256 JWTs signed with a secret made for
 * this run. [SEC-5] [SEC-6]
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { SignJWT } from 'jose';
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
  /** Named tokens with narrow permissions, by name (see PRINCIPALS). */
  principals: Record<string, string>;
  /** kill -9 the broker and start it again on the same ports and data directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

/** A permission rule of the broker's config and of a JWT's `ferry` claim. [SEC-5] */
export interface PermissionRule {
  actions: string[];
  stations: string[];
}

/**
 * The named tokens of every run; scenarios name their stations `conf-<prefix>-<run>-<n>`
 * (ScenarioContext.station), so the patterns are over those prefixes. `producer` may only
 * produce, on `conf-sec5-*` stations and not on `conf-sec5x-*` ones, which its allow rule
 * matches too but its deny rule takes back (deny wins).
 */
const PRINCIPALS: Record<string, { allow: PermissionRule[]; deny?: PermissionRule[] }> = {
  producer: {
    allow: [{ actions: ['produce'], stations: ['conf-sec5*'] }],
    deny: [{ actions: ['*'], stations: ['conf-sec5x-*'] }],
  },
};

/** The audience the broker requires of JWTs, and POST /token sets. */
const JWT_AUDIENCE = 'ferry';
/** Bounds on POST /token's ttlS: a negative one makes a token that has already expired. */
const MAX_TTL_S = 3600;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-conformance-'));
  const token = `conformance-${Math.random().toString(36).slice(2)}`;
  const jwtSecret = randomBytes(32).toString('base64url');
  const principals = Object.fromEntries(
    Object.keys(PRINCIPALS).map((name) => [name, randomBytes(32).toString('base64url')]),
  );
  // Outside the data directory, which is the broker's own.
  const configDir = mkdtempSync(join(tmpdir(), 'ferry-conformance-config-'));
  const configFile = join(configDir, 'ferry.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      auth: {
        token,
        tokens: Object.entries(PRINCIPALS).map(([name, permissions]) => ({
          name,
          hash: `sha256:${createHash('sha256')
            .update(principals[name] as string, 'utf8')
            .digest('hex')}`,
          permissions,
        })),
        jwt: { secret: jwtSecret, audience: JWT_AUDIENCE },
        // Scenarios fail handshakes on purpose; with the throttle [SEC-3] each failure would
        // slow every later handshake from loopback, the address all of them share.
        failureDelayMs: 0,
      },
    }),
    { mode: 0o600 },
  );
  const brokerOptions = { dataDir, args: ['--config', configFile] };
  let broker: RunningBroker = await startBroker({ ...brokerOptions, tcpPort: 0, httpPort: 0 });
  const { tcpPort, httpPort } = broker;
  const config = {
    tcpUrl: `ferry://127.0.0.1:${tcpPort}`,
    wsUrl: `ws://127.0.0.1:${httpPort}/ws`,
    token,
    principals,
  };
  const secret = new TextEncoder().encode(jwtSecret);
  let restarting: Promise<void> | undefined;
  const restart = (): Promise<void> => {
    restarting ??= (async () => {
      await broker.kill();
      broker = await startBroker({ ...brokerOptions, tcpPort, httpPort });
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
      response
        .writeHead(204, {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'content-type',
        })
        .end();
    } else if (path === '/config' && request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(config));
    } else if (path === '/restart' && request.method === 'POST') {
      await restart();
      response.writeHead(204).end();
    } else if (path === '/token' && request.method === 'POST') {
      const claims = readClaims(await readBody(request));
      if (typeof claims === 'string') {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(claims);
        return;
      }
      const jwt = await new SignJWT({
        ferry: { allow: claims.allow, ...(claims.deny === undefined ? {} : { deny: claims.deny }) },
      })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(claims.sub)
        .setAudience(JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + claims.ttlS)
        .sign(secret);
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: jwt }));
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
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/** What POST /token takes: `{ sub, ttlS, allow, deny? }`; a string says what is wrong. */
export interface TokenClaims {
  sub: string;
  /** Seconds from now to `exp`; negative for a token that has already expired. */
  ttlS: number;
  allow: PermissionRule[];
  deny?: PermissionRule[];
}

function readClaims(body: string): TokenClaims | string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'expected a JSON body';
  }
  const { sub, ttlS, allow, deny } = (value ?? {}) as Record<string, unknown>;
  if (typeof sub !== 'string' || sub === '') return 'expected sub, a name';
  if (typeof ttlS !== 'number' || !Number.isInteger(ttlS) || Math.abs(ttlS) > MAX_TTL_S)
    return `expected ttlS, whole seconds within ±${MAX_TTL_S}`;
  if (!isRules(allow)) return 'expected allow, an array of { actions, stations }';
  if (deny !== undefined && !isRules(deny))
    return 'expected deny, an array of { actions, stations }';
  return { sub, ttlS, allow, ...(deny === undefined ? {} : { deny }) };
}

function isRules(value: unknown): value is PermissionRule[] {
  const strings = (list: unknown): boolean =>
    Array.isArray(list) && list.every((item) => typeof item === 'string');
  return (
    Array.isArray(value) &&
    value.every(
      (rule: unknown) =>
        typeof rule === 'object' &&
        rule !== null &&
        strings((rule as PermissionRule).actions) &&
        strings((rule as PermissionRule).stations),
    )
  );
}

/** The request's body as text, at most 64 KiB. */
async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    if (length > 65_536) throw new Error('request body over 64 KiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
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
