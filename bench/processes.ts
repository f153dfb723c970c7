import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');

/** A server or reference process the benchmark started, by its own pid. */
export interface Child {
  name: string;
  pid: number;
  baseUrl: string;
  /** Resident and peak resident memory in bytes (summed over its child processes, if any), from /proc. */
  memory(): { rssBytes: number; peakRssBytes: number; processes: number } | undefined;
  stop(): Promise<void>;
  readonly exited: boolean;
}

const running = new Set<Child>();

/** Stops whatever is still running (on an error or Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** The lowest port the kernel hands out for `listen(0)` and outgoing connections (Linux's default if unreadable). */
function ephemeralPortsStart(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

/** Ports of services that may run on a development machine, never taken even when free right now. */
const SERVICE_PORTS = new Set([5000, 5432, 5672, 1883, 3306, 4222, 6379, 8080, 8443, 9000, 9090, 9200, 9300, 11211, 27017]);
const LOWEST_PORT = 10_000;
/** Ports this run handed out: a child binds its port seconds after the probe, so never hand one out twice. */
const handedOut = new Set<number>();

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/**
 * A port for a child process: below the kernel's ephemeral range (from 10000 up to its start), so
 * that neither `listen(0)` elsewhere nor an outgoing connection (autocannon's 32, the pools') can
 * take it between the probe and the child's bind; not a well-known service's port; and free when
 * probed. `listen(0)` would hand out a port from the ephemeral range itself.
 */
async function freePort(): Promise<number> {
  const end = Math.max(ephemeralPortsStart(), LOWEST_PORT + 2_000);
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (end - LOWEST_PORT));
    if (SERVICE_PORTS.has(port) || handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found between ${LOWEST_PORT} and ${end}`);
}

/** `pid` and every process below it (the workers of a clustered server). */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i += 1) {
    try {
      for (const tid of fs.readdirSync(`/proc/${tree[i]}/task`)) {
        const children = fs.readFileSync(`/proc/${tree[i]}/task/${tid}/children`, 'utf8').trim();
        if (children) tree.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return tree;
}

/** Resident and peak resident memory of `pid` and its children, summed. */
function readMemory(pid: number) {
  let rssBytes = 0;
  let peakRssBytes = 0;
  let processes = 0;
  for (const member of processTree(pid)) {
    try {
      const status = fs.readFileSync(`/proc/${member}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
      rssBytes += kb('VmRSS') * 1024;
      peakRssBytes += kb('VmHWM') * 1024;
      processes += 1;
    } catch {
      // Gone meanwhile.
    }
  }
  return processes === 0 ? undefined : { rssBytes, peakRssBytes, processes };
}

interface SpawnOptions {
  name: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  /** Where the process's stdout goes: 'pipe' (read by `ready`), a file path, or undefined for /dev/null. */
  stdout?: 'pipe' | string;
  /** Resolves once the process answers. */
  ready: (child: ChildProcess, baseUrl: string, failed: Promise<never>) => Promise<void>;
  readyTimeoutMs: number;
}

async function spawnChild(options: SpawnOptions): Promise<Child> {
  const stdout = options.stdout === 'pipe' ? 'pipe' : fs.openSync(options.stdout ?? '/dev/null', 'a');
  const proc = spawn(process.execPath, options.args, { cwd: ROOT, env: options.env, stdio: ['ignore', stdout, 'pipe'] });
  if (typeof stdout === 'number') fs.closeSync(stdout);
  let stderr = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  let exited = false;
  let stopping = false;
  const exit = new Promise<number | null>((resolve) => {
    proc.once('exit', (code, signal) => {
      exited = true;
      if (!stopping) {
        process.stderr.write(`[bench] ${options.name} (pid ${proc.pid}) exited unexpectedly (code ${code}, signal ${signal})\n${stderr.trim()}\n`);
      }
      resolve(code);
    });
  });
  const failed = exit.then((code): never => {
    throw new Error(`${options.name} exited with code ${code} before it was ready\n${stderr.trim()}`);
  });
  failed.catch(() => undefined);

  const baseUrl = `http://127.0.0.1:${options.port}`;
  const child: Child = {
    name: options.name,
    pid: proc.pid!,
    baseUrl,
    memory: () => readMemory(proc.pid!),
    get exited() {
      return exited;
    },
    async stop() {
      running.delete(child);
      stopping = true;
      if (exited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
  running.add(child);

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${options.name} was not ready within ${options.readyTimeoutMs / 1000} s\n${stderr.trim()}`)),
      options.readyTimeoutMs,
    );
  });
  try {
    await Promise.race([options.ready(proc, baseUrl, failed), failed, timeout]);
  } catch (error) {
    await child.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return child;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The product as it runs: `node dist/src/server.js`, ready when `/ready` answers 200. */
export async function startServer(
  name: string,
  env: Record<string, string>,
  { nodeArgs = [], stdoutFile, entry = 'dist/src/server.js' }: { nodeArgs?: string[]; stdoutFile?: string; entry?: string } = {},
): Promise<Child> {
  const port = await freePort();
  return spawnChild({
    name,
    args: [...nodeArgs, entry],
    env: { ...env, PORT: String(port) },
    port,
    stdout: stdoutFile,
    readyTimeoutMs: 120_000,
    async ready(_proc, baseUrl, failed) {
      for (;;) {
        const ok = await Promise.race([
          fetch(`${baseUrl}/ready`).then(
            (res) => res.status === 200,
            () => false,
          ),
          failed,
        ]);
        if (ok) return;
        await sleep(200);
      }
    },
  });
}

/** bench/reference.ts in its own process, ready when it prints `ready <port>`. */
export async function startReference(name: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Child> {
  const port = await freePort();
  return spawnChild({
    name,
    args: [...nodeArgs, '--import', 'tsx', 'bench/reference.ts'],
    env: { ...env, PORT: String(port) },
    port,
    stdout: 'pipe',
    readyTimeoutMs: 60_000,
    ready(proc) {
      return new Promise((resolve) => {
        let out = '';
        proc.stdout!.setEncoding('utf8');
        proc.stdout!.on('data', (chunk: string) => {
          out += chunk;
          if (/^ready \d+/m.test(out)) resolve();
        });
      });
    },
  });
}
