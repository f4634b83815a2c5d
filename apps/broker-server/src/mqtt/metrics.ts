/** What the MQTT adapter counts, with its label objects made once. */
import type { Counter, Gauge, Labels, Metrics } from '../metrics.js';

export type MqttTransportName = 'tcp' | 'ws';

const QOS_LABELS: readonly Labels[] = [{ qos: '0' }, { qos: '1' }, { qos: '2' }];
const TRANSPORT_LABELS: Record<MqttTransportName, Labels> = {
  tcp: { transport: 'tcp' },
  ws: { transport: 'ws' },
};

export class MqttMetrics {
  private readonly open: Gauge;
  private readonly opened: Counter;
  private readonly refusals: Counter;
  private readonly received: Counter;
  private readonly sent: Counter;
  readonly sessions: Gauge;
  readonly retained: Gauge;

  constructor(metrics: Metrics) {
    this.open = metrics.gauge('ferry_mqtt_connections', {
      help: 'MQTT connections open (CONNECT accepted)',
      labelNames: ['transport'],
    });
    this.opened = metrics.counter('ferry_mqtt_connections_total', {
      help: 'MQTT connections accepted since start',
      labelNames: ['transport'],
    });
    this.refusals = metrics.counter('ferry_mqtt_refused_total', {
      help: 'MQTT connections refused or closed for a reason of the broker (auth, limits, bad packets, keep-alive, takeover)',
      labelNames: ['reason'],
    });
    this.received = metrics.counter('ferry_mqtt_messages_received_total', {
      help: 'PUBLISH packets received from MQTT clients and stored',
      labelNames: ['qos'],
    });
    this.sent = metrics.counter('ferry_mqtt_messages_sent_total', {
      help: 'PUBLISH packets sent to MQTT clients',
      labelNames: ['qos'],
    });
    this.sessions = metrics.gauge('ferry_mqtt_sessions', {
      help: 'Persistent MQTT sessions kept, connected or not',
    });
    this.retained = metrics.gauge('ferry_mqtt_retained', { help: 'Retained MQTT messages kept' });
  }

  connected(transport: MqttTransportName): void {
    this.open.inc(TRANSPORT_LABELS[transport]);
    this.opened.inc(TRANSPORT_LABELS[transport]);
  }

  disconnected(transport: MqttTransportName): void {
    this.open.dec(TRANSPORT_LABELS[transport]);
  }

  refused(reason: string): void {
    this.refusals.inc({ reason });
  }

  receivedOne(qos: number): void {
    this.received.inc(QOS_LABELS[qos]);
  }

  sentOne(qos: number): void {
    this.sent.inc(QOS_LABELS[qos]);
  }
}
