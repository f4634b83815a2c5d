import type { Server } from 'node:net';
import { CLOSE_LINGER_MS } from './connection.js';
import type { ServerLogger } from './context.js';

export interface Listening {
  port: number;
  close(): Promise<void>;
}

/**
 * Starts `server` on host:port. `close` stops accepting, runs `beforeClose`,
 * and destroys the sockets `stragglers` returns if they outlive the linger time.
 */
export function listen(
  server: Server,
  name: string,
  host: string,
  port: number,
  log: ServerLogger,
  beforeClose: () => void,
  stragglers: () => Iterable<{ destroy(): void }>,
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      // Accept failures (EMFILE, say) must not take the broker down.
      server.on('error', (err) => log.error({ err }, `${name} listener error`));
      const bound = (server.address() as { port: number }).port;
      log.info({ host, port: bound }, `${name} listening`);
      resolve({
        port: bound,
        close: async () => {
          const closed = new Promise<void>((done) => server.close(() => done()));
          beforeClose();
          const straggle = setTimeout(() => {
            for (const socket of stragglers()) socket.destroy();
          }, CLOSE_LINGER_MS);
          await closed;
          clearTimeout(straggle);
        },
      });
    });
  });
}
