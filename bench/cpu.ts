import { execSync } from 'node:child_process';
import fs from 'node:fs';
import { processTree } from './processes';

/**
 * CPU time from /proc, to tell what a measurement cost and whether something else on the machine
 * was competing for the cores while it ran (other people's tests, say).
 */

let ticksPerSecond: number | undefined;
const ticks = () => (ticksPerSecond ??= Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100);

/** User + system CPU seconds of process `pid` (all its threads), or 0 when it is gone. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticks();
  } catch {
    return 0;
  }
}

/** Busy and total CPU seconds of the whole machine, summed over its cores. */
function machineCpu(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / ticks(), total: (busy + idle + iowait) / ticks() };
}

export interface CpuWindow {
  /** CPU seconds of the measured process (the server or the reference). */
  targetSeconds: number;
  /** CPU seconds of its database sessions (PostgreSQL backends; 0 on the embedded database, which is in-process). */
  databaseSeconds: number;
  /** CPU seconds of this process: the load generator. */
  loadGeneratorSeconds: number;
  /** CPU seconds used by everything else on the machine meanwhile. */
  otherSeconds: number;
  /** Machine CPU seconds available in the window (cores × wall seconds). */
  capacitySeconds: number;
}

/**
 * Starts counting; the returned function stops and reports. Database sessions are listed again at
 * the end: one that ended meanwhile (an idle pool connection reaped) counts what it used up to the
 * start only as its baseline, one that began meanwhile counts all it used.
 */
export async function cpuWindow(targetPid: number, databasePids: () => Promise<number[]>): Promise<() => Promise<CpuWindow>> {
  // A clustered server's workers are its children.
  const targetPids = processTree(targetPid);
  const targetCpu = () => targetPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  const db0 = new Map((await databasePids()).map((pid) => [pid, processCpuSeconds(pid)]));
  const target0 = targetCpu();
  const self0 = process.cpuUsage();
  const machine0 = machineCpu();
  return async () => {
    const targetSeconds = targetCpu() - target0;
    const self = process.cpuUsage(self0);
    const machine = machineCpu();
    let databaseSeconds = 0;
    for (const pid of new Set([...db0.keys(), ...(await databasePids())])) {
      const now = processCpuSeconds(pid);
      if (now > 0) databaseSeconds += Math.max(0, now - (db0.get(pid) ?? 0));
    }
    const loadGeneratorSeconds = (self.user + self.system) / 1e6;
    const busy = machine.busy - machine0.busy;
    return {
      targetSeconds,
      databaseSeconds,
      loadGeneratorSeconds,
      otherSeconds: Math.max(0, busy - targetSeconds - databaseSeconds - loadGeneratorSeconds),
      capacitySeconds: machine.total - machine0.total,
    };
  };
}

/** Share of the machine's CPU that something other than this process used over `ms`. */
export async function backgroundLoad(ms: number): Promise<number> {
  const machine0 = machineCpu();
  const self0 = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const machine = machineCpu();
  const self = process.cpuUsage(self0);
  const busy = machine.busy - machine0.busy - (self.user + self.system) / 1e6;
  return Math.max(0, busy / (machine.total - machine0.total));
}
