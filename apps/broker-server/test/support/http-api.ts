/** Requests to a broker's HTTP API (/v1) over undici, answered as status, headers and JSON. */
import { request } from 'undici';
import type { BrokerProcess } from './broker-process.js';

export interface ApiOptions {
  /** JSON-encoded and sent as application/json, unless `raw` is given. */
  body?: unknown;
  /** Sent as is, with the content type `type` (none when absent). */
  raw?: string | Uint8Array;
  type?: string;
  /** A token sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body as JSON (undefined when empty). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
  json: any;
  /** The error code of an error answer. */
  code: string | undefined;
}

export async function api(
  b: BrokerProcess,
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE',
  path: string,
  options: ApiOptions = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Uint8Array | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    if (options.type !== undefined) headers['content-type'] = options.type;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = options.type ?? 'application/json';
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const res = await request(`http://127.0.0.1:${b.httpPort}/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.body.text();
  const json = text === '' ? undefined : JSON.parse(text);
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json,
    code: json?.error?.code,
  };
}
