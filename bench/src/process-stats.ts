/**
 * CPU and memory of the server under test (from /proc) and of this process, over the timed part
 * of a scenario.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = Number(
  execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim(),
);

/** User plus system CPU time of a process (all its threads), in ms. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces; the fields after it start with field 3 (state), so
  // utime (field 14) and stime (field 15) are at 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** The process's peak resident set size (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

export interface Usage {
  seconds: number;
  /** CPU time over wall time, in % of one core (summed over the server's processes). */
  brokerCpuPercent: number;
  clientCpuPercent: number;
  /** The same per role, when the server has processes of more than one role. */
  cpuPercentByRole?: Record<string, number>;
}

/** A server-side process and its role, e.g. `broker` or `nats`. */
export interface MeteredProcess {
  role: string;
  pid: number;
}

/** Peak RSS (VmHWM) summed over the processes, and per role when there are several roles. */
export function peakRss(processes: readonly MeteredProcess[]): {
  bytes: number;
  byRole?: Record<string, number>;
} {
  const byRole: Record<string, number> = {};
  for (const { role, pid } of processes) byRole[role] = (byRole[role] ?? 0) + peakRssBytes(pid);
  const bytes = Object.values(byRole).reduce((sum, value) => sum + value, 0);
  return Object.keys(byRole).length > 1 ? { bytes, byRole } : { bytes };
}

/**
 * Times a scenario's measured section (the same clock gives its throughput) and the CPU the
 * server and this process spent in it.
 */
export class Meter {
  usage: Usage | undefined;

  private startedAt = 0;
  private cpuAt: number[] = [];
  private clientCpuAt: NodeJS.CpuUsage | undefined;
  private readonly processes: readonly MeteredProcess[];

  /** The server's process, or every process of a server made of several (broker, nats-servers). */
  constructor(server: number | readonly MeteredProcess[]) {
    this.processes = typeof server === 'number' ? [{ role: 'server', pid: server }] : server;
  }

  start(): void {
    this.cpuAt = this.processes.map((p) => processCpuMs(p.pid));
    this.clientCpuAt = process.cpuUsage();
    this.startedAt = performance.now();
  }

  /** Ends the measured section; returns its length in seconds. */
  stop(): number {
    const ms = performance.now() - this.startedAt;
    const client = process.cpuUsage(this.clientCpuAt);
    const byRole: Record<string, number> = {};
    this.processes.forEach((p, i) => {
      const spent = processCpuMs(p.pid) - (this.cpuAt[i] as number);
      byRole[p.role] = (byRole[p.role] ?? 0) + (spent / ms) * 100;
    });
    this.usage = {
      seconds: ms / 1000,
      brokerCpuPercent: Object.values(byRole).reduce((sum, value) => sum + value, 0),
      clientCpuPercent: ((client.user + client.system) / 1000 / ms) * 100,
      ...(Object.keys(byRole).length > 1 ? { cpuPercentByRole: byRole } : {}),
    };
    return this.usage.seconds;
  }
}
