import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, spec } from './spec-loader.js';

/** The areas whose rules this package implements; the broker tests the others. */
const AREAS = new Set(['framing', 'encoding']);

describe('spec rules', () => {
  it('every framing and encoding rule is named by a test of this package', () => {
    const dir = join(PACKAGE_ROOT, 'test');
    const tests = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts') && f !== 'rules.test.ts')
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    const untested = spec.rules
      .filter((r) => AREAS.has(r.area) && !tests.includes(`[${r.id}]`))
      .map((r) => r.id);
    expect(untested).toEqual([]);
  });
});
