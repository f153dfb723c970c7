/**
 * `npm run bench`: the server side by side with the least that the same work needs (issue 7).
 *
 * Starts the built server (`node dist/src/server.js`) on PostgreSQL when DATABASE_URL is set (in a
 * throwaway database of its own, next to the given one), else on the embedded database; loads the
 * data itself; measures with autocannon; prints a markdown table; writes bench/results/latest.json.
 *
 *   1. GET /api/images?limit=20, caller owning 200 images, 32 connections, vs bench/reference.ts
 *   2. GET /api/kickstarter?limit=20, 200 campaigns, 32 connections, vs bench/reference.ts
 *   3. POST /api/auth/login at BCRYPT_ROUNDS=10, 4 connections, vs cores ÷ (time of one hash),
 *      and /health p99 meanwhile
 *   4. GET /api/kickstarter?after=<middle id>&limit=20 and GET /api/kickstarter/user/:id with
 *      1,000 and 1,000,000 campaigns: the p50 ratio
 *   5. resident memory of the server at the end, on PostgreSQL and on the embedded database
 *
 * Options (environment): BENCH_DURATION seconds per measurement (10), BENCH_WARMUP seconds (3),
 * BENCH_LOG_LEVEL the server's LOG_LEVEL (info; its stdout goes to /dev/null, or to
 * BENCH_SERVER_LOG), BENCH_CAMPAIGNS the large table size (1000000), BENCH_SERVER_ENTRY another
 * build of the server to run instead of dist/src/server.js (for A/B experiments).
 * Flags: --scenarios=1,2 (a subset), --cpu-prof (the server writes a V8 CPU profile into
 * bench/results/profiles; read it with `tsx bench/profile.ts <file>`), --no-embedded (skip the
 * embedded-database memory phase when DATABASE_URL is set).
 */
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import bcrypt from 'bcryptjs';
import type { Knex } from 'knex';
import { type Backend, embeddedBackend, postgresBackend } from './backend';
import { type Fixture, growCampaigns, middleCampaignId, seedBase } from './data';
import { backgroundLoad, type CpuWindow, cpuWindow } from './cpu';
import { type LoadOptions, type LoadResult, runLoad, warmUp } from './load';
import { type Child, ROOT, startReference, startServer, stopAll } from './processes';
import { fmt, markdownTable, type Row } from './report';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const BIG_TABLE = Number(process.env.BENCH_CAMPAIGNS ?? 1_000_000);
const SMALL_TABLE = 1_000;
const LIST_CAMPAIGNS = 200;
const BCRYPT_ROUNDS = 10;
const LIST_CONNECTIONS = 32;
const LOGIN_CONNECTIONS = 4;
const SCALE_CONNECTIONS = 4;
const HEALTH_PROBE = { connections: 2, perConnectionRate: 50 };
const TARGETS = { listRatio: 0.7, loginRatio: 0.8, healthP99Ms: 50, scaleP50Ratio: 1.5, postgresRssBytes: 200 * 1024 * 1024 };

const flags = new Set(process.argv.slice(2));
const scenarioFlag = process.argv.find((arg) => arg.startsWith('--scenarios='));
const SCENARIOS = new Set((scenarioFlag?.split('=')[1] ?? '1,2,3,4,5').split(',').map(Number));
const CPU_PROF = flags.has('--cpu-prof');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
/** What runs as the server: the build, unless an experiment points elsewhere (a patched copy of dist/, say). */
const SERVER_ENTRY = process.env.BENCH_SERVER_ENTRY ?? 'dist/src/server.js';
/** Worker processes of the server (PostgreSQL only): 1, as the product defaults to, unless BENCH_WEB_CONCURRENCY says otherwise. */
const WEB_CONCURRENCY = process.env.BENCH_WEB_CONCURRENCY ?? '1';
const PASSWORD = 'bench-password-1234';
const JWT_SECRET = randomBytes(32).toString('hex');

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

/** One directory per process: every thread (tsx's loader is one) writes a profile of its own. */
const profileArgs = (name: string) => ['--cpu-prof', '--cpu-prof-dir', path.join(RESULTS_DIR, 'profiles', `${name}-${Date.now()}`)];

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

function referenceEnv(backend: Backend): Record<string, string> {
  return { PATH: process.env.PATH ?? '', JWT_SECRET, POOL_MAX: '10', ...backend.env };
}

/** The server of one backend: started on demand, stopped when the embedded database is needed elsewhere. */
class ServerHandle {
  child: Child | undefined;
  starts = 0;
  rssAfterStart: number | undefined;

  constructor(readonly backend: Backend) {}

  async get(): Promise<Child> {
    if (this.child && !this.child.exited) return this.child;
    this.starts += 1;
    const name = `server-${this.backend.kind}`;
    const nodeArgs = CPU_PROF ? profileArgs(name) : [];
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

async function login(baseUrl: string, fixture: Fixture): Promise<string> {
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

/** Warms up, then measures `options` against `target`, counting the CPU it and its database used. */
async function measure(label: string, options: LoadOptions, target: Child, backend: Backend, warmupSeconds = WARMUP): Promise<Measured> {
  log(`${label}: warm-up ${warmupSeconds} s, then ${options.durationSeconds} s × ${options.connections} connections`);
  if (warmupSeconds > 0) await warmUp(options, warmupSeconds);
  const stop = await cpuWindow(target.pid, () => backend.sessionPids());
  const result = await runLoad(options);
  const window = await stop();
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

/** Measurements during which something else competed for the CPU. */
const noisy: string[] = [];

/** What a list answers, for checking that the reference does the same work as the server. */
async function sample(baseUrl: string, pathAndQuery: string, headers: Record<string, string>) {
  const res = await fetch(`${baseUrl}${pathAndQuery}`, { headers });
  const text = await res.text();
  const link = res.headers.get('link')?.replace(/^<http:\/\/[^/]+/, '<http://HOST');
  return { status: res.status, body: JSON.stringify(JSON.parse(text)), link, items: (JSON.parse(text) as unknown[]).length };
}

interface ListTarget {
  id: 'images' | 'kickstarter';
  title: string;
  path: string;
  headers: Record<string, string>;
}

interface ListOutcome {
  target: ListTarget;
  server: Measured;
  reference: Measured;
  itemsPerPage: number;
  sameAnswer: boolean;
}

type Answer = Awaited<ReturnType<typeof sample>>;

/** The reference must answer exactly what the server answers, or the comparison means nothing. */
async function checkSameAnswer(reference: Child, target: ListTarget, answer: Answer): Promise<void> {
  const ref = await sample(reference.baseUrl, target.path, target.headers);
  // The same JSON, not the same bytes: PostgreSQL writes the server's lists, with its own spacing
  // inside image data.
  const sameBody = ref.body === answer.body || isDeepStrictEqual(JSON.parse(ref.body), JSON.parse(answer.body));
  if (ref.status !== answer.status || !sameBody || ref.link !== answer.link) {
    throw new Error(
      `the reference does not answer ${target.path} as the server does:\n server    ${answer.status} ${answer.link} ${answer.body.slice(0, 300)}\n` +
        ` reference ${ref.status} ${ref.link} ${ref.body.slice(0, 300)}`,
    );
  }
}

/**
 * Scenarios 1 and 2. On PostgreSQL each list is measured on the server and at once on the
 * reference; the embedded database admits one process, so there every server run comes first.
 */
async function listScenarios(backend: Backend, server: ServerHandle, targets: ListTarget[]): Promise<ListOutcome[]> {
  const load = (child: Child, target: ListTarget): LoadOptions => ({
    url: child.baseUrl + target.path,
    headers: target.headers,
    connections: LIST_CONNECTIONS,
    durationSeconds: DURATION,
  });
  const serverRun = async (target: ListTarget) => {
    const child = await server.get();
    const answer = await sample(child.baseUrl, target.path, target.headers);
    if (answer.status !== 200) throw new Error(`server answered ${answer.status} to ${target.path}: ${answer.body}`);
    return { answer, result: await measure(`server ${target.path}`, load(child, target), child, backend) };
  };
  const referenceNodeArgs = CPU_PROF ? profileArgs(`reference-${backend.kind}`) : [];
  const outcomes: ListOutcome[] = [];
  /** The reference on `target` after the server's run on it: same answer first, then the load. */
  const compare = async (reference: Child, target: ListTarget, { answer, result }: Awaited<ReturnType<typeof serverRun>>) => {
    await checkSameAnswer(reference, target, answer);
    const referenceResult = await measure(`reference ${target.path}`, load(reference, target), reference, backend);
    outcomes.push({ target, server: result, reference: referenceResult, itemsPerPage: answer.items, sameAnswer: true });
  };

  if (!backend.exclusive) {
    const reference = await startReference(`reference-${backend.kind}`, referenceEnv(backend), referenceNodeArgs);
    try {
      for (const target of targets) await compare(reference, target, await serverRun(target));
    } finally {
      await reference.stop();
    }
    return outcomes;
  }

  const serverRuns: Array<Awaited<ReturnType<typeof serverRun>>> = [];
  for (const target of targets) serverRuns.push(await serverRun(target));
  await server.stop();
  const reference = await startReference(`reference-${backend.kind}`, referenceEnv(backend), referenceNodeArgs);
  try {
    for (const [i, target] of targets.entries()) await compare(reference, target, serverRuns[i]!);
  } finally {
    await reference.stop();
  }
  return outcomes;
}

/** Seconds of one bcrypt comparison at the stored hash's cost, in this process, while nothing else runs. */
function timeBcrypt(hash: string) {
  const samples: number[] = [];
  for (let i = 0; i < 12; i += 1) {
    const started = process.hrtime.bigint();
    if (!bcrypt.compareSync(PASSWORD, hash)) throw new Error('bcrypt self-check failed');
    if (i >= 2) samples.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  samples.sort((a, b) => a - b);
  const secondsPerHash = samples[Math.floor(samples.length / 2)]!;
  const cores = os.availableParallelism();
  return { rounds: BCRYPT_ROUNDS, samples, secondsPerHash, cores, ceilingPerSecond: cores / secondsPerHash };
}

async function loginScenario(server: ServerHandle, fixture: Fixture, hash: string) {
  const child = await server.get();
  const ceiling = timeBcrypt(hash);
  log(`bcrypt: ${(ceiling.secondsPerHash * 1000).toFixed(1)} ms per hash at cost ${BCRYPT_ROUNDS} → ceiling ${ceiling.ceilingPerSecond.toFixed(1)} logins/s on ${ceiling.cores} cores`);
  const loginOptions: LoadOptions = {
    url: `${child.baseUrl}/api/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: fixture.ownerUsername, password: fixture.ownerPassword }),
    connections: LOGIN_CONNECTIONS,
    durationSeconds: DURATION,
  };
  const healthOptions: LoadOptions = {
    url: `${child.baseUrl}/health`,
    connections: HEALTH_PROBE.connections,
    connectionRate: HEALTH_PROBE.perConnectionRate,
    durationSeconds: DURATION,
  };
  const healthIdle = await measure('/health probe, idle', { ...healthOptions, durationSeconds: 5 }, child, server.backend, 1);
  log(`logins: warm-up ${WARMUP} s`);
  await warmUp(loginOptions, WARMUP);
  log(`logins: ${DURATION} s × ${LOGIN_CONNECTIONS} connections, with the /health probe alongside`);
  const [logins, healthDuringLogins] = await Promise.all([
    measure('logins', loginOptions, child, server.backend, 0),
    runLoad(healthOptions),
  ]);
  log(`/health during the logins: p50 ${healthDuringLogins.latencyMs.p50} ms, p99 ${healthDuringLogins.latencyMs.p99} ms`);
  return { ceiling, logins, healthIdle, healthDuringLogins };
}

async function scaleScenario(server: ServerHandle, fixture: Fixture) {
  const sizes = [SMALL_TABLE, BIG_TABLE];
  const bySize: Record<string, { rows: number; loadSeconds: number; after: number; afterPage: Measured; userPage: Measured }> = {};
  for (const size of sizes) {
    log(`campaigns: bulk-loading to ${size.toLocaleString('en-US')} rows`);
    const { seconds } = await server.db((knex) => growCampaigns(knex, fixture, size));
    const after = await server.db((knex) => middleCampaignId(knex));
    log(`campaigns: ${size.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s; ?after=${after}`);
    const child = await server.get();
    const common = { connections: SCALE_CONNECTIONS, durationSeconds: DURATION };
    const afterPage = await measure(
      `server ?after=${after} @${size}`,
      { ...common, url: `${child.baseUrl}/api/kickstarter?after=${after}&limit=20` },
      child,
      server.backend,
    );
    const userPage = await measure(
      `server user/${fixture.makerIds[0]} @${size}`,
      { ...common, url: `${child.baseUrl}/api/kickstarter/user/${fixture.makerIds[0]}` },
      child,
      server.backend,
    );
    bySize[size] = { rows: size, loadSeconds: seconds, after, afterPage, userPage };
  }
  return { sizes, bySize, connections: SCALE_CONNECTIONS };
}

/** Scenario 5 on the embedded database when the main run is on PostgreSQL: a short phase of its own. */
async function embeddedMemoryPhase(passwordHash: string) {
  log('embedded database: short phase for its resident memory');
  const backend = await embeddedBackend();
  const server = new ServerHandle(backend);
  try {
    const fixture = await backend.withDb(async (knex) => {
      const f = await seedBase(knex, passwordHash, PASSWORD);
      await growCampaigns(knex, f, LIST_CAMPAIGNS);
      return f;
    });
    const child = await server.get();
    const token = await login(child.baseUrl, fixture);
    const seconds = Math.min(DURATION, 5);
    const images = await measure(
      'embedded server /api/images',
      { url: `${child.baseUrl}/api/images?limit=20`, headers: { authorization: `Bearer ${token}` }, connections: LIST_CONNECTIONS, durationSeconds: seconds },
      child,
      backend,
    );
    const campaigns = await measure(
      'embedded server /api/kickstarter',
      { url: `${child.baseUrl}/api/kickstarter?limit=20`, connections: LIST_CONNECTIONS, durationSeconds: seconds },
      child,
      backend,
    );
    const memory = child.memory();
    return { backend: backend.description, version: backend.version, rssAfterStart: server.rssAfterStart, memory, images, campaigns };
  } finally {
    await server.stop();
    await backend.dispose();
  }
}

function gitInfo() {
  try {
    const commit = execSync('git rev-parse HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain -- src migrations knexfile.ts package.json', { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return { commit, uncommittedChangesInServer: dirty };
  } catch {
    return undefined;
  }
}

async function main() {
  const startedAt = new Date();
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const cpus = os.cpus();
  const results: Record<string, unknown> = {
    startedAt: startedAt.toISOString(),
    machine: {
      cores: os.availableParallelism(),
      cpuModel: cpus[0]?.model,
      totalMemoryBytes: os.totalmem(),
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
    },
    git: gitInfo(),
    settings: {
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      serverCommand: `node ${CPU_PROF ? '--cpu-prof ' : ''}${SERVER_ENTRY}`,
      serverEnv: {
        NODE_ENV: 'production',
        LOG_LEVEL: `${LOG_LEVEL} (stdout to ${process.env.BENCH_SERVER_LOG ?? '/dev/null'})`,
        BCRYPT_ROUNDS,
        API_RATE_LIMIT: 0,
        LOGIN_RATE_LIMIT: 0,
        MIGRATE_ON_START: false,
        WEB_CONCURRENCY: Number(WEB_CONCURRENCY),
        REDIS_URL: 'unset',
      },
      serverPool: 'knex pg pool max 10 (PostgreSQL) / 1 (embedded)',
      reference: 'bench/reference.ts: node:http + pg.Pool (max 10; 1 on the embedded database) + jsonwebtoken',
      loadGenerator: `autocannon ${(JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/autocannon/package.json'), 'utf8')) as { version: string }).version}, in the orchestrating process`,
      cpuProfile: CPU_PROF,
      scenarios: [...SCENARIOS],
    },
  };
  log(`machine: ${os.availableParallelism()} cores, node ${process.version}; rate limits off (API_RATE_LIMIT=0, LOGIN_RATE_LIMIT=0), LOG_LEVEL=${LOG_LEVEL}`);
  if (CPU_PROF) log('--cpu-prof: the profiler slows the server; these numbers are not the benchmark\'s');

  const background = await backgroundLoad(2000);
  results.backgroundLoadAtStart = background;
  log(`other processes use ${(background * 100).toFixed(0)} % of the machine's CPU right now`);
  if (background > 0.15) log('WARNING: the machine is busy with other work: the numbers will be low and noisy (see "noise" in the JSON)');

  const backend = databaseUrl ? await postgresBackend(databaseUrl) : await embeddedBackend();
  const cleanup = async () => {
    await stopAll();
    await backend.dispose();
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the processes and removing the benchmark's database`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const rows: Row[] = [];
  try {
    log(`database: ${backend.description}`);
    results.database = { kind: backend.kind, version: backend.version, description: backend.description };
    const passwordHash = bcrypt.hashSync(PASSWORD, BCRYPT_ROUNDS);
    const server = new ServerHandle(backend);
    const fixture = await server.db(async (knex) => {
      const f = await seedBase(knex, passwordHash, PASSWORD);
      await growCampaigns(knex, f, LIST_CAMPAIGNS);
      return f;
    });
    const token = await login((await server.get()).baseUrl, fixture);
    const scenarios: Record<string, unknown> = {};
    results.scenarios = scenarios;

    const listTargets: ListTarget[] = [];
    if (SCENARIOS.has(1)) {
      listTargets.push({
        id: 'images',
        title: `GET /api/images?limit=20 (caller owns ${fixture.imagesOfOwner} images), ${LIST_CONNECTIONS} conn`,
        path: '/api/images?limit=20',
        headers: { authorization: `Bearer ${token}` },
      });
    }
    if (SCENARIOS.has(2)) {
      listTargets.push({
        id: 'kickstarter',
        title: `GET /api/kickstarter?limit=20 (${LIST_CAMPAIGNS} campaigns), ${LIST_CONNECTIONS} conn`,
        path: '/api/kickstarter?limit=20',
        headers: {},
      });
    }
    if (listTargets.length > 0) {
      for (const outcome of await listScenarios(backend, server, listTargets)) {
        const n = outcome.target.id === 'images' ? '1' : '2';
        const ratio = outcome.server.requestsPerSecond / outcome.reference.requestsPerSecond;
        scenarios[outcome.target.id] = { ...outcome, ratio };
        rows.push(
          {
            scenario: n,
            measure: `${outcome.target.title}: requests/s`,
            server: fmt.rps(outcome.server.requestsPerSecond),
            reference: fmt.rps(outcome.reference.requestsPerSecond),
            ratio: fmt.ratio(ratio),
            target: `≥ ${TARGETS.listRatio}`,
            pass: ratio >= TARGETS.listRatio && outcome.server.non2xx + outcome.server.errors === 0,
          },
          {
            scenario: n,
            measure: '  CPU per request: process + database sessions',
            server: `${outcome.server.cpu.targetMsPerRequest.toFixed(3)} + ${outcome.server.cpu.databaseMsPerRequest.toFixed(3)} ms`,
            reference: `${outcome.reference.cpu.targetMsPerRequest.toFixed(3)} + ${outcome.reference.cpu.databaseMsPerRequest.toFixed(3)} ms`,
            ratio: fmt.ratio(outcome.server.cpu.targetMsPerRequest / outcome.reference.cpu.targetMsPerRequest),
            target: '',
          },
          {
            scenario: n,
            measure: '  latency p50 / p99',
            server: `${fmt.ms(outcome.server.latencyMs.p50)} / ${fmt.ms(outcome.server.latencyMs.p99)}`,
            reference: `${fmt.ms(outcome.reference.latencyMs.p50)} / ${fmt.ms(outcome.reference.latencyMs.p99)}`,
            ratio: `${fmt.ratio(outcome.server.latencyMs.p50 / outcome.reference.latencyMs.p50)} / ${fmt.ratio(outcome.server.latencyMs.p99 / outcome.reference.latencyMs.p99)}`,
            target: '',
          },
        );
      }
    }

    if (SCENARIOS.has(3)) {
      const outcome = await loginScenario(server, fixture, passwordHash);
      const ratio = outcome.logins.requestsPerSecond / outcome.ceiling.ceilingPerSecond;
      scenarios.login = { ...outcome, ratio };
      rows.push(
        {
          scenario: '3',
          measure: `POST /api/auth/login (bcrypt cost ${BCRYPT_ROUNDS}), ${LOGIN_CONNECTIONS} conn: logins/s`,
          server: fmt.rps(outcome.logins.requestsPerSecond),
          reference: `${fmt.rps(outcome.ceiling.ceilingPerSecond)} (${outcome.ceiling.cores} cores ÷ ${(outcome.ceiling.secondsPerHash * 1000).toFixed(1)} ms)`,
          ratio: fmt.ratio(ratio),
          target: `≥ ${TARGETS.loginRatio}`,
          pass: ratio >= TARGETS.loginRatio && outcome.logins.non2xx + outcome.logins.errors === 0,
        },
        {
          scenario: '3',
          measure: `  GET /health p99 during the logins (${HEALTH_PROBE.connections} conn × ${HEALTH_PROBE.perConnectionRate}/s)`,
          server: fmt.ms(outcome.healthDuringLogins.latencyMs.p99),
          reference: `idle: ${fmt.ms(outcome.healthIdle.latencyMs.p99)}`,
          ratio: '',
          target: `≤ ${TARGETS.healthP99Ms} ms`,
          pass: outcome.healthDuringLogins.latencyMs.p99 <= TARGETS.healthP99Ms && outcome.healthDuringLogins.non2xx === 0,
        },
      );
    }

    if (SCENARIOS.has(4)) {
      const outcome = await scaleScenario(server, fixture);
      const small = outcome.bySize[SMALL_TABLE]!;
      const big = outcome.bySize[BIG_TABLE]!;
      const afterRatio = big.afterPage.latencyMs.p50 / small.afterPage.latencyMs.p50;
      const userRatio = big.userPage.latencyMs.p50 / small.userPage.latencyMs.p50;
      scenarios.scale = { ...outcome, afterRatio, userRatio };
      const bigLabel = BIG_TABLE.toLocaleString('en-US');
      rows.push(
        {
          scenario: '4',
          measure: `GET /api/kickstarter?after=<middle>&limit=20, ${SCALE_CONNECTIONS} conn: p50 at ${bigLabel} vs 1,000 rows`,
          server: fmt.ms(big.afterPage.latencyMs.p50),
          reference: fmt.ms(small.afterPage.latencyMs.p50),
          ratio: fmt.ratio(afterRatio),
          target: `≤ ${TARGETS.scaleP50Ratio}`,
          pass: afterRatio <= TARGETS.scaleP50Ratio && big.afterPage.non2xx + small.afterPage.non2xx === 0,
        },
        {
          scenario: '4',
          measure: `GET /api/kickstarter/user/:id, ${SCALE_CONNECTIONS} conn: p50 at ${bigLabel} vs 1,000 rows`,
          server: fmt.ms(big.userPage.latencyMs.p50),
          reference: fmt.ms(small.userPage.latencyMs.p50),
          ratio: fmt.ratio(userRatio),
          target: `≤ ${TARGETS.scaleP50Ratio}`,
          pass: userRatio <= TARGETS.scaleP50Ratio && big.userPage.non2xx + small.userPage.non2xx === 0,
        },
      );
    }

    if (SCENARIOS.has(5)) {
      const memory = server.child?.memory();
      const memoryResults: Record<string, unknown> = {};
      scenarios.memory = memoryResults;
      memoryResults[backend.kind] = { memory, rssAfterStart: server.rssAfterStart, serverStarts: server.starts };
      const embedded =
        backend.kind === 'embedded'
          ? { memory }
          : flags.has('--no-embedded')
            ? undefined
            : await embeddedMemoryPhase(passwordHash);
      if (backend.kind === 'postgres') memoryResults.embedded = embedded ?? 'skipped (--no-embedded)';
      if (backend.kind === 'postgres' && memory) {
        rows.push({
          scenario: '5',
          measure: 'server resident memory at the end, PostgreSQL (peak)',
          server: `${fmt.mb(memory.rssBytes)} (${fmt.mb(memory.peakRssBytes)})`,
          reference: '',
          ratio: '',
          target: `≤ ${fmt.mb(TARGETS.postgresRssBytes)}`,
          pass: memory.rssBytes <= TARGETS.postgresRssBytes,
        });
      }
      if (embedded?.memory) {
        rows.push({
          scenario: '5',
          measure: `server resident memory at the end, embedded (peak)${backend.kind === 'postgres' ? ' — short phase' : ''}`,
          server: `${fmt.mb(embedded.memory.rssBytes)} (${fmt.mb(embedded.memory.peakRssBytes)})`,
          reference: '',
          ratio: '',
          target: 'none',
        });
      }
    }
    await server.stop();
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (!interrupted) await cleanup();
  }

  results.finishedAt = new Date().toISOString();
  results.elapsedSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
  results.table = rows;
  results.noise = noisy;
  const failed = rows.filter((row) => row.pass === false).length;
  results.summary = { targets: rows.filter((row) => row.pass !== undefined).length, failed };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, 'latest.json');
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

  const cores = os.availableParallelism();
  console.log(`\n## Benchmark — ${backend.version}, ${cores} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}\n`);
  console.log(markdownTable(rows));
  console.log(
    `\nServer: \`node dist/src/server.js\`, NODE_ENV=production, LOG_LEVEL=${LOG_LEVEL}, **API_RATE_LIMIT=0 and LOGIN_RATE_LIMIT=0** (both limits off for the load), ` +
      `BCRYPT_ROUNDS=${BCRYPT_ROUNDS}, ${WEB_CONCURRENCY === '1' ? 'one process' : `WEB_CONCURRENCY=${WEB_CONCURRENCY}`}. Reference: bench/reference.ts (node:http + pg + jsonwebtoken, same rows, read and encoded the plain way). ` +
      `${DURATION} s per measurement after ${WARMUP} s of warm-up; latencies from every response, load by autocannon in the same machine.`,
  );
  if (noisy.length > 0) console.log(`\nOther processes competed for the CPU during ${noisy.length} measurement(s); rerun on a quiet machine:\n${noisy.map((line) => `- ${line}`).join('\n')}`);
  if (cores !== 2) console.log(`\nNote: the targets are set for a 2-core machine; this one has ${cores}.`);
  console.log(`\n${failed === 0 ? 'All targets met.' : `${failed} target(s) missed.`} Raw numbers: ${path.relative(process.cwd(), file)} (${results.elapsedSeconds} s)`);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await stopAll().catch(() => undefined);
  process.exit(1);
});
