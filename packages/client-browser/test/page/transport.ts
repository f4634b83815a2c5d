/**
 * Runs in Chromium: drives webSocketTransport directly with hand-made frames, without the
 * client core. Each function returns plain data for the test to check.
 */
import { DEFAULT_LIMITS, decodeFrame, encodeFrame } from '@ferry/protocol';
import { type Transport, webSocketTransport } from '../../src/index.js';

export interface Outcome {
  /** The types of the frames received, in order. */
  received: string[];
  /** What closed() resolved with: an error's code and message, or null for a clean close. */
  closed: { code: unknown; message: string } | null;
  userAgent: string;
}

function open(url: string, maxFrameBytes = DEFAULT_LIMITS.maxFrameBytes): Promise<Transport> {
  return webSocketTransport({
    url: new URL(url),
    maxFrameBytes,
    signal: new AbortController().signal,
  });
}

function hello(token: string): Uint8Array {
  return encodeFrame({ type: 'hello', id: 1, minVersion: 1, maxVersion: 1, auth: { token } });
}

function summary(error: unknown): { code: unknown; message: string } {
  return { code: (error as { code?: unknown }).code, message: String(error) };
}

/** Reads every frame until the iterator ends, then reports how the transport closed. */
async function drain(transport: Transport, received: string[] = []): Promise<Outcome> {
  for await (const body of transport) received.push(decodeFrame(body).type);
  const error = await transport.closed();
  return {
    received,
    closed: error === undefined ? null : summary(error),
    userAgent: navigator.userAgent,
  };
}

/** The type of the first frame received, if one arrives before the iterator ends. */
async function first(transport: Transport): Promise<string[]> {
  const next = await transport[Symbol.asyncIterator]().next();
  return next.done ? [] : [decodeFrame(next.value).type];
}

/** hello, welcome, then a close from this side. */
export async function handshake(url: string, token: string): Promise<Outcome> {
  const transport = await open(url);
  transport.send(hello(token));
  const received = await first(transport);
  await transport.close();
  return drain(transport, received);
}

/** Bytes that are not a frame: the broker answers with an error frame, then closes. */
export async function serverCloses(url: string): Promise<Outcome> {
  const transport = await open(url);
  transport.send(new Uint8Array([0xc1]));
  return drain(transport);
}

/** A welcome larger than the maxFrameBytes the transport was given. */
export async function frameTooLarge(url: string, token: string): Promise<Outcome> {
  const transport = await open(url, 16);
  transport.send(hello(token));
  return drain(transport);
}

/** Thousands of pings answered while nobody reads: the unread cap closes the transport. */
export async function readerFallsBehind(
  url: string,
  token: string,
  pings: number,
): Promise<Outcome> {
  const transport = await open(url);
  transport.send(hello(token));
  const received = await first(transport);
  for (let id = 1; id <= pings; id++) transport.send(encodeFrame({ type: 'ping', id }));
  await transport.closed();
  return drain(transport, received);
}

/** A connection attempt that fails, or is aborted as soon as it starts. */
export async function failedConnect(
  url: string,
  abort: boolean,
): Promise<{ code: unknown; message: string }> {
  const controller = new AbortController();
  const attempt = webSocketTransport({
    url: new URL(url),
    maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes,
    signal: controller.signal,
  });
  if (abort) controller.abort(new Error('the test gave up'));
  try {
    await (await attempt).close();
    return { code: 'CONNECTED', message: '' };
  } catch (error) {
    return summary(error);
  }
}

let filled: { transport: Transport; drained: boolean; draining: Promise<void> } | undefined;

/**
 * Opens a transport and sends `bytes` in frames of 256 KiB while the peer reads nothing,
 * then starts waiting to drain. Resolves with the first and the last send()'s answer.
 */
export async function fill(url: string, bytes: number): Promise<boolean[]> {
  const transport = await open(url);
  const frame = new Uint8Array(256 * 1024).fill(1);
  const answers: boolean[] = [];
  for (let sent = 0; sent < bytes; sent += frame.length) answers.push(transport.send(frame));
  const state = { transport, drained: false, draining: Promise.resolve() };
  state.draining = transport.drained().then(() => {
    state.drained = true;
  });
  filled = state;
  return [answers[0] ?? false, answers.at(-1) ?? true];
}

/** Whether drained() of the filled transport resolved yet, a turn after it is asked. */
export async function drainedYet(): Promise<boolean> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  return filled?.drained ?? false;
}

/** Waits for drained(); then what send() answers for a small frame. */
export async function awaitDrained(): Promise<boolean> {
  await filled?.draining;
  return filled?.transport.send(new Uint8Array(100)) ?? false;
}

/** Closes the filled transport without waiting for its close, and waits for drained(). */
export async function closeAndAwaitDrained(): Promise<void> {
  void filled?.transport.close();
  await filled?.draining;
}

/** Waits for the filled transport to close, then for drained(). */
export async function awaitClosedAndDrained(): Promise<boolean> {
  await filled?.transport.closed();
  await filled?.draining;
  return filled?.transport.send(new Uint8Array(100)) ?? false;
}
