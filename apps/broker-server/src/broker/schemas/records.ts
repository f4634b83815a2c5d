/**
 * How the registry keeps schemas in the backend's metadata: a head record per schema
 * (`schemas/<name>`: type, compatibility, creation time) and a record per version
 * (`schemas/<name>/<n>`), each written once. A version is claimed by creating its record, so two
 * brokers adding a version at once cannot both make the same number.
 */
import type { SchemaCompatibility, SchemaType } from '@ferry/protocol';

export const SCHEMAS_PREFIX = 'schemas/';

export interface SchemaHead {
  type: SchemaType;
  compatibility: SchemaCompatibility;
  createdAt: number;
}

export interface VersionRecord {
  /** The schema's type, so a version read without its head still says what it is. */
  type: SchemaType;
  definition: string;
  messageType?: string;
  fingerprint: string;
  createdAt: number;
}

export const headKey = (name: string) => `${SCHEMAS_PREFIX}${name}`;
export const versionKey = (name: string, version: number) => `${SCHEMAS_PREFIX}${name}/${version}`;

/** What a metadata key names: a schema's head, one of its versions, or nothing of the registry. */
export type SchemaKey =
  | { kind: 'head'; name: string }
  | { kind: 'version'; name: string; version: number };

export function parseKey(key: string): SchemaKey | undefined {
  if (!key.startsWith(SCHEMAS_PREFIX)) return undefined;
  const [name, version, ...rest] = key.slice(SCHEMAS_PREFIX.length).split('/');
  if (name === undefined || name === '' || rest.length > 0) return undefined;
  if (version === undefined) return { kind: 'head', name };
  const n = Number(version);
  return Number.isSafeInteger(n) && n >= 1 ? { kind: 'version', name, version: n } : undefined;
}
