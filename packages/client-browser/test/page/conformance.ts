/**
 * Runs in Chromium: every conformance scenario through this package's connect, against the
 * harness that served the page. The results are left on `window` for the test to read.
 */
import { createContext, runScenarios, type ScenarioResult } from '@ferry/conformance/scenarios';
import { connect } from '../../src/index.js';

declare global {
  interface Window {
    ferryResults?: ScenarioResult[];
    /** Set instead when the run itself broke, not a scenario. */
    ferryFailure?: string;
  }
}

try {
  const response = await fetch('/config');
  const config = (await response.json()) as { wsUrl: string; token: string };
  const context = createContext({
    connect,
    url: config.wsUrl,
    token: config.token,
    controlUrl: location.origin,
  });
  window.ferryResults = await runScenarios(context);
} catch (error) {
  window.ferryFailure = error instanceof Error ? (error.stack ?? String(error)) : String(error);
}
