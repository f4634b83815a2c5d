/**
 * What the connection layer counts: connections, refusals, frames and bytes each way, failed
 * handshakes, slow consumers cut off, the outbound bytes of all connections. One instance per
 * listener asks for its instruments once and keeps its label objects, so that counting a frame
 * allocates nothing.
 */
import type { ErrorCode } from '@ferry/protocol';
import type { Counter, Gauge, Labels, Metrics } from '../metrics.js';
import type { Refusal } from './admission.js';
import type { OutboundBudget } from './outbound-budget.js';

/** Why a socket was turned away: one of the connection caps, or a WebSocket origin. */
export type RefusalReason = Refusal['reason'] | 'origin';

/**
 * Why a TLS handshake failed [SEC-7]: it did not finish in time, a certificate was missing or
 * not trusted, or anything else (plain bytes, a version below TLS 1.2, a peer that hung up).
 */
export type TlsFailure = 'timeout' | 'certificate' | 'protocol';

/** Frames whose body did not decode, counted under this type. */
export const INVALID_FRAME_TYPE = 'invalid';

/** The label objects of one label, made once per value. */
class LabelCache {
  private readonly byValue = new Map<string, Labels>();

  constructor(private readonly name: string) {}

  get(value: string): Labels {
    let labels = this.byValue.get(value);
    if (labels === undefined) {
      labels = { [this.name]: value };
      this.byValue.set(value, labels);
    }
    return labels;
  }
}

export class ConnectionMetrics {
  private readonly open: Gauge;
  private readonly accepted: Counter;
  private readonly refusedTotal: Counter;
  private readonly framesReceived: Counter;
  private readonly framesSent: Counter;
  private readonly bytesReceived: Counter;
  private readonly bytesSent: Counter;
  private readonly handshakeFailures: Counter;
  private readonly slowConsumers: Counter;
  private readonly tlsFailures: Counter;
  private readonly transport: Labels;
  private readonly tlsReasons = new Map<TlsFailure, Labels>();
  private readonly refusals = new Map<RefusalReason, Labels>();
  private readonly frameTypes = new LabelCache('type');
  private readonly codes = new LabelCache('code');

  constructor(
    metrics: Metrics,
    private readonly transportName: 'tcp' | 'ws',
  ) {
    const byTransport = ['transport'];
    this.open = metrics.gauge('ferry_connections', {
      help: 'Protocol connections open',
      labelNames: byTransport,
    });
    this.accepted = metrics.counter('ferry_connections_accepted_total', {
      help: 'Protocol connections accepted',
      labelNames: byTransport,
    });
    this.refusedTotal = metrics.counter('ferry_connections_refused_total', {
      help: 'Sockets refused at a connection cap, or WebSocket upgrades refused for their origin',
      labelNames: ['transport', 'reason'],
    });
    this.framesReceived = metrics.counter('ferry_frames_received_total', {
      help: 'Frames received from clients, by frame type',
      labelNames: ['type'],
    });
    this.framesSent = metrics.counter('ferry_frames_sent_total', {
      help: 'Frames queued for clients, by frame type',
      labelNames: ['type'],
    });
    this.bytesReceived = metrics.counter('ferry_received_bytes_total', {
      help: 'Frame body bytes received from clients',
      labelNames: byTransport,
    });
    this.bytesSent = metrics.counter('ferry_sent_bytes_total', {
      help: 'Frame body bytes queued for clients',
      labelNames: byTransport,
    });
    this.handshakeFailures = metrics.counter('ferry_handshake_failures_total', {
      help: 'Connections closed before welcome, by error code',
      labelNames: ['code'],
    });
    this.slowConsumers = metrics.counter('ferry_slow_consumer_disconnects_total', {
      help: 'Connections cut off with SLOW_CONSUMER: past their outbound bound, or not reading for stallTimeoutMs',
      labelNames: byTransport,
    });
    this.tlsFailures = metrics.counter('ferry_tls_handshake_failures_total', {
      help: 'TLS handshakes that failed: by reason: timeout, certificate (missing or not trusted) or protocol (not TLS 1.2 or later, or cut short)',
      labelNames: ['transport', 'reason'],
    });
    this.transport = { transport: transportName };
  }

  opened(): void {
    this.accepted.inc(this.transport);
    this.open.inc(this.transport);
  }

  closed(): void {
    this.open.dec(this.transport);
  }

  refused(reason: RefusalReason): void {
    let labels = this.refusals.get(reason);
    if (labels === undefined) {
      labels = { transport: this.transportName, reason };
      this.refusals.set(reason, labels);
    }
    this.refusedTotal.inc(labels);
  }

  /** One frame body in, before it is decoded. */
  receivedBytes(bytes: number): void {
    this.bytesReceived.inc(this.transport, bytes);
  }

  /** One frame in, by its type once decoded ({@link INVALID_FRAME_TYPE} if it did not decode). */
  receivedFrame(type: string): void {
    this.framesReceived.inc(this.frameTypes.get(type));
  }

  sent(type: string, bytes: number): void {
    this.framesSent.inc(this.frameTypes.get(type));
    this.bytesSent.inc(this.transport, bytes);
  }

  handshakeFailed(code: ErrorCode): void {
    this.handshakeFailures.inc(this.codes.get(code));
  }

  /** A TLS handshake failed; one that timed out is also a HANDSHAKE_TIMEOUT handshake failure. */
  tlsHandshakeFailed(reason: TlsFailure): void {
    let labels = this.tlsReasons.get(reason);
    if (labels === undefined) {
      labels = { transport: this.transportName, reason };
      this.tlsReasons.set(reason, labels);
    }
    this.tlsFailures.inc(labels);
    if (reason === 'timeout') this.handshakeFailed('HANDSHAKE_TIMEOUT');
  }

  slowConsumer(): void {
    this.slowConsumers.inc(this.transport);
  }
}

/** The outbound bytes of all connections, read from the budget that already sums them at each scrape. */
export function countOutboundBytes(metrics: Metrics, budget: OutboundBudget): void {
  const buffered = metrics.gauge('ferry_outbound_buffered_bytes', {
    help: 'Bytes queued to clients and not yet sent, all connections together (what --max-outbound-bytes-total bounds)',
    collected: true,
  });
  metrics.onScrape(() => buffered.inc(undefined, budget.bytes));
}
