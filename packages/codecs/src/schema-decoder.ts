/** Decoding messages by the schema headers the broker sets on validated messages (SCHEMA-7). */
import type { Codec } from '@ferry/client';
import { BoundedCache } from './bounded-cache.js';
import { CodecError, messageOf } from './errors.js';
import { codecForSchema, type SchemaVersionLike } from './schema-codec.js';

/** The schema's name, on every message the broker validated. */
export const SCHEMA_HEADER = 'ferry-schema';
/** The schema version's number, in decimal, beside {@link SCHEMA_HEADER}. */
export const SCHEMA_VERSION_HEADER = 'ferry-schema-version';

/** Where the decoder fetches schema versions: `client.schemas`, or anything with its `get`. */
export interface SchemaSource {
  get(name: string, version?: number): Promise<SchemaVersionLike>;
}

/** A message to decode: a consumer's `Message` or a browsed message fits. */
export interface SchemaMessage {
  payload: Uint8Array;
  headers?: Readonly<Record<string, string>> | undefined;
}

export interface SchemaDecoderOptions {
  /**
   * How to decode a message without schema headers (one produced before a schema was attached,
   * say). Without it, such a message is refused with `SCHEMA_NOT_FOUND`.
   */
  fallback?: Codec<unknown>;
  /** How many schema versions to keep compiled, the least recently used dropped first. Default 256. */
  cacheSize?: number;
}

export interface SchemaDecoder {
  /**
   * The message's payload decoded with the schema version its headers name, fetched and
   * compiled on first use.
   *
   * @throws {CodecError} `SCHEMA_NOT_FOUND` without the headers (and no `fallback`) or with a
   *   version that is not a positive integer; `SCHEMA_INVALID` when the version does not
   *   compile here; `SCHEMA_VIOLATION` when the payload does not decode. An error of the
   *   source's `get` (the broker's `SCHEMA_NOT_FOUND`, a `TIMEOUT`) is thrown as it is.
   */
  decode(message: SchemaMessage): Promise<unknown>;
}

const DEFAULT_CACHE_SIZE = 256;

/**
 * A decoder for messages of stations with a schema attached, whatever schema and version each
 * was validated against. Each version is fetched once and kept compiled (the versions are
 * immutable), and messages that need the same version at once share one fetch. A fetch that
 * fails is not kept: the next message tries again.
 *
 * @param source `client.schemas`, or anything with its `get(name, version)`.
 *
 * @example
 * ```ts
 * const decoder = schemaDecoder(client.schemas);
 * for await (const message of client.consume('readings', { group: 'dashboards' })) {
 *   console.log(await decoder.decode(message));
 *   await message.ack();
 * }
 * ```
 */
export function schemaDecoder(
  source: SchemaSource,
  options: SchemaDecoderOptions = {},
): SchemaDecoder {
  const cache = new BoundedCache<Codec<unknown>>(options.cacheSize ?? DEFAULT_CACHE_SIZE);
  const codecOf = (name: string, version: number): Promise<Codec<unknown>> =>
    cache.get(`${version}:${name}`, async () => codecForSchema(await source.get(name, version)));

  return {
    async decode(message: SchemaMessage): Promise<unknown> {
      const name = message.headers?.[SCHEMA_HEADER];
      const versionText = message.headers?.[SCHEMA_VERSION_HEADER];
      if (name === undefined || versionText === undefined) {
        if (options.fallback !== undefined) return options.fallback.decode(message.payload);
        throw new CodecError(
          'SCHEMA_NOT_FOUND',
          `the message has no ${SCHEMA_HEADER} and ${SCHEMA_VERSION_HEADER} headers: it was not validated against a schema`,
        );
      }
      const version = parseVersion(versionText);
      const codec = await codecOf(name, version);
      try {
        return codec.decode(message.payload);
      } catch (cause) {
        if (cause instanceof CodecError) throw cause;
        const what = `schema ${name} version ${version}`;
        throw new CodecError('SCHEMA_VIOLATION', `payload is not a ${what}: ${messageOf(cause)}`, {
          cause,
        });
      }
    },
  };
}

function parseVersion(text: string): number {
  const version = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(version)) {
    throw new CodecError(
      'SCHEMA_NOT_FOUND',
      `the ${SCHEMA_VERSION_HEADER} header is ${JSON.stringify(text)}, not a version number`,
    );
  }
  return version;
}
