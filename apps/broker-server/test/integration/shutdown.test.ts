import { describe, expect, it } from 'vitest';
import { removeDataDir, startBroker } from '../support/broker-process.js';
import { connectTcp } from '../support/raw-client.js';
import { Requester } from '../support/requester.js';

describe('SIGTERM', () => {
  it('tells connected clients it is going away, finishes, and exits 0 with the data intact', async () => {
    // Clients that stay after goingAway are closed when the grace period ends.
    const broker = await startBroker({ args: ['--shutdown-grace-ms', '300'] });
    const client = await connectTcp(broker.tcpPort);
    await client.handshake();
    const requests = new Requester(client);
    const ack = await requests.request({
      type: 'produce',
      station: 's',
      messages: [{ payload: new Uint8Array([1]) }],
    });
    expect(ack.type).toBe('produceAck');
    const exit = broker.stop();
    await client.closed;
    expect(requests.unsolicited.map((f) => f.type)).toContain('goingAway');
    expect(await exit).toBe(0);
    const again = await startBroker({
      dataDir: broker.dataDir,
      args: ['--shutdown-grace-ms', '300'],
    });
    const reconnected = await connectTcp(again.tcpPort);
    await reconnected.handshake();
    const info = await new Requester(reconnected).request({ type: 'stationInfo', name: 's' });
    expect(info.type === 'station' && info.info.partitions[0]?.nextOffset).toBe(1);
    await again.stop();
    removeDataDir(again);
  });
});
