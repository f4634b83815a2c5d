/**
 * The schema check of a produce batch (SCHEMA-5..8): each message is partitioned and, on a station
 * with a schema, validated against the version resolved for the whole batch. What passes is
 * stored with the schema headers; what fails is refused alone, or set aside for the dead-letter
 * store. On a station without a schema the schema headers are taken off, since only the broker
 * may vouch for them.
 */
import {
  type Headers,
  type Limits,
  type ProduceMessage,
  type ProduceResult,
  type SchemaMode,
  utf8Length,
} from '@ferry/protocol';
import type { AppendRecord } from '../../backend/types.js';
import { errorResult } from '../errors.js';
import type { Station } from '../stations/station.js';
import { SCHEMA_HEADER, SCHEMA_VERSION_HEADER } from './headers.js';
import type { ResolvedSchema } from './registry.js';

/** The group of the dead-letter entries a schema made: no group name can take it. */
export const SCHEMA_GROUP = '$schema';

/** A message that failed its schema under mode deadletter, with where it would have gone. */
export interface SetAside {
  index: number;
  partition: number;
  message: ProduceMessage;
  reason: string;
}

export interface Screened {
  records: AppendRecord[];
  partitions: number[];
  /** Results of the messages not appended, by index in the batch. */
  refused: Map<number, ProduceResult>;
  setAside: SetAside[];
}

/** The schema a batch is checked against, or why none could be had (every message fails then). */
export type BatchSchema =
  | { mode: SchemaMode; resolved: ResolvedSchema }
  | { mode: SchemaMode; failure: string };

export function hasSchemaHeaders(m: ProduceMessage): boolean {
  return (
    m.headers !== undefined && (SCHEMA_HEADER in m.headers || SCHEMA_VERSION_HEADER in m.headers)
  );
}

/** The headers without the schema's; undefined when none is left. */
function withoutSchemaHeaders(headers: Headers | undefined): Headers | undefined {
  if (headers === undefined || !(SCHEMA_HEADER in headers || SCHEMA_VERSION_HEADER in headers))
    return headers;
  const { [SCHEMA_HEADER]: _name, [SCHEMA_VERSION_HEADER]: _version, ...rest } = headers;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

/** `text` cut to at most `maxBytes` UTF-8 bytes, as the wire allows an error message. */
export function clipToBytes(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let cut = text.slice(0, maxBytes);
  while (utf8Length(cut) > maxBytes - 3) cut = cut.slice(0, -1);
  return `${cut}...`;
}

export function screen(
  station: Station,
  messages: readonly ProduceMessage[],
  schema: BatchSchema | undefined,
  limits: Limits,
): Screened {
  const screened: Screened = { records: [], partitions: [], refused: new Map(), setAside: [] };
  messages.forEach((m, index) => {
    let partition: number;
    try {
      partition = station.partitioner.choose(m.partition, m.key);
    } catch (e) {
      screened.refused.set(index, errorResult(e));
      return;
    }
    const headers = withoutSchemaHeaders(m.headers);
    if (schema === undefined) {
      screened.partitions.push(partition);
      screened.records.push(headers === m.headers ? m : { ...m, headers });
      return;
    }
    const resolved = 'resolved' in schema ? schema.resolved : undefined;
    const violation = resolved === undefined ? failureOf(schema) : violationOf(resolved, m.payload);
    if (violation !== undefined || resolved === undefined) {
      const reason = clipToBytes(violation ?? failureOf(schema), limits.maxReasonBytes);
      if (schema.mode === 'deadletter')
        screened.setAside.push({ index, partition, message: { ...m, headers }, reason });
      else
        screened.refused.set(index, { kind: 'error', code: 'SCHEMA_VIOLATION', message: reason });
      return;
    }
    const count = headers === undefined ? 0 : Object.keys(headers).length;
    if (count + 2 > limits.maxHeaders) {
      screened.refused.set(index, {
        kind: 'error',
        code: 'LIMIT_EXCEEDED',
        message: `the message has ${count} headers: the schema headers need 2 of the ${limits.maxHeaders} allowed`,
      });
      return;
    }
    screened.partitions.push(partition);
    // One shape for every record, and no headers object made for a message that had none.
    screened.records.push({
      payload: m.payload,
      headers: headers === undefined ? resolved.headers : { ...headers, ...resolved.headers },
      key: m.key,
      msgId: m.msgId,
    });
  });
  return screened;
}

function failureOf(schema: BatchSchema): string {
  return 'failure' in schema ? schema.failure : 'the schema could not be resolved';
}

function violationOf(resolved: ResolvedSchema, payload: Uint8Array): string | undefined {
  const error = resolved.compiled.validate(payload);
  return error === undefined
    ? undefined
    : `schema '${resolved.name}' version ${resolved.version}: ${error}`;
}
