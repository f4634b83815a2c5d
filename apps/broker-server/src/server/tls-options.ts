/**
 * The TLS settings of both listeners, built from `config.tls`: the PEM files read (at start and
 * on a reload), the protocol floor and what is asked of clients. [SEC-7]
 */
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TLSSocket, TlsOptions } from 'node:tls';
import { createSecureContext } from 'node:tls';
import type { PeerCertificate } from '../auth/outcome.js';
import type { BrokerConfig } from '../config/types.js';
import type { TlsFailure } from './connection-metrics.js';

export type TlsConfig = BrokerConfig['tls'];

const MIN_VERSION = 'TLSv1.2';

/** A TLS setting the broker cannot start (or reload) with; its message names the file and setting. */
export class TlsConfigError extends Error {
  override name = 'TlsConfigError';
}

/** Whether the listeners speak TLS: both a certificate and its key are configured. */
export function tlsEnabled(tls: TlsConfig): boolean {
  return tls.certFile !== undefined && tls.keyFile !== undefined;
}

const PEM_LABELS = {
  certificate: /-----BEGIN CERTIFICATE-----/,
  'private key': /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/,
};

/** The certificates and key of one TLS setup, read from their files. */
interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

function readPem(file: string, setting: string, what: keyof typeof PEM_LABELS): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new TlsConfigError(`cannot read ${setting} ${file}: ${reason}`, { cause: err });
  }
  if (!PEM_LABELS[what].test(pem.toString('latin1')))
    throw new TlsConfigError(`${setting} ${file} holds no PEM ${what}`);
  return pem;
}

function readMaterial(tls: TlsConfig): TlsMaterial {
  if (tls.certFile === undefined || tls.keyFile === undefined)
    throw new TlsConfigError('tls.certFile and tls.keyFile must be set together');
  if (tls.clientCertificates !== 'none' && tls.caFile === undefined)
    throw new TlsConfigError(
      `tls.clientCertificates is ${tls.clientCertificates}: tls.caFile must name the CA that signs client certificates`,
    );
  const material: TlsMaterial = {
    cert: readPem(tls.certFile, 'tls.certFile', 'certificate'),
    key: readPem(tls.keyFile, 'tls.keyFile', 'private key'),
  };
  if (tls.caFile !== undefined) material.ca = readPem(tls.caFile, 'tls.caFile', 'certificate');
  // Parses the PEM and checks that the key is the certificate's, so a bad pair fails here.
  try {
    createSecureContext(material);
  } catch (err) {
    throw new TlsConfigError(
      `tls.certFile ${tls.certFile} and tls.keyFile ${tls.keyFile} are not a usable certificate and key${
        tls.caFile === undefined ? '' : ` (with tls.caFile ${tls.caFile})`
      }: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return material;
}

/**
 * The options of `tls.createServer` / `https.createServer`, with the files read now, or
 * undefined when TLS is not configured. Throws a {@link TlsConfigError} naming the file and
 * setting when one is missing or not valid, or when TLS is only half configured.
 */
export function listenerTlsOptions(
  tls: TlsConfig,
  handshakeTimeoutMs: number,
): TlsOptions | undefined {
  if (tls.certFile === undefined && tls.keyFile === undefined) {
    if (tls.caFile !== undefined || tls.clientCertificates !== 'none')
      throw new TlsConfigError(
        'tls.caFile and tls.clientCertificates need tls.certFile and tls.keyFile (TLS is off without them)',
      );
    return undefined;
  }
  const material = readMaterial(tls);
  const asked = tls.clientCertificates !== 'none';
  return {
    ...material,
    // Node's default cipher list: TLS 1.3 suites and forward-secret AEAD ones for 1.2, kept
    // current with each Node release, which a list of our own would not be.
    minVersion: MIN_VERSION,
    requestCert: asked,
    // 'request' lets a peer without a (valid) certificate in; only verified ones count then.
    rejectUnauthorized: tls.clientCertificates === 'require',
    // A socket that never finishes the handshake must not keep its place under the caps.
    handshakeTimeout: handshakeTimeoutMs,
  };
}

/** The secure context options for `server.setSecureContext` on a reload, the files read again. */
export function secureContextOptions(tls: TlsConfig): SecureContextOptions {
  return { ...readMaterial(tls), minVersion: MIN_VERSION };
}

/** The verified client certificate of a TLS socket, if it presented one; undefined otherwise. */
export function verifiedPeerCertificate(socket: unknown): PeerCertificate | undefined {
  const secure = socket as Partial<TLSSocket>;
  if (secure.encrypted !== true || secure.authorized !== true) return undefined;
  const peer = secure.getPeerCertificate?.();
  if (peer === undefined || peer === null || !('fingerprint256' in peer)) return undefined;
  const cn = peer.subject?.CN;
  const commonName = Array.isArray(cn) ? cn[0] : cn;
  return commonName === undefined
    ? { fingerprint256: peer.fingerprint256 }
    : { commonName, fingerprint256: peer.fingerprint256 };
}

/** What a failed TLS handshake is counted as, from Node's (OpenSSL's) error code. */
export function tlsFailure(err: Error): TlsFailure {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'timeout';
  if (/CERTIFICATE|_CERT_|UNKNOWN_CA|_CA$/.test(code)) return 'certificate';
  return 'protocol';
}
