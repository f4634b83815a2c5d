/**
 * Places for sockets, TCP and HTTP alike: every socket takes one under the connection cap as it
 * is accepted, and counts as pending, engine-wide and for its remote address, until its
 * connection completes the handshake. The pending caps keep idle or slow sockets from taking
 * the places of clients that authenticate. [LIMITS-7]
 */

export interface AdmissionLimits {
  /** Sockets at once. */
  max: number;
  /** Sockets that have not completed the handshake. */
  maxPending: number;
  /** Sockets of one remote address that have not completed the handshake. */
  maxPendingPerAddress: number;
}

/** One socket's place. */
export interface Place {
  /** Its connection completed the handshake: it is no longer pending. */
  established(): void;
  /** The socket is gone. */
  release(): void;
}

/** Why a socket got no place: the cap it met, and the words for the peer and the log. */
export interface Refusal {
  reason: 'connections' | 'pending' | 'pending_per_address';
  message: string;
}

export class Admission {
  /** Sockets refused since start, at any of the caps. */
  refused = 0;

  private sockets = 0;
  private pending = 0;
  private readonly pendingByAddress = new Map<string, number>();

  constructor(readonly limits: AdmissionLimits) {}

  /** Sockets holding a place. */
  get size(): number {
    return this.sockets;
  }

  /** A place for a new socket from `address`, or why there is none. */
  admit(address: string | undefined): Place | Refusal {
    const key = address ?? 'unknown';
    const ofAddress = this.pendingByAddress.get(key) ?? 0;
    const { max, maxPending, maxPendingPerAddress } = this.limits;
    let refusal: Refusal | undefined;
    if (this.sockets >= max)
      refusal = {
        reason: 'connections',
        message: `the server is at its limit of ${max} connections`,
      };
    else if (this.pending >= maxPending)
      refusal = {
        reason: 'pending',
        message: `${maxPending} connections have not completed the handshake; retry shortly`,
      };
    else if (ofAddress >= maxPendingPerAddress)
      refusal = {
        reason: 'pending_per_address',
        message: `${maxPendingPerAddress} connections from ${key} have not completed the handshake`,
      };
    if (refusal !== undefined) {
      this.refused += 1;
      return refusal;
    }
    this.sockets += 1;
    this.pending += 1;
    this.pendingByAddress.set(key, ofAddress + 1);
    let pending = true;
    let released = false;
    const leavePending = (): void => {
      if (!pending) return;
      pending = false;
      this.pending -= 1;
      const left = (this.pendingByAddress.get(key) ?? 1) - 1;
      if (left === 0) this.pendingByAddress.delete(key);
      else this.pendingByAddress.set(key, left);
    };
    return {
      established: leavePending,
      release: () => {
        if (released) return;
        released = true;
        leavePending();
        this.sockets -= 1;
      },
    };
  }
}
