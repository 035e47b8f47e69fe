// CPU accounting and priorities of this machine's processes, read from Linux's /proc (proc(5)),
// for the benchmarks' per-process breakdown: what the measured server competes with.
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  userMs: number;
  kernelMs: number;
}

function parseStat(pid: number, stat: string): ProcStat {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the command name may hold spaces
  // fields[0] is proc(5)'s field 3 (state): ppid is field 4, utime 14, stime 15
  return {
    pid,
    comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    ppid: Number(fields[1]),
    userMs: Number(fields[11]) * TICK_MS,
    kernelMs: Number(fields[12]) * TICK_MS,
  };
}

function processStat(pid: number): ProcStat {
  return parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** Every live process's stat line; processes that end during the scan are left out. */
function allProcesses(): ProcStat[] {
  const all: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      all.push(processStat(Number(entry)));
    } catch {
      /* ended meanwhile */
    }
  }
  return all;
}

/** A memory figure of /proc/<pid>/status (VmRSS: resident now, VmHWM: its peak), in MB; NaN if absent. */
export function processMemoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** User + system CPU time of a process so far, in ms. */
export function processCpuMs(pid: number): number {
  const s = processStat(pid);
  return s.userMs + s.kernelMs;
}

/** The part of processCpuMs spent in the kernel (system calls: sockets, for a server). */
export function processKernelCpuMs(pid: number): number {
  return processStat(pid).kernelMs;
}

/** `pid` and its live descendants (the Temporal CLI's launcher starts the server as a child). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of allProcesses()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const tree: number[] = [];
  for (const queue = [pid]; queue.length > 0;) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** CPU time so far of `pid` and its live descendants, in ms. */
export function treeCpuMs(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      total += processCpuMs(p);
    } catch {
      /* ended meanwhile */
    }
  }
  return total;
}

/** CPU time so far of every live process whose command name is `comm`, in ms: e.g. all of Postgres's. */
export function commandCpuMs(comm: string): number {
  return allProcesses()
    .filter((p) => p.comm === comm)
    .reduce((n, p) => n + p.userMs + p.kernelMs, 0);
}

/** CPU time all processes of this machine have used so far, in ms (/proc/stat: user, nice, system, irq, softirq, steal). */
export function machineCpuMs(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) * TICK_MS;
}

/**
 * Sets the nice value of every thread of `pid` (Linux keeps one per thread; threads started later
 * inherit it from the thread that starts them).
 */
export function renice(pid: number, nice: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      setPriority(Number(tid), nice);
    } catch (err) {
      if ((err as { info?: { code?: string } }).info?.code !== 'ESRCH') throw err; // a thread that ended meanwhile
    }
  }
}
