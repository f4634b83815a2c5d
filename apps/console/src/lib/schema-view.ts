/** How the console writes schemas, their versions and attachments. Pure, so unit-tested. */
import type { SchemaAttachment, SchemaType } from '@ferry/browser';

/** `sha256:` and the first 12 hex digits: enough to tell versions apart at a glance. */
export function shortFingerprint(fingerprint: string): string {
  const [algorithm, hex] = fingerprint.includes(':')
    ? (fingerprint.split(':', 2) as [string, string])
    : ['', fingerprint];
  const short = hex.length > 12 ? `${hex.slice(0, 12)}…` : hex;
  return algorithm === '' ? short : `${algorithm}:${short}`;
}

/**
 * A definition to read: JSON (json and avro schemas) indented by two spaces; a .proto text, or
 * JSON that does not parse, as it was registered.
 */
export function prettyDefinition(type: SchemaType, definition: string): string {
  if (type === 'protobuf') return definition;
  try {
    return JSON.stringify(JSON.parse(definition), null, 2);
  } catch {
    return definition;
  }
}

/** The version an attachment validates against: "v3", or "latest" when it follows the schema. */
export function attachedVersion(attachment: Pick<SchemaAttachment, 'version'>): string {
  return attachment.version === undefined ? 'latest' : `v${attachment.version}`;
}

/** A schema's version numbers, newest first (versions are numbered from 1 and never removed). */
export function versionsOf(latest: number): number[] {
  return Array.from({ length: Math.max(0, latest) }, (_, i) => latest - i);
}

/** The version a page shows: the one asked for when it exists, else the latest. */
export function chosenVersion(asked: string | null, latest: number): number {
  const n = Number(asked);
  return asked !== null && Number.isSafeInteger(n) && n >= 1 && n <= latest ? n : latest;
}
