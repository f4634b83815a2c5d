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
  /** CPU time over wall time, in % of one core. */
  brokerCpuPercent: number;
  clientCpuPercent: number;
}

/**
 * Times a scenario's measured section (the same clock gives its throughput) and the CPU the
 * server and this process spent in it.
 */
export class Meter {
  usage: Usage | undefined;

  private startedAt = 0;
  private brokerCpuAt = 0;
  private clientCpuAt: NodeJS.CpuUsage | undefined;

  constructor(private readonly pid: number) {}

  start(): void {
    this.brokerCpuAt = processCpuMs(this.pid);
    this.clientCpuAt = process.cpuUsage();
    this.startedAt = performance.now();
  }

  /** Ends the measured section; returns its length in seconds. */
  stop(): number {
    const ms = performance.now() - this.startedAt;
    const client = process.cpuUsage(this.clientCpuAt);
    const brokerMs = processCpuMs(this.pid) - this.brokerCpuAt;
    this.usage = {
      seconds: ms / 1000,
      brokerCpuPercent: (brokerMs / ms) * 100,
      clientCpuPercent: ((client.user + client.system) / 1000 / ms) * 100,
    };
    return this.usage.seconds;
  }
}
