/**
 * Bundles what a browser app gets from `@ferry/browser` the way an app bundler would, and
 * fails when the minified, gzipped size passes the budget or a Node built-in sneaks into the
 * import graph (it would break every browser build). Writes nothing.
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const BUDGET_BYTES = 28.5 * 1024;
const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const builtins = new Set(builtinModules);
const isBuiltin = (path) => path.startsWith('node:') || builtins.has(path.split('/')[0]);

const result = await build({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [
    {
      // Left external so the check below can name the importer instead of esbuild failing.
      name: 'node-builtins',
      setup(b) {
        b.onResolve({ filter: /.*/ }, ({ path }) =>
          isBuiltin(path) ? { path, external: true } : undefined,
        );
      },
    },
  ],
});

const problems = [];
for (const [input, { imports }] of Object.entries(result.metafile.inputs)) {
  for (const { path } of imports) {
    if (isBuiltin(path)) problems.push(`${input} imports the Node built-in ${path}`);
  }
}

const minified = result.outputFiles[0].contents;
const gzipped = gzipSync(minified, { level: 9 });
const format = (n) => n.toLocaleString('en-US');
console.log(
  `@ferry/browser bundle: ${format(minified.byteLength)} bytes min, ${format(gzipped.byteLength)} bytes min+gz (budget ${format(BUDGET_BYTES)})`,
);
if (gzipped.byteLength > BUDGET_BYTES) {
  problems.push(`min+gz is ${format(gzipped.byteLength - BUDGET_BYTES)} bytes over the budget`);
}
for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exitCode = 1;
