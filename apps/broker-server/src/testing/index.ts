/**
 * Test support for code built on the storage engine: a simulated filesystem that loses
 * un-synced writes on a simulated power failure and injects I/O faults.
 *
 * @packageDocumentation
 */
export { type FsError, SimulatedFs, seededRandom } from './simulated-fs.js';
