/**
 * Certificates for TLS tests, made when the test runs by the `openssl` command (Node cannot make
 * X.509 certificates itself), so that no key is ever committed: a CA, a server certificate for
 * 127.0.0.1 and localhost, and a client certificate, all with ECDSA P-256 keys.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Certificates, days: long enough for any test run, short enough to be worthless later. */
const VALID_DAYS = '2';

/** A CA that can sign more certificates. */
export interface TestCa {
  /** The CA's certificate (PEM): what clients and the broker's tls.caFile trust. */
  caFile: string;
  /** The CA's private key (PEM). */
  caKeyFile: string;
}

/** A server certificate for 127.0.0.1 and localhost, signed by a {@link TestCa}. */
export interface TestServerCertificate {
  certFile: string;
  keyFile: string;
  /** SHA-256 fingerprint, colon-separated hex as Node's getPeerCertificate() gives it. */
  fingerprint256: string;
  /**
   * Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, for Chromium's
   * `--ignore-certificate-errors-spki-list`.
   */
  spkiSha256: string;
}

export interface TestCertificates extends TestCa, TestServerCertificate {
  /** A client certificate with CN `billing-service`, signed by the CA, and its key. */
  clientCertFile: string;
  clientKeyFile: string;
  /** The CA's certificate as PEM text. */
  caPem: string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`openssl ${args[0]} failed: ${stderr ?? (err as Error).message}`, {
      cause: err,
    });
  }
}

async function newKey(file: string): Promise<void> {
  await openssl([
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    file,
  ]);
  await chmod(file, 0o600);
}

/** A certificate for `subject`, signed by `ca`, with the given X.509 v3 extensions. */
async function issue(
  ca: TestCa,
  dir: string,
  name: string,
  subject: string,
  extensions: string[],
): Promise<{ certFile: string; keyFile: string }> {
  const keyFile = join(dir, `${name}-key.pem`);
  const certFile = join(dir, `${name}.pem`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  await newKey(keyFile);
  await openssl(['req', '-new', '-key', keyFile, '-subj', subject, '-out', csr]);
  await writeFile(extFile, `${extensions.join('\n')}\n`, { mode: 0o600 });
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.caFile,
    '-CAkey',
    ca.caKeyFile,
    '-set_serial',
    `0x${randomBytes(16).toString('hex')}`,
    '-days',
    VALID_DAYS,
    '-sha256',
    '-extfile',
    extFile,
    '-out',
    certFile,
  ]);
  await chmod(certFile, 0o600);
  await Promise.all([rm(csr), rm(extFile)]);
  return { certFile, keyFile };
}

/** A new CA in `dir` (ca.pem, ca-key.pem). */
export async function makeTestCa(dir: string): Promise<TestCa> {
  const caKeyFile = join(dir, 'ca-key.pem');
  const caFile = join(dir, 'ca.pem');
  await newKey(caKeyFile);
  // `req -x509` marks the certificate as a CA (basicConstraints CA:TRUE) by default.
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKeyFile,
    '-sha256',
    '-days',
    VALID_DAYS,
    '-subj',
    '/CN=Ferry test CA',
    '-out',
    caFile,
  ]);
  await chmod(caFile, 0o600);
  return { caFile, caKeyFile };
}

/**
 * A new server certificate for 127.0.0.1 and localhost signed by `ca`, written to
 * `dir/<name>.pem` and `dir/<name>-key.pem` (a later call with the same name replaces them).
 */
export async function issueServerCertificate(
  ca: TestCa,
  dir: string,
  name = 'server',
): Promise<TestServerCertificate> {
  const files = await issue(ca, dir, name, '/CN=localhost', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  const cert = new X509Certificate(await readFile(files.certFile));
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return {
    ...files,
    fingerprint256: cert.fingerprint256,
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
  };
}

/**
 * Makes, in the existing directory `dir` (files mode 0600): a CA (`ca.pem`), a server
 * certificate for 127.0.0.1 and localhost signed by it (`server.pem`, `server-key.pem`) and a
 * client certificate with CN `billing-service` (`client.pem`, `client-key.pem`). Needs the
 * `openssl` command.
 */
export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  const ca = await makeTestCa(dir);
  const server = await issueServerCertificate(ca, dir);
  const client = await issue(ca, dir, 'client', '/CN=billing-service', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=clientAuth',
  ]);
  return {
    ...ca,
    ...server,
    clientCertFile: client.certFile,
    clientKeyFile: client.keyFile,
    caPem: await readFile(ca.caFile, 'utf8'),
  };
}
