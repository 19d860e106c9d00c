/**
 * What every benchmark scenario measures with: medians, process CPU time and
 * resident memory read from /proc (Linux), and a wait for the system to be
 * quiet again between runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { System } from '../test/reliability/support/system.js';

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

export const machine = (): string => `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}`;

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds a process used so far (user + system), 0 once it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of a process and of its children, live ones (PostgreSQL's
 * backends) and those already ended (counted in its cutime/cstime).
 */
export function treeCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let total = 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === pid) total += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

/** Resident memory of a process, in MB. */
export function rssMb(pid: number | undefined = process.pid): number {
  if (pid === undefined) return 0;
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's resident memory until stopped; returns the peak. */
export function rssPeak(pid: number | undefined, everyMs = 25): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}

export type ProcessName = 'database' | 'temporal' | 'postgres' | 'worker' | 'api';

/** CPU seconds each part of the system spends between start and stop (every worker and every API summed). */
export function cpuMeter(system: System): { stop(): Record<ProcessName, number> } {
  const sum = (pids: (number | undefined)[]) => pids.reduce<number>((total, pid) => total + cpuSeconds(pid), 0);
  const read = (): Record<ProcessName, number> => ({
    database: cpuSeconds(system.databaseServer.pid()),
    temporal: cpuSeconds(system.temporalServer.pid()),
    postgres: treeCpuSeconds(system.postgresServer.pid()),
    worker: sum(system.workers.map((worker) => worker.pid())),
    api: sum(system.apis.map((api) => api.pid())),
  });
  const before = read();
  return {
    stop() {
      const after = read();
      return Object.fromEntries(Object.keys(before).map((name) => [name, after[name as ProcessName] - before[name as ProcessName]])) as Record<ProcessName, number>;
    },
  };
}

export const PROCESS_LABELS: Record<ProcessName, string> = { database: 'FerretDB', temporal: 'Temporal Server', postgres: 'PostgreSQL', worker: 'workers', api: 'APIs' };
const PROCESSES = Object.keys(PROCESS_LABELS) as ProcessName[];

/** "FerretDB 12.3 s (41 % of one core), …" over a window of `seconds`. */
export function describeCpu(cpu: Record<ProcessName, number>, seconds: number): string {
  return PROCESSES.map((name) => `${PROCESS_LABELS[name]} ${cpu[name].toFixed(1)} s (${Math.round((100 * cpu[name]) / seconds)} % of one core)`).join(', ');
}

/** "CPU per step: FerretDB 9.6 ms, …": the window's CPU shared out over the `units` of work done in it. */
export function describeCpuPer(cpu: Record<ProcessName, number>, units: number, unit: string): string {
  const ms = (seconds: number) => ((1000 * seconds) / units).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return `CPU per ${unit}: ${PROCESSES.map((name) => `${PROCESS_LABELS[name]} ${ms(cpu[name])} ms`).join(', ')}`;
}

/** Per process, the median of several windows. */
export function medianCpu(windows: Record<ProcessName, number>[]): Record<ProcessName, number> {
  return Object.fromEntries(PROCESSES.map((name) => [name, median(windows.map((cpu) => cpu[name]))])) as Record<ProcessName, number>;
}

/**
 * Waits until the system is quiet (its processes together use less than a
 * fifth of a core over a second): a run must not inherit the previous run's
 * backlog (Updates, stores and e-mails still in flight).
 */
export async function settle(system: System, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const window = cpuMeter(system);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const used = Object.values(window.stop()).reduce((total, seconds) => total + seconds, 0);
    if (used < 0.2) return;
  }
  log(`system still busy after ${timeoutMs / 1000} s; measuring anyway`);
}

export const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
