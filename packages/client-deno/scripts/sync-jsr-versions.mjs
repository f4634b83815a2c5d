// Copies each JSR member's npm version into its deno.json, so JSR and npm releases cannot
// drift apart; `pnpm version-packages` runs it after `changeset version`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

for (const member of readJson(join(root, 'deno.json')).workspace) {
  const denoPath = join(root, member, 'deno.json');
  const deno = readJson(denoPath);
  const { version } = readJson(join(root, member, 'package.json'));
  if (deno.version !== version) {
    deno.version = version;
    writeFileSync(denoPath, `${JSON.stringify(deno, null, 2)}\n`);
    console.log(`${deno.name}: ${version}`);
  }
}
