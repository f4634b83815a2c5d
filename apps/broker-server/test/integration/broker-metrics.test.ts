/**
 * The metrics slice, driven through a broker started in this process with a recording
 * registry: every layer counts what passes through it (connections and frames in the protocol
 * adapter, produce and settlements in the domain, fdatasyncs in the file engine).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../../src/start.js';
import { Deliveries } from '../support/deliveries.js';
import { connectTcp } from '../support/raw-client.js';
import { RecordingMetrics } from '../support/recording-metrics.js';
import { expectType, Requester } from '../support/requester.js';
import { testConfig } from '../support/test-config.js';

describe('broker metrics', () => {
  it('counts produced and duplicate messages, deliveries, settlements and fdatasyncs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ferry-metrics-'));
    const metrics = new RecordingMetrics();
    const broker = await startBroker(testConfig({ dataDir }), pino({ level: 'silent' }), {
      metrics,
    });
    try {
      const client = await connectTcp(broker.tcpPort);
      await client.handshake();
      const r = new Requester(client);
      const payload = new Uint8Array([1]);
      expectType(
        await r.request({
          type: 'produce',
          station: 'm',
          messages: [{ payload, msgId: 'x' }, { payload }, { payload, msgId: 'x' }],
        }),
        'produceAck',
      );
      expect(metrics.value('ferry_messages_produced_total', { station: 'm' })).toBe(2);
      expect(metrics.value('ferry_messages_duplicate_total', { station: 'm' })).toBe(1);
      expect(
        metrics.observations('ferry_storage_fsync_seconds', { log: 'partition' }).length,
      ).toBeGreaterThan(0);

      expectType(
        await r.request({
          type: 'subscribe',
          sid: 1,
          station: 'm',
          group: 'g',
          options: { start: { kind: 'earliest' }, credit: 10 },
        }),
        'subscribed',
      );
      const [first, second] = await new Deliveries(r).take(1, 2);
      const ref = (m: typeof first) => ({ partition: m?.partition ?? 0, offset: m?.offset ?? 0 });
      expectType(await r.request({ type: 'ack', sid: 1, refs: [ref(first)] }), 'ok');
      expectType(await r.request({ type: 'nack', sid: 1, refs: [ref(second)] }), 'ok');
      const group = { station: 'm', group: 'g' };
      expect(metrics.value('ferry_messages_delivered_total', group)).toBeGreaterThanOrEqual(2);
      expect(metrics.value('ferry_messages_settled_total', { ...group, outcome: 'ack' })).toBe(1);
      expect(metrics.value('ferry_messages_settled_total', { ...group, outcome: 'nack' })).toBe(1);
      expect(metrics.value('ferry_frames_received_total', { type: 'produce' })).toBe(1);
    } finally {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
