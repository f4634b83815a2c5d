/**
 * spec/protocol.yaml -> src/gen/*.ts, docs/PROTOCOL.md, spec/vectors.json.
 * Output depends only on the spec, so regenerating an unchanged spec changes
 * nothing (CI checks that with git status).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './files.js';
import { loadSpec } from './spec.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const spec = loadSpec(join(root, 'spec/protocol.yaml'), join(root, 'spec/protocol.schema.json'));
const files = generatedFiles(spec);
for (const [path, text] of Object.entries(files)) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}
console.log(
  `generated ${Object.keys(files).length} files from spec/protocol.yaml (protocol version ${spec.version})`,
);
