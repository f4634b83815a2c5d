/**
 * One nats-server of the cluster: a child process on loopback ports with its own JetStream
 * store, which a test can kill, stop, start again (same ports, same store), pause and resume.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const READY_TIMEOUT_MS = 15_000;

export interface NodeSpec {
  name: string;
  port: number;
  clusterPort: number;
  storeDir: string;
  clusterName: string;
  /** The other nodes' cluster URLs. */
  routes: readonly string[];
  /** More nats-server flags (client authentication, say). */
  args?: readonly string[];
}

export class NatsNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly spec: NodeSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.spec.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process and resolves once it says it is ready for clients. */
  async start(): Promise<void> {
    if (this.child !== undefined) throw new Error(`${this.name} is already running`);
    const { spec } = this;
    const child = spawn(
      'nats-server',
      [
        '--jetstream',
        '--store_dir',
        spec.storeDir,
        '--server_name',
        spec.name,
        '--addr',
        '127.0.0.1',
        '--port',
        String(spec.port),
        ...(spec.args ?? []),
        // A single node runs standalone: a cluster of one would wait for peers.
        ...(spec.routes.length === 0
          ? []
          : [
              '--cluster_name',
              spec.clusterName,
              '--cluster',
              `nats://127.0.0.1:${spec.clusterPort}`,
              '--routes',
              spec.routes.join(','),
            ]),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    this.exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} was not ready within ${READY_TIMEOUT_MS} ms: ${log}`)),
        READY_TIMEOUT_MS,
      );
      // It logs to stderr; keep reading it so the pipe never fills.
      child.stderr?.on('data', (chunk: Uint8Array) => {
        log = (log + new TextDecoder().decode(chunk)).slice(-8192);
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited before it was ready: ${log}`));
      });
    });
  }

  /** SIGKILL: no goodbye to the cluster, as a crash or a power cut. */
  kill(): Promise<void> {
    return this.signalAndWait('SIGKILL');
  }

  /** SIGTERM: a clean shutdown. */
  stop(): Promise<void> {
    return this.signalAndWait('SIGTERM');
  }

  /** SIGSTOP: alive but silent, as a partitioned or frozen machine. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGCONT after a pause. */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    // A paused process takes no signal but SIGKILL until it runs again.
    child.kill('SIGCONT');
    child.kill(signal);
    await this.exited;
  }
}
