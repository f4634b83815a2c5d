/**
 * Test support for code built on the broker: a simulated filesystem that loses un-synced
 * writes on a simulated power failure and injects I/O faults, and TLS certificates made at
 * test time with the `openssl` command.
 *
 * @packageDocumentation
 */
export {
  issueServerCertificate,
  makeTestCa,
  makeTestCertificates,
  type TestCa,
  type TestCertificates,
  type TestServerCertificate,
} from './certificates.js';
export { type FsError, SimulatedFs, seededRandom } from './simulated-fs.js';
