/**
 * Top self-time functions of a V8 CPU profile (as `--profile-broker` writes them), summed by
 * function and file, as a share of the samples when the process was not idle. `--last S` keeps
 * the samples of the profile's last S seconds, e.g. a scenario's timed part after its set-up.
 *
 *   pnpm --filter @ferry/bench profile-summary <file.cpuprofile> [--top N] [--last S]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  /** The node sampled each time, and the µs since the previous sample. */
  samples: number[];
  timeDeltas: number[];
}

/** Shortens a script URL to the package-relative part that names it. */
function shortUrl(url: string): string {
  if (url === '') return '';
  const afterModules = url.split('/node_modules/').pop() as string;
  return afterModules.replace(/^file:\/\/.*?\/(apps|packages|protocol-spec|tests)\//, '$1/');
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, last: { type: 'string' } },
});
const [file] = positionals;
if (file === undefined) {
  throw new Error('usage: profile-summary <file.cpuprofile> [--top N] [--last S]');
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const from = values.last === undefined ? -Infinity : profile.endTime - Number(values.last) * 1e6;

const keys = new Map<number, string>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '' : `${shortUrl(url)}:${lineNumber + 1}`;
  keys.set(node.id, `${functionName || '(anonymous)'}  ${where}`.trimEnd());
}
const selfHits = new Map<string, number>();
let total = 0;
let idle = 0;
let at = profile.startTime;
profile.samples.forEach((id, index) => {
  at += profile.timeDeltas[index] ?? 0;
  if (at < from) return;
  const key = keys.get(id) ?? '(unknown)';
  total += 1;
  if (key === '(idle)') idle += 1;
  else selfHits.set(key, (selfHits.get(key) ?? 0) + 1);
});
const busy = total - idle;
const seconds = (profile.endTime - Math.max(profile.startTime, from)) / 1e6;
const lines = [
  `${file}: ${total} samples over ${seconds.toFixed(1)} s, ${((idle / total) * 100).toFixed(1)}% idle`,
  'self % of busy  function  file:line',
];
const top = [...selfHits.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
for (const [key, hits] of top) {
  lines.push(`${((hits / busy) * 100).toFixed(1).padStart(6)}%  ${key}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
