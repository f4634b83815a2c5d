/**
 * Names on NATS of what a station keeps there. Stream, consumer and subject names may not hold
 * '.', '*', '>' or whitespace, so station and group names go through `token`; each station's
 * streams are named by an id drawn when it is created, so a name deleted and created again never
 * meets streams left from before, and stream names stay short whatever the station is called.
 */

/** A station or group name as one NATS token: '_' becomes '__' and '.' becomes '_d' (reversible). */
export function token(name: string): string {
  return name.replace(/_/g, '__').replace(/\./g, '_d');
}

/** The inverse of `token`. */
export function fromToken(t: string): string {
  return t.replace(/_(_|d)/g, (_m, c: string) => (c === '_' ? '_' : '.'));
}

/** Where one station lives: the engine's prefix and the station's id. */
export class StationNames {
  constructor(
    readonly prefix: string,
    readonly id: string,
  ) {}

  partitionStream(partition: number): string {
    return `${this.prefix}_${this.id}_${partition}`;
  }

  partitionSubject(partition: number): string {
    return `${this.prefix}.${this.id}.${partition}`;
  }

  get deadLetterStream(): string {
    return `${this.prefix}_${this.id}_DL`;
  }

  deadLetterSubject(group: string): string {
    return `${this.prefix}.${this.id}.dl.${token(group)}`;
  }

  get deadLetterSubjects(): string {
    return `${this.prefix}.${this.id}.dl.*`;
  }

  /** Dead letters resent to a group, shared by the brokers (a work queue: acked ones go). */
  get resendStream(): string {
    return `${this.prefix}_${this.id}_RS`;
  }

  resendSubject(group: string): string {
    return `${this.prefix}.${this.id}.rs.${token(group)}`;
  }

  get resendSubjects(): string {
    return `${this.prefix}.${this.id}.rs.*`;
  }

  /** The stream of msgId claims, which makes dedup station-wide (see append.ts). */
  get claimStream(): string {
    return `${this.prefix}_${this.id}_ID`;
  }

  get claimSubject(): string {
    return `${this.prefix}.${this.id}.id`;
  }

  /** Every stream of the station begins with this. */
  get streamPrefix(): string {
    return `${this.prefix}_${this.id}_`;
  }
}

/** The durable consumer of a group on each partition stream. */
export function consumerName(group: string): string {
  return `g-${token(group)}`;
}

/** The durable consumer of a group's resent dead letters on the resend stream. */
export function resendConsumerName(group: string): string {
  return `r-${token(group)}`;
}

/** The group a consumer name belongs to, or undefined for a consumer Ferry did not make. */
export function groupOfConsumer(name: string): string | undefined {
  return name.startsWith('g-') ? fromToken(name.slice(2)) : undefined;
}

/** The key of a station's record in the stations bucket. */
export function stationKey(station: string): string {
  return `s.${token(station)}`;
}

export function stationOfKey(key: string): string | undefined {
  return key.startsWith('s.') ? fromToken(key.slice(2)) : undefined;
}
