import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, spec } from './spec-loader.js';

/** The areas whose rules this package implements; the broker and the SDKs test the others. */
const AREAS = new Set(['framing', 'encoding']);
const WORKSPACE_ROOT = join(PACKAGE_ROOT, '..');
/** Where the workspace keeps its tests: each package's `test/`, and the shared suites' sources. */
const TEST_ROOTS = ['apps', 'packages', 'tests'];

/** The text of every TypeScript file below `dir`, skipping dependencies and build output. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

/** Test files and scenario lists of the workspace's packages, apps and shared suites. */
function workspaceTests(): string {
  return TEST_ROOTS.flatMap((root) =>
    readdirSync(join(WORKSPACE_ROOT, root), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => {
        const base = join(WORKSPACE_ROOT, root, entry.name);
        return ['test', 'src'].flatMap((sub) => {
          if (root !== 'tests' && sub === 'src') return [];
          try {
            return sources(join(base, sub));
          } catch {
            return [];
          }
        });
      }),
  ).join('\n');
}

const untested = (rules: typeof spec.rules, tests: string) =>
  rules.filter((r) => !tests.includes(`[${r.id}]`)).map((r) => r.id);

describe('spec rules', () => {
  it('every framing and encoding rule is named by a test of this package', () => {
    const dir = join(PACKAGE_ROOT, 'test');
    const tests = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts') && f !== 'rules.test.ts')
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    expect(
      untested(
        spec.rules.filter((r) => AREAS.has(r.area)),
        tests,
      ),
    ).toEqual([]);
  });

  it('every other rule is named by a test of the broker, an SDK or a shared suite', () => {
    const others = spec.rules.filter((r) => !AREAS.has(r.area));
    expect(untested(others, workspaceTests())).toEqual([]);
  });
});
