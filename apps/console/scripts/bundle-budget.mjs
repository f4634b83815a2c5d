// The console's download budget: what a browser fetches to show the first page (the script and
// the stylesheet, gzipped). Run after the build; fails when the bundle outgrows the budget.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_GZ_BYTES = 80 * 1024;
const assets = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'assets');
let total = 0;
for (const file of ['app.js', 'style.css']) {
  const bytes = readFileSync(join(assets, file));
  const gz = gzipSync(bytes, { level: 9 }).length;
  total += gz;
  console.log(
    `${file}: ${bytes.length.toLocaleString('en')} bytes min, ${gz.toLocaleString('en')} gz`,
  );
}
console.log(
  `@ferry/console: ${total.toLocaleString('en')} bytes gz in total (budget ${BUDGET_GZ_BYTES.toLocaleString('en')})`,
);
if (total > BUDGET_GZ_BYTES) {
  console.error('the console bundle is over its budget');
  process.exit(1);
}
