/**
 * Runs in Chromium: every conformance scenario through this package's connect, against the
 * harness that served the page (one broker, or two on a NATS JetStream cluster). The results
 * are left on `window` for the test to read.
 */
import {
  createContext,
  type Engine,
  runScenarios,
  type ScenarioResult,
} from '@ferry/conformance/scenarios';
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
  const config = (await response.json()) as { wsUrls: string[]; engine: Engine; token: string };
  // With two brokers (the JetStream harness), a scenario's clients are spread over both.
  const context = createContext({
    connect,
    url: config.wsUrls[0] as string,
    urls: config.wsUrls,
    engine: config.engine,
    token: config.token,
    controlUrl: location.origin,
  });
  window.ferryResults = await runScenarios(context);
} catch (error) {
  window.ferryFailure = error instanceof Error ? (error.stack ?? String(error)) : String(error);
}
