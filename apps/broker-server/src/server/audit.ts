/**
 * The audit trail: administrative requests, denials and failed authentications, each one log
 * record (`audit: true`) and one count by action and outcome. [SEC-8]
 */
import type { Counter, Labels, Metrics } from '../metrics.js';
import type { ServerLogger } from './context.js';

export interface AuditEvent {
  /** The request's frame type, or `authenticate` / `reauthenticate`. */
  action: string;
  /** ok, or the error code it was answered with. */
  outcome: string;
  principal: string | undefined;
  remote: string | undefined;
  conn: string;
  transport: string;
  /** The station (and group, dead-letter ids) the action was on. */
  target?: Record<string, unknown>;
  /** What the outcome's message said, or why authentication failed. */
  detail?: string;
  /** Records of this connection left out of the log since the last one (still counted). */
  suppressed?: number;
}

export class Audit {
  private readonly events: Counter;
  private readonly labels = new Map<string, Labels>();

  constructor(
    private readonly log: ServerLogger,
    metrics: Metrics,
  ) {
    this.events = metrics.counter('ferry_audit_events_total', {
      help: 'Audited events: administrative requests, denials and failed authentications, by action and outcome',
      labelNames: ['action', 'outcome'],
    });
  }

  record(event: AuditEvent): void {
    this.count(event.action, event.outcome);
    const ok = event.outcome === 'ok';
    (ok ? this.log.info : this.log.warn).call(this.log, { audit: true, ...event }, 'audit');
  }

  /** Counts an event whose record is left out of the log. */
  count(action: string, outcome: string): void {
    const key = `${action}\u0000${outcome}`;
    let labels = this.labels.get(key);
    if (labels === undefined) {
      labels = { action, outcome };
      this.labels.set(key, labels);
    }
    this.events.inc(labels);
  }
}
