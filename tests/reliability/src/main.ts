/**
 * pnpm reliability [--full] [--only <name>]... [--seed <n>] [--json]
 *
 * Runs the scenarios (the short versions unless --full), prints each report's figures, and
 * exits non-zero when any report has a failure. Every scenario runs under a time bound.
 */
import { parseArgs } from 'node:util';
import { killAll } from './broker.js';
import { formatReport } from './format.js';
import { run as fuzz } from './fuzz.js';
import { run as hostile } from './hostile.js';
import { run as jetstreamFaults, runPause as jetstreamPause } from './jetstream-faults.js';
import { run as kill9 } from './kill9.js';
import { run as mqttKill9 } from './mqtt-kill9.js';
import { run as powerLoss } from './power-loss.js';
import type { Report, Scenario } from './report.js';
import { run as slowConsumer } from './slow-consumer.js';
import { run as soak } from './soak.js';
import { within } from './time.js';

const scenarios: Record<string, Scenario> = {
  kill9,
  'mqtt-kill9': mqttKill9,
  'power-loss': powerLoss,
  'slow-consumer': slowConsumer,
  soak,
  fuzz,
  hostile,
  'jetstream-faults': jetstreamFaults,
  'jetstream-pause': jetstreamPause,
};

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const full = values.full ?? false;
const names = values.only?.flatMap((n) => n.split(',')) ?? Object.keys(scenarios);
const unknown = names.filter((n) => !(n in scenarios));
if (unknown.length > 0) {
  console.error(
    `unknown scenario ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`,
  );
  process.exit(2);
}
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isSafeInteger(seed)) {
  console.error(`--seed takes an integer, not ${values.seed}`);
  process.exit(2);
}
const limitMs = (full ? 20 : 5) * 60_000;
const log = (line: string) => console.error(line);

process.once('SIGINT', () => void killAll().then(() => process.exit(130)));
// An error thrown outside a scenario's promise must not leave its brokers running.
for (const event of ['uncaughtException', 'unhandledRejection'] as const)
  process.once(event, (error: unknown) => {
    console.error(error);
    void killAll().then(() => process.exit(1));
  });

const reports: Report[] = [];
for (const name of names) {
  const scenario = scenarios[name] as Scenario;
  const started = Date.now();
  let report: Report;
  let completed = true;
  try {
    report = await within(scenario({ full, seed, log }), limitMs, name);
  } catch (error) {
    completed = false;
    report = { name, figures: {}, failures: [`did not complete: ${String(error)}`] };
  }
  report.figures = {
    ...report.figures,
    seed,
    runSeconds: Math.round((Date.now() - started) / 1000),
  };
  reports.push(report);
  if (!values.json) console.log(`\n${formatReport(report)}`);
  // What did not complete may still hold brokers and timers: the rest would not be measured fairly.
  if (!completed) break;
}
if (values.json) console.log(JSON.stringify(reports, null, 2));
await killAll();
process.exit(reports.some((r) => r.failures.length > 0) ? 1 : 0);
