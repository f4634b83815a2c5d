import { describe, expect, it } from 'vitest';
import {
  groupLabel,
  isSchemaRefusal,
  resendKind,
  resentText,
} from '../src/lib/schema-dead-letters.js';

describe('the schema’s dead letters', () => {
  it('are those of group $schema, labelled as refused by the schema', () => {
    expect(isSchemaRefusal('$schema')).toBe(true);
    expect(isSchemaRefusal('schema')).toBe(false);
    expect(groupLabel('$schema')).toBe('refused by the schema');
    expect(groupLabel('billing')).toBe('billing');
  });
});

describe('resendKind', () => {
  it('tells consumer groups, the schema, or both', () => {
    expect(resendKind(['billing', 'audit'])).toBe('groups');
    expect(resendKind(['$schema'])).toBe('schema');
    expect(resendKind(new Set(['$schema', 'billing']))).toBe('both');
    expect(resendKind([])).toBe('groups');
  });
});

describe('resentText', () => {
  it('says resent entries leave once acknowledged', () => {
    expect(resentText('groups', 2, 2)).toBe(
      'Resent 2 entries; each leaves the store once its message is acknowledged.',
    );
  });

  it('counts what the schema refused again apart (SCHEMA-10)', () => {
    expect(resentText('schema', 1, 1)).toBe(
      'Produced 1 entry again through the schema and stored.',
    );
    expect(resentText('schema', 1, 3)).toBe(
      'Produced 1 entry again through the schema and stored. 2 entries failed the schema again and stayed in the store.',
    );
    expect(resentText('schema', 0, 1)).toBe(
      '1 entry failed the schema again and stayed in the store.',
    );
    expect(resentText('both', 3, 4)).toMatch(
      /through the schema\. 1 entry failed the schema again/,
    );
  });
});
