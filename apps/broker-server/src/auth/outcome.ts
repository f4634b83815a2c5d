/** What checking hello's credentials gives, as the connection layer receives it. */
import type { Auth } from '@ferry/protocol';

export type AuthOutcome = { principal: string } | { refused: AuthRefusal };

export interface AuthRefusal {
  /** What was checked: a token, a password (the log does not say whether the user exists), or none was given. */
  checked: 'token' | 'password' | 'none';
  /** Password checks completed so far, engine-wide; an unknown user's counts like a known one's. [SEC-3] */
  passwordChecks: number;
}

/**
 * Checks hello's credentials. Rejects with a FerryError when they cannot be checked now
 * (OVERLOADED), or with the signal's reason when the connection went away meanwhile.
 */
export type Authenticate = (auth: Auth | undefined, signal?: AbortSignal) => Promise<AuthOutcome>;

/** The client certificate a TLS connection presented, verified against tls.caFile. [SEC-7] */
export interface PeerCertificate {
  /** The subject's common name (CN), if it has one. */
  commonName?: string;
  /** SHA-256 fingerprint, colon-separated hex as Node prints it. */
  fingerprint256: string;
}
