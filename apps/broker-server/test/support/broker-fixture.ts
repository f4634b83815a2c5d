import { afterEach } from 'vitest';
import {
  type BrokerProcess,
  removeDataDir,
  type StartOptions,
  startBroker,
} from './broker-process.js';
import { connectTcp, type RawClient } from './raw-client.js';
import { Requester } from './requester.js';

/**
 * Brokers and clients for one test file, all stopped (and their data
 * removed) after each test. `stopped` takes a broker out of that list, for a
 * test that stops it itself to restart on the same data directory.
 */
export function useBrokers() {
  const brokers: BrokerProcess[] = [];
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const b of brokers.splice(0)) {
      await b.stop();
      removeDataDir(b);
    }
  });
  return {
    async broker(options: StartOptions = {}): Promise<BrokerProcess> {
      const b = await startBroker(options);
      brokers.push(b);
      return b;
    },
    async stop(b: BrokerProcess): Promise<void> {
      brokers.splice(brokers.indexOf(b), 1);
      await b.stop();
    },
    /** A handshaken TCP client. */
    async connect(b: BrokerProcess): Promise<{ raw: RawClient; requests: Requester }> {
      const raw = await connectTcp(b.tcpPort);
      clients.push(raw);
      await raw.handshake();
      return { raw, requests: new Requester(raw) };
    },
    track(client: RawClient): void {
      clients.push(client);
    },
  };
}
