import { describe, expect, it } from 'vitest';
import {
  attachedVersion,
  chosenVersion,
  prettyDefinition,
  shortFingerprint,
  versionsOf,
} from '../src/lib/schema-view.js';

describe('shortFingerprint', () => {
  it('keeps the algorithm and 12 hex digits', () => {
    expect(shortFingerprint(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababababab…');
  });

  it('leaves a short or unprefixed one readable', () => {
    expect(shortFingerprint('sha256:abc')).toBe('sha256:abc');
    expect(shortFingerprint('0123456789abcdef')).toBe('0123456789ab…');
  });
});

describe('prettyDefinition', () => {
  it('indents json and avro definitions', () => {
    expect(prettyDefinition('json', '{"type":"object","required":["id"]}')).toBe(
      '{\n  "type": "object",\n  "required": [\n    "id"\n  ]\n}',
    );
    expect(prettyDefinition('avro', '"long"')).toBe('"long"');
  });

  it('shows a .proto text, or JSON that does not parse, as registered', () => {
    const proto = 'syntax = "proto3";\nmessage A {}';
    expect(prettyDefinition('protobuf', proto)).toBe(proto);
    expect(prettyDefinition('json', '{ bad')).toBe('{ bad');
  });
});

describe('attachedVersion', () => {
  it('names a pinned version, or latest', () => {
    expect(attachedVersion({ version: 3 })).toBe('v3');
    expect(attachedVersion({})).toBe('latest');
  });
});

describe('versionsOf', () => {
  it('lists 1 to latest, newest first', () => {
    expect(versionsOf(3)).toEqual([3, 2, 1]);
    expect(versionsOf(0)).toEqual([]);
  });
});

describe('chosenVersion', () => {
  it('takes the version asked for when the schema has it', () => {
    expect(chosenVersion('2', 3)).toBe(2);
  });

  it('falls back to the latest without one, or for one it does not have', () => {
    for (const asked of [null, '', '0', '4', '1.5', 'x', '-1'])
      expect(chosenVersion(asked, 3)).toBe(3);
  });
});
