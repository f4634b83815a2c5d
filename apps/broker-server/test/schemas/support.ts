import { FerryError } from '@ferry/protocol';
import { expect } from 'vitest';
import {
  type CompiledSchema,
  compileSchema,
  type SchemaSource,
} from '../../src/broker/schemas/compiled.js';

export const LIMITS = { maxDepth: 32 };

export function compile(source: SchemaSource, limits = LIMITS): CompiledSchema {
  return compileSchema(source, limits);
}

/** The SCHEMA_INVALID text `compileSchema` throws for `source`; fails the test on anything else. */
export function refusal(source: SchemaSource, limits = LIMITS): string {
  try {
    compileSchema(source, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('SCHEMA_INVALID');
    return (error as FerryError).message;
  }
  throw new Error('the definition compiled');
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
