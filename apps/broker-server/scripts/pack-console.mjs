// Before `pnpm pack` or a publish: copies the built web console (apps/console/dist) into
// console/, where the broker looks for it once installed (src/server/console-dir.ts). The
// broker cannot depend on the console package, so its build is not run from here.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, '..', 'console', 'dist');
const packed = join(root, 'console');

// A release without its console would answer 404 at /console: refuse to pack one.
if (!existsSync(join(built, 'index.html'))) {
  console.error(`pack-console: ${built} has no index.html: run pnpm build first`);
  process.exit(1);
}
rmSync(packed, { recursive: true, force: true });
cpSync(built, packed, { recursive: true });
console.log('pack-console: copied the built console into console/');
