import protobuf from 'protobufjs';
import { messageFieldTypes } from './protobuf-depth.js';

/**
 * The first reason `reader` cannot read everything written with `writer` (SCHEMA-3), or undefined.
 * Walks the writer's message type and every message type it reaches through fields. A field must
 * keep its number with the same declared type (the same scalar, or the enum or message of the same
 * full name) and the same label, or have its number or name reserved. Types that share a wire
 * encoding (int32 and uint32, string and bytes, ...) are not taken as compatible: they decode some
 * data to other values, and a reader must never misread silently.
 */
export function protobufBackwardBreak(
  readerRoot: protobuf.Root,
  readerMessage: protobuf.Type,
  writerMessage: protobuf.Type,
): string | undefined {
  if (nameOf(readerMessage) !== nameOf(writerMessage)) {
    return `the message type changed from ${nameOf(writerMessage)} to ${nameOf(readerMessage)}`;
  }
  const seen = new Set([writerMessage]);
  const pending = [writerMessage];
  for (let writer = pending.pop(); writer !== undefined; writer = pending.pop()) {
    const reader = readerRoot.lookup(writer.fullName);
    if (!(reader instanceof protobuf.Type)) return `message type ${nameOf(writer)} is missing`;
    const broken = typeBreak(reader, writer);
    if (broken !== undefined) return broken;
    for (const reached of messageFieldTypes(writer)) {
      if (!seen.has(reached)) {
        seen.add(reached);
        pending.push(reached);
      }
    }
  }
  return undefined;
}

function typeBreak(reader: protobuf.Type, writer: protobuf.Type): string | undefined {
  const where = nameOf(writer);
  for (const field of writer.fieldsArray) {
    const kept = reader.fieldsById[field.id];
    if (kept === undefined) {
      if (reader.isReservedId(field.id) || reader.isReservedName(field.name)) continue;
      return `field ${field.id} (${field.name}) of ${where} was removed without reserving its number`;
    }
    const was = typeOf(field);
    const is = typeOf(kept);
    if (was !== is)
      return `field ${field.id} (${field.name}) of ${where} changed from ${was} to ${is}`;
  }
  for (const field of reader.fieldsArray) {
    // A proto2 required field the writer need not write makes the reader refuse its data.
    if (field.required && writer.fieldsById[field.id]?.required !== true) {
      return `field ${field.id} (${field.name}) of ${where} is required, and the previous version does not require it`;
    }
  }
  return undefined;
}

function typeOf(field: protobuf.Field): string {
  const value = field.resolvedType === null ? field.type : nameOf(field.resolvedType);
  if (field instanceof protobuf.MapField) return `map<${field.keyType}, ${value}>`;
  return field.repeated ? `repeated ${value}` : value;
}

function nameOf(object: protobuf.ReflectionObject): string {
  return object.fullName.replace(/^\./, '');
}
