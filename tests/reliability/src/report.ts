/** What every scenario returns, and what it is given. */

export interface Report {
  name: string;
  figures: Record<string, number | string>;
  /** Empty when every property held. */
  failures: string[];
}

export interface RunOptions {
  /** The long version (the release check) instead of the short one (CI). */
  full: boolean;
  /** Seeds the scenario's random choices, so a failing run can be replayed. */
  seed: number;
  /** Progress lines; the figures are in the report. */
  log: (line: string) => void;
}

export type Scenario = (options: RunOptions) => Promise<Report>;
