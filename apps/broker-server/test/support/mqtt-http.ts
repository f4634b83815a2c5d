/**
 * What the broker holds, read over its HTTP API: the messages MQTT publishes were stored as,
 * stations and groups, and the metrics. Also Ferry-side produces for MQTT subscribers.
 */
import { request } from 'undici';
import type { BrokerProcess } from './broker-process.js';
import { ParsedExposition } from './exposition.js';
import { api } from './http-api.js';

/** A stored message as GET .../messages answers it. */
export interface StoredJson {
  partition: number;
  offset: number;
  key?: string;
  headers?: Record<string, string>;
  text?: string;
  data?: string;
}

/** The payload bytes of a stored message. */
export function payloadOf(m: StoredJson): Buffer {
  return m.data !== undefined ? Buffer.from(m.data, 'base64') : Buffer.from(m.text ?? '', 'utf8');
}

/** Every message of `station` (all partitions, partition by partition); [] when it does not exist. */
export async function stationMessages(
  b: BrokerProcess,
  station: string,
  token?: string,
): Promise<StoredJson[]> {
  const auth = token === undefined ? {} : { token };
  const info = await api(b, 'GET', `/stations/${encodeURIComponent(station)}`, auth);
  if (info.status === 404) return [];
  if (info.status !== 200) throw new Error(`GET station ${station}: ${info.status} ${info.text}`);
  const all: StoredJson[] = [];
  for (let p = 0; p < info.json.partitions.length; p++) {
    let offset = 0;
    for (;;) {
      const path = `/stations/${encodeURIComponent(station)}/partitions/${p}/messages?offset=${offset}`;
      const page = await api(b, 'GET', path, auth);
      if (page.status !== 200)
        throw new Error(`browse ${station}/${p}: ${page.status} ${page.text}`);
      all.push(...(page.json.messages as StoredJson[]));
      if (page.json.next >= page.json.end) break;
      offset = page.json.next;
    }
  }
  return all;
}

/** Creates `station` with this many partitions (1: one order for everything in it). */
export async function createStation(
  b: BrokerProcess,
  station: string,
  partitions = 1,
  token?: string,
) {
  const answer = await api(b, 'PUT', `/stations/${encodeURIComponent(station)}`, {
    body: { partitions },
    ...(token === undefined ? {} : { token }),
  });
  if (answer.status !== 200) throw new Error(`create ${station}: ${answer.status} ${answer.text}`);
}

/** The names of the groups of `station`; [] when it does not exist. */
export async function groupNames(b: BrokerProcess, station: string): Promise<string[]> {
  const answer = await api(b, 'GET', `/stations/${encodeURIComponent(station)}/groups`);
  if (answer.status === 404) return [];
  if (answer.status !== 200) throw new Error(`groups of ${station}: ${answer.status}`);
  return (answer.json.groups as { name: string }[]).map((g) => g.name);
}

/** Produces one message through the Ferry API (no MQTT headers: its topic is the station). */
export async function produceFerry(
  b: BrokerProcess,
  station: string,
  message: { value?: unknown; data?: string; key?: string; headers?: Record<string, string> },
): Promise<void> {
  const answer = await api(b, 'POST', `/stations/${encodeURIComponent(station)}/messages`, {
    body: message,
  });
  if (answer.status !== 200 || answer.json.error !== undefined)
    throw new Error(`produce to ${station}: ${answer.status} ${answer.text}`);
}

/** GET /metrics, parsed. */
export async function scrape(b: BrokerProcess): Promise<ParsedExposition> {
  const res = await request(`http://127.0.0.1:${b.httpPort}/metrics`);
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET /metrics: ${res.statusCode}`);
  return ParsedExposition.parse(text);
}
