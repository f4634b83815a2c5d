/**
 * Runs the Deno tests (test/*.deno.ts) with the package's Deno binary against two conformance
 * harnesses — one broker, and two brokers on a 3-node NATS JetStream cluster — then reports
 * each of them here: one vitest test per scenario, transport and harness, and one per
 * transport test. Deno runs first, at collection time, so its test names are known.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestCertificates, type TestCertificates } from '@ferry/broker/testing';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { type Harness, startHarness } from '@ferry/conformance/harness';
import { scenarios } from '@ferry/conformance/scenarios';
import { describe, expect, it } from 'vitest';

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..');
const DENO = join(PACKAGE, 'node_modules/.bin/deno');
const FILES = ['transport.deno.ts', 'conformance.deno.ts', 'tls.deno.ts'];
// Well above the scenarios' own timeouts, so a hung run fails instead of blocking CI.
const RUN_TIMEOUT_MS = 10 * 60_000;

interface DenoResult {
  file: string;
  name: string;
  /** Deno's failure text; undefined when the test passed. */
  failure: string | undefined;
  skipped: boolean;
}

interface DenoRun {
  code: number | null;
  output: string;
  results: DenoResult[];
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
const unescapeXml = (text: string): string =>
  text.replace(/&(lt|gt|quot|apos|amp);/g, (_, entity: string) => XML_ENTITIES[entity] ?? '');

/** The test cases of Deno's JUnit report. */
function parseJunit(xml: string): DenoResult[] {
  const results: DenoResult[] = [];
  for (const [, attributes = '', body = ''] of xml.matchAll(
    /<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g,
  )) {
    const attribute = (key: string): string =>
      unescapeXml(new RegExp(`\\b${key}="([^"]*)"`).exec(attributes)?.[1] ?? '');
    const failure = /<failure\b[^>]*>([\s\S]*?)<\/failure>|<failure\b[^>]*\/>/.exec(body);
    results.push({
      file: basename(attribute('classname')),
      name: attribute('name'),
      failure: failure === null ? undefined : unescapeXml(failure[1] ?? 'failed'),
      skipped: body.includes('<skipped'),
    });
  }
  return results;
}

/** A broker serving TLS with certificates made for the run [SEC-7]; undefined without openssl. */
interface TlsBroker {
  broker: RunningBroker;
  certs: TestCertificates;
  dir: string;
}

async function startTlsBroker(): Promise<TlsBroker | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-deno-tls-'));
  let certs: TestCertificates;
  try {
    certs = await makeTestCertificates(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const broker = await startBroker({
    args: ['--tls-cert', certs.certFile, '--tls-key', certs.keyFile],
  });
  return { broker, certs, dir };
}

/** What tls.deno.ts reads. Deno's WebSocket takes no CA of its own: DENO_CERT trusts it for wss:. */
function tlsEnv(tls: TlsBroker | undefined): Record<string, string> {
  if (tls === undefined) return {};
  return {
    FERRY_TLS_TCP_URL: `ferrys://localhost:${tls.broker.tcpPort}`,
    FERRY_TLS_WS_URL: `wss://localhost:${tls.broker.httpPort}/ws`,
    FERRY_TLS_CA: tls.certs.caPem,
    DENO_CERT: tls.certs.caFile,
  };
}

async function runDeno(
  controlUrl: string,
  jetstreamControlUrl: string,
  env: Record<string, string>,
): Promise<DenoRun> {
  const reportDir = mkdtempSync(join(tmpdir(), 'ferry-deno-'));
  const report = join(reportDir, 'junit.xml');
  try {
    // From the repository root, so the workspace's deno.json applies. Types are the job of
    // `pnpm typecheck` (deno check); a type error must not hide how the code behaves.
    const child = spawn(
      DENO,
      [
        'test',
        '--no-check',
        '--allow-net',
        '--allow-env',
        '--allow-read',
        // Makes the certificate of the TLS test.
        '--allow-run=openssl',
        `--junit-path=${report}`,
        ...FILES.map((file) => join(PACKAGE, 'test', file)),
      ],
      {
        cwd: join(PACKAGE, '../..'),
        env: {
          ...process.env,
          ...env,
          FERRY_CONTROL_URL: controlUrl,
          FERRY_JETSTREAM_CONTROL_URL: jetstreamControlUrl,
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: RUN_TIMEOUT_MS,
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    // No report when Deno failed before running tests (a type error, say).
    const xml = existsSync(report) ? readFileSync(report, 'utf8') : '';
    return { code, output, results: parseJunit(xml) };
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

const harness = await startHarness();
let jetstream: Harness | undefined;
let tls: TlsBroker | undefined;
let run: DenoRun;
try {
  // A 3-node cluster and two brokers on it, started once for the file.
  jetstream = await startHarness({ engine: 'jetstream' });
  tls = await startTlsBroker();
  run = await runDeno(harness.controlUrl, jetstream.controlUrl, tlsEnv(tls));
} finally {
  await harness.close();
  await jetstream?.close();
  await tls?.broker.stop();
  if (tls !== undefined) rmSync(tls.dir, { recursive: true, force: true });
}

function expectPassed(file: string, name: string): void {
  const result = run.results.find((r) => r.file === file && r.name === name);
  if (result === undefined) {
    throw new Error(`Deno reported no test "${name}" (exit code ${run.code})\n${run.output}`);
  }
  if (result.failure !== undefined) throw new Error(result.failure);
  expect(result.skipped, 'skipped').toBe(false);
}

it('deno test exits with 0', () => {
  if (run.code !== 0) throw new Error(`deno test exited with ${run.code}\n${run.output}`);
});

describe('transports', () => {
  const results = run.results.filter((r) => r.file === 'transport.deno.ts');
  it('ran', () => expect(results.length).toBeGreaterThan(0));
  // The TLS test is ignored where the openssl command is missing.
  for (const { name, skipped } of results) {
    (skipped ? it.skip : it)(name, () => expectPassed('transport.deno.ts', name));
  }
});

describe('TLS', () => {
  const results = run.results.filter((r) => r.file === 'tls.deno.ts');
  it('ran', () => expect(results.length).toBeGreaterThan(0));
  // Ignored where the openssl command is missing.
  for (const { name, skipped } of results) {
    (skipped ? it.skip : it)(name, () => expectPassed('tls.deno.ts', name));
  }
});

describe('conformance', () => {
  for (const transport of ['tcp', 'ws']) {
    for (const scenario of scenarios) {
      const name = `${transport}: ${scenario.name}`;
      it(name, () => expectPassed('conformance.deno.ts', name));
    }
  }
});

describe('conformance on JetStream, clients spread over two brokers', () => {
  for (const transport of ['tcp', 'ws']) {
    for (const scenario of scenarios) {
      const name = `jetstream ${transport}: ${scenario.name}`;
      it(name, () => expectPassed('conformance.deno.ts', name));
    }
  }
});
