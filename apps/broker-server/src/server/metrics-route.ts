/** GET /metrics: the Prometheus text exposition of the broker's instruments. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Exposition } from '../metrics.js';
import type { ServerLogger } from './context.js';

export const METRICS_PATH = '/metrics';

export function serveMetrics(
  exposition: Exposition,
  log: ServerLogger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    exposition.scrape().then(
      (text) => {
        res.writeHead(200, { 'content-type': exposition.contentType });
        res.end(text);
      },
      (err: unknown) => {
        log.error({ err }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('metrics scrape failed\n');
      },
    );
  };
}
