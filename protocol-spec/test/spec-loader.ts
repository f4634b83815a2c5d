import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec } from '../tools/spec.js';

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_PATH = join(PACKAGE_ROOT, 'spec/protocol.yaml');
export const SCHEMA_PATH = join(PACKAGE_ROOT, 'spec/protocol.schema.json');
export const spec = loadSpec(SPEC_PATH, SCHEMA_PATH);
