import { formatReport } from '../src/format.js';
import type { Report, Scenario } from '../src/report.js';

/** Runs the short version with a fresh seed and prints the figures, so CI logs show them. */
export async function shortRun(scenario: Scenario): Promise<Report> {
  const seed = Date.now() % 2 ** 31;
  const report = await scenario({ full: false, seed, log: () => {} });
  report.figures.seed = seed;
  console.log(formatReport(report));
  return report;
}
