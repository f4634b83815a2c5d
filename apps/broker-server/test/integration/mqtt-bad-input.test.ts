/**
 * Bad MQTT input after CONNECT, over raw sockets: each closes that one connection (after a v5
 * DISCONNECT with the right reason code where the broker sends one), while another client,
 * connected before, keeps publishing and receiving.
 */
import { describe, it } from 'vitest';
import {
  BAD_CASES,
  type BadCase,
  closesOnlyItself,
  healthyClient,
} from '../support/mqtt-bad-input.js';
import { useMqtt } from '../support/mqtt-fixture.js';

const m = useMqtt();
const cases = BAD_CASES.filter((c) => c.connected);

describe('bad MQTT input after CONNECT closes that connection only', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => closesOnlyItself(m, c));

  it('many bad connections at once leave a connected client working', async () => {
    const b = await m.broker();
    const check = await healthyClient(m, b);
    const some = BAD_CASES.filter((c) =>
      /before CONNECT|continuation|second CONNECT|wildcard|QoS 3|reserved flags/.test(c.name),
    );
    const raws = await Promise.all(some.map((c) => m.raw(b, c.version)));
    await Promise.all(
      raws.map(async (raw, i) => {
        const c = some[i] as BadCase;
        if (c.connected) await raw.handshake({ clientId: `bad-${i}` });
        raw.write(c.bytes);
        await raw.waitClosed();
      }),
    );
    await check();
  });
});
