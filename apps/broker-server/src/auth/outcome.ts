/** What checking hello's credentials gives, as the connection layer receives it. */
import type { Auth } from '@ferry/protocol';
import type { Permissions } from './permissions.js';

/** How a principal authenticated. */
export type PrincipalKind = 'anonymous' | 'shared-token' | 'user' | 'token' | 'certificate' | 'jwt';

/** Who a connection acts for, and what it may do. [SEC-5] */
export interface Principal {
  name: string;
  kind: PrincipalKind;
  permissions: Permissions;
  /** When the credential stops being accepted (ms since the epoch). [SEC-6] */
  expiresAt?: number;
}

export type AuthOutcome = { principal: Principal } | { refused: AuthRefusal };

export interface AuthRefusal {
  /** What was checked: a token, a password (the log does not say whether the user exists), a JWT, a certificate, or nothing was given. */
  checked: 'token' | 'password' | 'jwt' | 'certificate' | 'none';
  /** Password checks completed so far, engine-wide; an unknown user's counts like a known one's. [SEC-3] */
  passwordChecks: number;
  /** The credential was valid once and has expired: the client is told so. */
  expired?: boolean;
  /** Why, for the log and the audit record only (never sent: it would help a guesser). */
  reason?: string;
}

/** The client certificate a TLS connection presented, verified against tls.caFile. [SEC-7] */
export interface PeerCertificate {
  /** The subject's common name (CN), if it has one. */
  commonName?: string;
  /** SHA-256 fingerprint, colon-separated hex as Node prints it. */
  fingerprint256: string;
}

export interface AuthRequest {
  auth?: Auth | undefined;
  certificate?: PeerCertificate | undefined;
  /** Aborted when the connection goes away while the check waits. */
  signal?: AbortSignal;
}

/**
 * Checks a connection's credentials. Rejects with a FerryError when they cannot be checked now
 * (OVERLOADED), or with the signal's reason when the connection went away meanwhile.
 */
export type Authenticate = (request: AuthRequest) => Promise<AuthOutcome>;
