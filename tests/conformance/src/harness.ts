/**
 * The Node side of a conformance run: a real broker — or, with `engine: 'jetstream'`, two
 * brokers on a 3-node NATS JetStream cluster (./jetstream.ts) — and a small HTTP control
 * server on loopback that any runtime can reach with `fetch` — `GET /config` (where the
 * brokers are), `POST /restart?broker=i` (kill -9 one and start it again on the same ports and
 * data), `POST /token` (a short-lived JWT, as an application's backend would mint one), and,
 * for the browser run, static files so the page is same-origin with the control endpoints.
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
import { type JetStreamBrokers, startJetStreamBrokers } from './jetstream.js';

/** Where the harness's stations live: the embedded engine, or a JetStream cluster. */
export type Engine = 'file' | 'jetstream';

export interface HarnessOptions {
  /** Serve the files under this directory for GET requests other than /config. */
  staticRoot?: string;
  /** Default `file`: one broker. `jetstream`: `brokers` brokers on a 3-node cluster, R3. */
  engine?: Engine;
  /** With `engine: 'jetstream'`; default 2. */
  brokers?: number;
}

export interface Harness {
  controlUrl: string;
  engine: Engine;
  /** The first broker's URLs. */
  tcpUrl: string;
  wsUrl: string;
  /** Every broker's URLs, in order (one on the file engine). */
  tcpUrls: readonly string[];
  wsUrls: readonly string[];
  token: string;
  /** Named tokens with narrow permissions, by name (see PRINCIPALS). */
  principals: Record<string, string>;
  /** kill -9 a broker (default the first) and start it again on the same ports and data. */
  restart(index?: number): Promise<void>;
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
  const engine = options.engine ?? 'file';
  const brokers = await startBrokers(engine, options.brokers, dataDir, configFile);
  const config = {
    engine,
    tcpUrl: brokers.tcpUrls[0] as string,
    wsUrl: brokers.wsUrls[0] as string,
    tcpUrls: brokers.tcpUrls,
    wsUrls: brokers.wsUrls,
    token,
    principals,
  };
  const secret = new TextEncoder().encode(jwtSecret);
  const restart = (index = 0): Promise<void> => brokers.restart(index);

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
      const index = Number(
        new URL(request.url ?? '/', 'http://localhost').searchParams.get('broker') ?? 0,
      );
      if (!Number.isInteger(index) || index < 0 || index >= brokers.tcpUrls.length) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end('no such broker');
        return;
      }
      await restart(index);
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
      await brokers.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/** The brokers of a harness, restarted by index; every process ends with stop(). */
interface Brokers {
  tcpUrls: readonly string[];
  wsUrls: readonly string[];
  restart(index: number): Promise<void>;
  stop(): Promise<void>;
}

async function startBrokers(
  engine: Engine,
  count: number | undefined,
  dataDir: string,
  configFile: string,
): Promise<Brokers> {
  const args = ['--config', configFile];
  if (engine === 'jetstream') {
    // Streams of one replica: the scenarios are about what clients see across two brokers, and
    // R3 elections on the two busy cores of CI made first subscribes time out. Replication is
    // the broker's R3 contract suite's, its two-broker tests' and the reliability suite's.
    const topology: JetStreamBrokers = await startJetStreamBrokers({
      brokers: count ?? 2,
      replicas: 1,
      broker: { args },
    });
    return topology;
  }
  if (count !== undefined && count !== 1)
    throw new Error(`the file engine runs one broker, not ${count}`);
  let broker: RunningBroker = await startBroker({ dataDir, args, tcpPort: 0, httpPort: 0 });
  const { tcpPort, httpPort } = broker;
  let restarting: Promise<void> | undefined;
  return {
    tcpUrls: [`ferry://127.0.0.1:${tcpPort}`],
    wsUrls: [`ws://127.0.0.1:${httpPort}/ws`],
    restart(index) {
      if (index !== 0) return Promise.reject(new RangeError(`no broker ${index}`));
      restarting ??= (async () => {
        await broker.kill();
        broker = await startBroker({ dataDir, args, tcpPort, httpPort });
      })().finally(() => {
        restarting = undefined;
      });
      return restarting;
    },
    async stop() {
      await restarting?.catch(() => undefined);
      await broker.stop();
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
