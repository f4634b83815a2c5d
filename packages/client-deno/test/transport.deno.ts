/**
 * The transports with raw frames, against the broker of the harness whose control URL is in
 * FERRY_CONTROL_URL, and against small loopback servers for the failure cases.
 */

import type { Transport, TransportFactory } from '@ferry/client';
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameReader,
  PROTOCOL_VERSION,
  frame as withLengthPrefix,
} from '@ferry/protocol';
import { tcpTransport } from '../src/tcp-transport.ts';
import { webSocketTransport } from '../src/websocket-transport.ts';

const MAX_FRAME_BYTES = 1024 * 1024;
const config = (await (await fetch(`${Deno.env.get('FERRY_CONTROL_URL')}/config`)).json()) as {
  tcpUrl: string;
  wsUrl: string;
  token: string;
};

function open(factory: TransportFactory, url: string, signal?: AbortSignal): Promise<Transport> {
  return factory({
    url: new URL(url),
    maxFrameBytes: MAX_FRAME_BYTES,
    signal: signal ?? new AbortController().signal,
  });
}

async function handshake(transport: Transport): Promise<AsyncIterator<Uint8Array>> {
  const auth = { token: config.token };
  const v = PROTOCOL_VERSION;
  transport.send(encodeFrame({ type: 'hello', id: 1, minVersion: v, maxVersion: v, auth }));
  const frames = transport[Symbol.asyncIterator]();
  const welcome = await nextFrame(frames);
  if (welcome.type !== 'welcome') throw new Error(`expected welcome, got ${welcome.type}`);
  return frames;
}

async function nextFrame(frames: AsyncIterator<Uint8Array>): Promise<Frame> {
  const next = await frames.next();
  if (next.done) throw new Error('the transport ended');
  return decodeFrame(next.value);
}

/** A port nothing listens on: one the OS just handed out and took back. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  listener.close();
  return listener.addr.port;
}

/** Reads until the peer closes. */
async function drain(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(1024);
  while ((await conn.read(buffer)) !== null);
}

/** A loopback server that runs `handle` on its first connection. */
function serveOnce(
  handle: (conn: Deno.Conn) => Promise<void>,
  listener: Deno.Listener<Deno.Conn, Deno.NetAddr> = Deno.listen({
    hostname: '127.0.0.1',
    port: 0,
  }),
): {
  port: number;
  done: Promise<void>;
} {
  const done = listener.accept().then(async (conn) => {
    listener.close();
    try {
      await handle(conn);
    } finally {
      conn.close();
    }
  });
  return { port: listener.addr.port, done };
}

/** A certificate for 127.0.0.1 and its key, from the `openssl` command; undefined without it. */
async function selfSigned(): Promise<{ cert: string; key: string } | undefined> {
  // Both PEM blocks go to stdout, so nothing touches the disk.
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  args.push('-nodes', '-days', '1', '-subj', '/CN=localhost');
  // Not a CA: rustls refuses a CA certificate as the server's own.
  args.push(
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  args.push('-keyout', '/dev/stdout', '-out', '/dev/stdout');
  try {
    const { success, stdout } = await new Deno.Command('openssl', {
      args,
      stderr: 'null',
    }).output();
    const pem = new TextDecoder().decode(stdout);
    const block = (label: string): string | undefined =>
      new RegExp(`-----BEGIN ${label}-----[^-]+-----END ${label}-----`).exec(pem)?.[0];
    const cert = block('CERTIFICATE');
    const key = block('PRIVATE KEY');
    return success && cert && key ? { cert, key } : undefined;
  } catch {
    return undefined;
  }
}

const MIB = 1024 * 1024;

/** The largest a TCP socket buffer may grow to, from the kernel's settings (Linux). */
async function kernelBufferMax(name: 'tcp_rmem' | 'tcp_wmem'): Promise<number> {
  try {
    const text = await Deno.readTextFile(`/proc/sys/net/ipv4/${name}`);
    const max = Number(text.trim().split(/\s+/)[2]);
    if (Number.isSafeInteger(max) && max > 0) return max;
  } catch {
    // Not Linux: assume Linux's defaults.
  }
  return name === 'tcp_rmem' ? 6 * MIB : 4 * MIB;
}

/** What a loopback connection can hold between two ends that do not read, and some more. */
async function kernelBufferBytes(): Promise<number> {
  return (await kernelBufferMax('tcp_rmem')) + (await kernelBufferMax('tcp_wmem')) + 8 * MIB;
}

/** Answers a WebSocket upgrade by hand, so that the peer can then stop reading its socket. */
async function acceptUpgrade(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(8192);
  let request = '';
  while (!request.includes('\r\n\r\n')) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error('the client went away during the upgrade');
    request += new TextDecoder().decode(buffer.subarray(0, n));
  }
  const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? '';
  const digest = await crypto.subtle.digest(
    'SHA-1',
    new TextEncoder().encode(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`),
  );
  const accept = btoa(String.fromCharCode(...new Uint8Array(digest)));
  const response = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${accept}`,
    '',
    '',
  ].join('\r\n');
  await conn.write(new TextEncoder().encode(response));
}

/** A loopback peer that reads nothing until told to, then counts the bytes it reads. */
function stalledPeer(webSocket: boolean): {
  port: number;
  connected: Promise<Deno.Conn>;
  read(): Promise<void>;
  received(): number;
} {
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  let received = 0;
  const connected = listener.accept().then(async (conn) => {
    listener.close();
    if (webSocket) await acceptUpgrade(conn);
    return conn;
  });
  return {
    port: listener.addr.port,
    connected,
    received: () => received,
    async read() {
      const conn = await connected;
      const buffer = new Uint8Array(256 * 1024);
      try {
        for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
          received += n;
        }
      } catch {
        // The test closed it.
      }
    },
  };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => new Error('resolved'),
    (error: unknown) => error,
  );
  const actual = (error as { code?: unknown }).code;
  if (actual !== code) throw new Error(`expected ${code}, got ${actual}`, { cause: error });
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

for (const [name, factory, url] of [
  ['tcp', tcpTransport(), config.tcpUrl],
  ['ws', webSocketTransport(), config.wsUrl],
] as const) {
  Deno.test(`${name}: hello gets welcome, close is clean`, async () => {
    const transport = await open(factory, url);
    const frames = await handshake(transport);
    await transport.close();
    assert((await frames.next()).done === true, 'the iterator did not end');
    assert((await transport.closed()) === undefined, 'a clean close reported an error');
  });

  Deno.test(`${name}: 500 pings sent in one tick get 500 pongs in order`, async () => {
    const transport = await open(factory, url);
    const frames = await handshake(transport);
    for (let id = 1; id <= 500; id++) transport.send(encodeFrame({ type: 'ping', id }));
    for (let id = 1; id <= 500; id++) {
      const pong = await nextFrame(frames);
      assert(pong.type === 'pong' && pong.id === id, `expected pong ${id}, got ${pong.type}`);
    }
    await transport.close();
  });
}

Deno.test('tcp: frames sent in one tick leave in one write', async () => {
  let reads = 0;
  const server = serveOnce(async (conn) => {
    const reader = new FrameReader();
    const buffer = new Uint8Array(64 * 1024);
    for (let frames = 0; frames < 500; ) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error('the client went away');
      reads++;
      frames += reader.push(buffer.slice(0, n)).length;
    }
  });
  const transport = await open(tcpTransport(), `ferry://127.0.0.1:${server.port}`);
  for (let id = 1; id <= 500; id++) transport.send(encodeFrame({ type: 'ping', id }));
  await server.done;
  await transport.close();
  assert(reads === 1, `the server needed ${reads} reads`);
});

Deno.test('tcp: a bad length prefix closes the transport with the error', async () => {
  const server = serveOnce(async (conn) => {
    await conn.write(new Uint8Array(4));
    await drain(conn);
  });
  const transport = await open(tcpTransport(), `ferry://127.0.0.1:${server.port}`);
  const frames = transport[Symbol.asyncIterator]();
  assert((await frames.next()).done === true, 'the iterator did not end');
  const error = await transport.closed();
  assert((error as { code?: string })?.code === 'MALFORMED_FRAME', `closed with ${error}`);
  await server.done;
});

Deno.test('tcp: the server closing ends the iterator cleanly', async () => {
  const server = serveOnce(async (conn) => {
    await conn.write(withLengthPrefix(encodeFrame({ type: 'pong', id: 1 })));
  });
  const transport = await open(tcpTransport(), `ferry://127.0.0.1:${server.port}`);
  const frames = transport[Symbol.asyncIterator]();
  assert((await nextFrame(frames)).type === 'pong', 'expected the pong');
  assert((await frames.next()).done === true, 'the iterator did not end');
  assert((await transport.closed()) === undefined, 'a clean end reported an error');
  await server.done;
});

Deno.test('tcp: reading pauses while the consumer does not pull, then resumes', async () => {
  // Far more than the unread cap plus the kernel's socket buffers.
  const count = Math.ceil(((await kernelBufferBytes()) + 16 * 1024 * 1024) / 1024);
  // The transport does not decode bodies, so any bytes do.
  const body = new Uint8Array(1024).fill(7);
  let sent = 0;
  const server = serveOnce(async (conn) => {
    const framed = withLengthPrefix(body);
    for (; sent < count; sent++) {
      for (let offset = 0; offset < framed.length; ) {
        offset += await conn.write(framed.subarray(offset));
      }
    }
    await drain(conn);
  });
  const transport = await open(tcpTransport(), `ferry://127.0.0.1:${server.port}`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert(sent < count, 'the server wrote everything before the client read any');
  let received = 0;
  for await (const frame of transport) {
    assert(frame.length === body.length, `frame ${received} has ${frame.length} bytes`);
    if (++received === count) break;
  }
  assert(received === count, `received ${received} frames, then ${await transport.closed()}`);
  await server.done;
});

Deno.test('ws: a text message closes the transport with MALFORMED_FRAME', async () => {
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onopen = () => socket.send('not a frame');
    return response;
  });
  const transport = await open(webSocketTransport(), `ws://127.0.0.1:${server.addr.port}/ws`);
  assert(
    (await transport[Symbol.asyncIterator]().next()).done === true,
    'the iterator did not end',
  );
  const error = await transport.closed();
  assert((error as { code?: string })?.code === 'MALFORMED_FRAME', `closed with ${error}`);
  await server.shutdown();
});

const certificate = await selfSigned();

Deno.test({
  name: 'tcp: ferrys connects over TLS, trusting caCerts',
  ignore: certificate === undefined,
  async fn() {
    const { cert, key } = certificate as { cert: string; key: string };
    const listen = (): Deno.TlsListener =>
      Deno.listenTls({ hostname: '127.0.0.1', port: 0, cert, key });
    const server = serveOnce(async (conn) => {
      // Echoes the first frame back.
      const reader = new FrameReader();
      const buffer = new Uint8Array(1024);
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) return;
        const [body] = reader.push(buffer.slice(0, n));
        if (body !== undefined) {
          await conn.write(withLengthPrefix(body));
          return drain(conn);
        }
      }
    }, listen());
    const transport = await open(
      tcpTransport({ caCerts: [cert] }),
      `ferrys://127.0.0.1:${server.port}`,
    );
    transport.send(encodeFrame({ type: 'ping', id: 9 }));
    const echo = await nextFrame(transport[Symbol.asyncIterator]());
    assert(echo.type === 'ping' && echo.id === 9, 'expected the ping back');
    await transport.close();
    await server.done;

    // Without caCerts the self-signed certificate is not trusted.
    const untrusted = serveOnce(drain, listen());
    // The server's read fails on the client's alert.
    const refused = untrusted.done.catch(() => {});
    await expectCode(
      open(tcpTransport(), `ferrys://127.0.0.1:${untrusted.port}`),
      'CONNECTION_FAILED',
    );
    await refused;
  },
});

Deno.test('tcp: a closed port fails with CONNECTION_FAILED', async () => {
  await expectCode(open(tcpTransport(), `ferry://127.0.0.1:${closedPort()}`), 'CONNECTION_FAILED');
});

Deno.test('ws: a closed port fails with CONNECTION_FAILED', async () => {
  await expectCode(
    open(webSocketTransport(), `ws://127.0.0.1:${closedPort()}/ws`),
    'CONNECTION_FAILED',
  );
});

for (const [name, factory, scheme] of [
  ['tcp', tcpTransport(), 'ferrys'],
  ['ws', webSocketTransport(), 'ws'],
] as const) {
  Deno.test(`${name}: aborting a connect that hangs fails with ABORTED`, async () => {
    // The server accepts but never answers the TLS or HTTP handshake. It hangs up only after
    // the abort: Deno keeps the socket of an unfinished TLS handshake open until the peer does.
    const aborted = Promise.withResolvers<void>();
    const server = serveOnce(() => aborted.promise);
    const controller = new AbortController();
    const connecting = open(factory, `${scheme}://127.0.0.1:${server.port}/ws`, controller.signal);
    setTimeout(() => controller.abort(new Error('test')), 100);
    await expectCode(connecting, 'ABORTED');
    aborted.resolve();
    await server.done;
  });

  Deno.test(`${name}: an aborted signal fails with ABORTED before connecting`, async () => {
    await expectCode(open(factory, `${scheme}://127.0.0.1:1/ws`, AbortSignal.abort()), 'ABORTED');
  });
}

for (const [name, factory, scheme] of [
  ['tcp', tcpTransport(), 'ferry'],
  ['ws', webSocketTransport(), 'ws'],
] as const) {
  const FRAME_BYTES = 256 * 1024;

  /** Sends frames past what the kernel can hold; returns each send()'s answer. */
  const fill = async (transport: Transport): Promise<boolean[]> => {
    const frame = new Uint8Array(FRAME_BYTES).fill(1);
    const answers: boolean[] = [];
    const total = await kernelBufferBytes();
    for (let sent = 0; sent < total; sent += FRAME_BYTES) answers.push(transport.send(frame));
    return answers;
  };

  Deno.test(`${name}: drained() resolves at once while under the mark`, async () => {
    const peer = stalledPeer(name === 'ws');
    const transport = await open(factory, `${scheme}://127.0.0.1:${peer.port}/ws`);
    assert(transport.send(new Uint8Array(100)), 'send() answered false under the mark');
    await transport.drained();
    (await peer.connected).close();
    await transport.closed();
  });

  Deno.test(`${name}: send() answers false past the mark; drained() waits for the peer to read`, async () => {
    const peer = stalledPeer(name === 'ws');
    const transport = await open(factory, `${scheme}://127.0.0.1:${peer.port}/ws`);
    const conn = await peer.connected;
    const answers = await fill(transport);
    assert(answers[0] === true, 'the first send() answered false');
    assert(answers.at(-1) === false, 'send() never answered false');
    let drained = false;
    const draining = transport.drained().then(() => {
      drained = true;
    });
    // The peer has not read, so more than the kernel holds is still waiting.
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert(!drained, 'drained() resolved before the peer read anything');
    const reading = peer.read();
    await draining;
    assert(peer.received() > 0, 'drained() resolved before the peer read anything');
    assert(transport.send(new Uint8Array(100)), 'send() answered false once drained');
    // The peer hangs up: it never answers a WebSocket's closing handshake.
    conn.close();
    await reading;
    await transport.closed();
  });

  Deno.test(`${name}: drained() resolves when the transport closes`, async () => {
    const peer = stalledPeer(name === 'ws');
    const transport = await open(factory, `${scheme}://127.0.0.1:${peer.port}/ws`);
    const conn = await peer.connected;
    assert((await fill(transport)).at(-1) === false, 'send() never answered false');
    const draining = transport.drained();
    const closing = transport.close();
    await draining;
    conn.close();
    await closing;
  });

  Deno.test(`${name}: drained() resolves when the peer hangs up`, async () => {
    const peer = stalledPeer(name === 'ws');
    const transport = await open(factory, `${scheme}://127.0.0.1:${peer.port}/ws`);
    const conn = await peer.connected;
    assert((await fill(transport)).at(-1) === false, 'send() never answered false');
    const draining = transport.drained();
    conn.close();
    await draining;
    await transport.closed();
    assert(transport.send(new Uint8Array(100)), 'send() answered false once closed');
    await transport.drained();
  });
}

Deno.test('ws: a reader past the inbound limits it is given closes the transport', async () => {
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onopen = () => {
      for (let id = 1; id <= 10; id++) socket.send(encodeFrame({ type: 'ping', id }));
    };
    return response;
  });
  const transport = await webSocketTransport()({
    url: new URL(`ws://127.0.0.1:${server.addr.port}/ws`),
    maxFrameBytes: MAX_FRAME_BYTES,
    signal: new AbortController().signal,
    inbound: { maxFrames: 4 },
  });
  const error = await transport.closed();
  assert((error as { code?: string })?.code === 'CONNECTION_CLOSED', `closed with ${error}`);
  assert(/fell behind: 4 frames/.test(String(error)), `closed with ${error}`);
  // The unread frames are dropped with the connection.
  assert((await transport[Symbol.asyncIterator]().next()).done === true, 'frames were left');
  await server.shutdown();
});
