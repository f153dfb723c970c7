/**
 * What every scenario of `npm run bench` shares: the settings (environment and flags), the
 * targets, the server's process and a measurement with its CPU accounting.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Backend } from './backend';
import { type CpuWindow, cpuWindow } from './cpu';
import type { Fixture } from './data';
import { type LoadOptions, type LoadResult, type LoadSample, sampleLoad, summarize, warmUp } from './load';
import { type Child, ROOT, startServer } from './processes';

export const DURATION = Number(process.env.BENCH_DURATION ?? 10);
export const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
/** How many times each list pair (server and reference) is measured, in alternating order. */
export const ROUNDS = Math.max(1, Math.floor(Number(process.env.BENCH_ROUNDS ?? 3)) || 3);
/** Slices of about 2 s each side's DURATION is cut into when a pair is measured side by side (`measurePair`). */
export const SLICES = Math.max(1, Math.round(DURATION / 2));
/** How many login runs the login ratio is the median of. */
export const LOGIN_RUNS = Math.max(1, Math.floor(Number(process.env.BENCH_LOGIN_RUNS ?? 3)) || 3);
export const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
export const BIG_TABLE = Number(process.env.BENCH_CAMPAIGNS ?? 1_000_000);
export const SMALL_TABLE = 1_000;
export const LIST_CAMPAIGNS = 200;
export const BCRYPT_ROUNDS = 10;
export const LIST_CONNECTIONS = 32;
export const LOGIN_CONNECTIONS = 4;
export const SCALE_CONNECTIONS = 4;
export const HEALTH_PROBE = { connections: 2, perConnectionRate: 50 };
const MB = 1024 * 1024;
/**
 * Issue 15. listRatio: on the lowest of the rounds; loginRatio and healthP99Ms: on the median of
 * the login runs; memory: PostgreSQL, resident at the end and at its peak.
 */
export const TARGETS = {
  listRatio: 0.85,
  loginRatio: 0.9,
  healthP99Ms: 20,
  scaleP50Ratio: 1.5,
  postgresRssEndBytes: 150 * MB,
  postgresRssPeakBytes: 200 * MB,
};

const flags = new Set(process.argv.slice(2));
const scenarioFlag = process.argv.find((arg) => arg.startsWith('--scenarios='));
export const SCENARIOS = new Set((scenarioFlag?.split('=')[1] ?? '1,2,3,4,5,6').split(',').map(Number));
export const CPU_PROF = flags.has('--cpu-prof');
export const NO_EMBEDDED = flags.has('--no-embedded');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
/** What runs as the server: the build, unless an experiment points elsewhere (a patched copy of dist/, say). */
export const SERVER_ENTRY = process.env.BENCH_SERVER_ENTRY ?? 'dist/src/server.js';
/** Node's flags in `npm start` (and the Procfile): the server is measured as it is deployed. */
export const START_FLAGS = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(/\s+/)
  .filter((word) => word.startsWith('--'));
/** Worker processes of the server (PostgreSQL only): 1, as the product defaults to, unless BENCH_WEB_CONCURRENCY says otherwise. */
export const WEB_CONCURRENCY = process.env.BENCH_WEB_CONCURRENCY ?? '1';
export const PASSWORD = 'bench-password-1234';
const JWT_SECRET = randomBytes(32).toString('hex');

export const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

/** One directory per process: every thread (tsx's loader is one) writes a profile of its own. */
export const profileArgs = (name: string) => ['--cpu-prof', '--cpu-prof-dir', path.join(RESULTS_DIR, 'profiles', `${name}-${Date.now()}`)];

/** The product's settings (app.json), with both rate limits off so that the load is not answered 429. */
function serverEnv(backend: Backend): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return {
    ...env,
    NODE_ENV: 'production',
    LOG_LEVEL,
    JWT_SECRET,
    JWT_EXPIRES_IN: '24h',
    BCRYPT_ROUNDS: String(BCRYPT_ROUNDS),
    API_RATE_LIMIT: '0',
    LOGIN_RATE_LIMIT: '0',
    MIGRATE_ON_START: 'false',
    WEB_CONCURRENCY: backend.kind === 'embedded' ? '1' : WEB_CONCURRENCY,
    REDIS_URL: '',
    CORS_ORIGIN: '*',
    TRUST_PROXY: 'false',
    EMAIL_CHECK_DNS: 'false',
    ...backend.env,
  };
}

export function referenceEnv(backend: Backend): Record<string, string> {
  return { PATH: process.env.PATH ?? '', JWT_SECRET, POOL_MAX: '10', ...backend.env };
}

/** The server of one backend: started on demand, stopped when the embedded database is needed elsewhere. */
export class ServerHandle {
  child: Child | undefined;
  starts = 0;
  rssAfterStart: number | undefined;

  constructor(readonly backend: Backend) {}

  async get(): Promise<Child> {
    if (this.child && !this.child.exited) return this.child;
    this.starts += 1;
    const name = `server-${this.backend.kind}`;
    const nodeArgs = [...START_FLAGS, ...(CPU_PROF ? profileArgs(name) : [])];
    log(`starting ${name} (node ${[...nodeArgs, SERVER_ENTRY].join(' ')})`);
    this.child = await startServer(name, serverEnv(this.backend), { nodeArgs, stdoutFile: process.env.BENCH_SERVER_LOG, entry: SERVER_ENTRY });
    this.rssAfterStart = this.child.memory()?.rssBytes;
    return this.child;
  }

  async stop(): Promise<void> {
    await this.child?.stop();
    this.child = undefined;
  }

  /** Work on the database; the embedded one is the server's alone, so the server stops first. */
  async db<T>(fn: (knex: Knex) => Promise<T>): Promise<T> {
    if (this.backend.exclusive) await this.stop();
    return this.backend.withDb(fn);
  }
}

export async function login(baseUrl: string, fixture: Fixture): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: fixture.ownerUsername, password: fixture.ownerPassword }),
  });
  const body = (await res.json()) as { token?: string };
  if (res.status !== 200 || !body.token) throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

export interface Measured extends LoadResult {
  cpu: CpuWindow & {
    /** CPU milliseconds per answered request: the measured process, and its database sessions. */
    targetMsPerRequest: number;
    databaseMsPerRequest: number;
    /** Share of the machine's CPU that other processes used meanwhile (noise: should be near 0). */
    otherShare: number;
  };
}

/** Measurements during which something else competed for the CPU. */
export const noisy: string[] = [];

/** One stretch of load on `target`, and the CPU it and its database sessions used meanwhile. */
async function slice(options: LoadOptions, target: Child, backend: Backend): Promise<{ sample: LoadSample; window: CpuWindow }> {
  const stop = await cpuWindow(target.pid, () => backend.sessionPids());
  const sample = await sampleLoad(options);
  return { sample, window: await stop() };
}

/** Slices of one measurement as one: their requests, seconds and CPU added up, their latencies pooled. */
function measured(label: string, options: LoadOptions, slices: Array<{ sample: LoadSample; window: CpuWindow }>): Measured {
  const result = summarize(options, slices.map((s) => s.sample));
  const add = (pick: (window: CpuWindow) => number) => slices.reduce((total, s) => total + pick(s.window), 0);
  const window: CpuWindow = {
    targetSeconds: add((w) => w.targetSeconds),
    databaseSeconds: add((w) => w.databaseSeconds),
    loadGeneratorSeconds: add((w) => w.loadGeneratorSeconds),
    otherSeconds: add((w) => w.otherSeconds),
    capacitySeconds: add((w) => w.capacitySeconds),
  };
  const answered = Math.max(1, result.requests + result.non2xx);
  const cpu = {
    ...window,
    targetMsPerRequest: (window.targetSeconds * 1000) / answered,
    databaseMsPerRequest: (window.databaseSeconds * 1000) / answered,
    otherShare: window.otherSeconds / window.capacitySeconds,
  };
  const problems = result.non2xx + result.errors + result.timeouts;
  log(
    `${label}: ${result.requestsPerSecond} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms; ` +
      `CPU/request ${cpu.targetMsPerRequest.toFixed(3)} ms + database ${cpu.databaseMsPerRequest.toFixed(3)} ms; ` +
      `other processes ${(cpu.otherShare * 100).toFixed(0)} % of the machine` +
      (problems > 0 ? ` — ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts` : ''),
  );
  if (cpu.otherShare > 0.1) noisy.push(`${label}: other processes used ${(cpu.otherShare * 100).toFixed(0)} % of the machine's CPU`);
  return { ...result, cpu };
}

/** Warms up, then measures `options` against `target`, counting the CPU it and its database used. */
export async function measure(label: string, options: LoadOptions, target: Child, backend: Backend, warmupSeconds = WARMUP): Promise<Measured> {
  log(`${label}: warm-up ${warmupSeconds} s, then ${options.durationSeconds} s × ${options.connections} connections`);
  if (warmupSeconds > 0) await warmUp(options, warmupSeconds);
  return measured(label, options, [await slice(options, target, backend)]);
}

export interface Side {
  label: string;
  target: Child;
  options: LoadOptions;
  /** Whose database sessions count as the side's database CPU. */
  backend: Backend;
}

/**
 * Two processes measured side by side: each warms up, then their DURATION seconds are cut into
 * SLICES slices taken in turns, first, second, second, first, first, … (ABBA), so that a slower
 * minute of a shared machine falls on both sides alike and a steady drift cancels out. Measuring
 * one side for all its seconds and then the other let such minutes alone move a ratio by ±20 %.
 */
export async function measurePair(first: Side, second: Side): Promise<[Measured, Measured]> {
  const sides = [first, second];
  const slices = sides.map(() => [] as Array<{ sample: LoadSample; window: CpuWindow }>);
  for (const side of sides) {
    log(`${side.label}: warm-up ${WARMUP} s`);
    if (WARMUP > 0) await warmUp(side.options, WARMUP);
  }
  log(`${first.label} and ${second.label}: ${SLICES} × ${DURATION / SLICES} s each, in turns, × ${first.options.connections} connections`);
  for (let turn = 0; turn < 2 * SLICES; turn += 1) {
    const which = ((turn + 1) >> 1) & 1;
    const side = sides[which]!;
    slices[which]!.push(await slice({ ...side.options, durationSeconds: DURATION / SLICES }, side.target, side.backend));
  }
  return [measured(first.label, first.options, slices[0]!), measured(second.label, second.options, slices[1]!)];
}

/** The median of `values` (the mean of the middle two for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Lowest, median and highest of `values`. */
export function spread(values: number[]): { min: number; median: number; max: number } {
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}
