/** The busy and error state of a form's submit: one place for what every dialog repeated. */
import { useState } from 'preact/hooks';

export interface Action {
  /** True while `run`'s work is under way: the submit button is disabled meanwhile. */
  busy: boolean;
  /** What the last run or `fail` reported, until the next run. */
  error: unknown;
  /** Runs the work, keeping what it throws as `error` (the form stays open to show it). */
  run: (work: () => Promise<unknown>) => Promise<void>;
  /** Reports an error found before any work, e.g. a field that does not parse. */
  fail: (error: unknown) => void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, fail: (err) => setError(err) };
}
