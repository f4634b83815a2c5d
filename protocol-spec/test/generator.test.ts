import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generatedFiles } from '../tools/files.js';
import { checkSpec, type Spec } from '../tools/spec.js';
import { PACKAGE_ROOT, SCHEMA_PATH, SPEC_PATH, spec } from './spec-loader.js';

const rawSpec = () => parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;

describe('the generator', () => {
  it('is deterministic', () => {
    expect(generatedFiles(spec)).toEqual(generatedFiles(checkSpec(rawSpec(), SCHEMA_PATH)));
  });

  it('matches the committed generated files (no drift)', () => {
    for (const [path, text] of Object.entries(generatedFiles(spec))) {
      expect(readFileSync(join(PACKAGE_ROOT, path), 'utf8'), path).toBe(text);
    }
  });

  it('takes the types from the spec: a field type change changes the TS types and the vectors', () => {
    const changed = rawSpec();
    const ping = changed.frames.find((f) => f.name === 'ping');
    const id = ping?.fields.find((f) => f.name === 'id');
    if (id === undefined || ping === undefined) throw new Error('ping.id not in the spec');
    id.type = 'string';
    id.maxBytes = 'maxNameBytes';
    ping.examples = [{ type: 'ping', id: 'seven' }];
    const before = generatedFiles(spec);
    const after = generatedFiles(checkSpec(changed, SCHEMA_PATH));
    expect(before['src/gen/types.ts']).toMatch(/interface PingFrame \{[^}]*id: number;/);
    expect(after['src/gen/types.ts']).toMatch(/interface PingFrame \{[^}]*id: string;/);
    expect(after['src/gen/codec.ts']).toContain("id: str(a[1], l.maxNameBytes, p, 'id')");
    const pingVector = (files: Record<string, string>) =>
      (
        JSON.parse(files['spec/vectors.json'] ?? '{}') as {
          valid: { frame: string; hex: string }[];
        }
      ).valid.find((v) => v.frame === 'ping')?.hex;
    expect(pingVector(before)).toBe('920307');
    expect(pingVector(after)).toBe('9203a5736576656e');
  });

  it('refuses a spec that breaks its schema', () => {
    const broken = rawSpec() as unknown as { frames: { code: unknown }[] };
    (broken.frames[0] as { code: unknown }).code = 'one';
    expect(() => checkSpec(broken, SCHEMA_PATH)).toThrow(/does not match its schema/);
  });

  it('refuses a spec with a dangling reference or a reused code', () => {
    const dangling = rawSpec();
    (dangling.frames[0]?.fields[0] as { type: string }).type = 'NoSuchType';
    expect(() => checkSpec(dangling, SCHEMA_PATH)).toThrow(/unknown type NoSuchType/);
    const reused = rawSpec();
    (reused.frames[1] as { code: number }).code = reused.frames[0]?.code ?? 0;
    expect(() => checkSpec(reused, SCHEMA_PATH)).toThrow(/duplicate frame code/);
  });
});
