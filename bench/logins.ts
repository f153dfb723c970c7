/**
 * Scenario 3: POST /api/auth/login under LOGIN_CONNECTIONS connections, LOGIN_RUNS times, against
 * the machine's bcrypt ceiling (cores ÷ the time of one hash), with a paced /health probe alongside
 * each run. The targets are on the medians of the runs.
 */
import os from 'node:os';
import bcrypt from 'bcryptjs';
import {
  BCRYPT_ROUNDS, DURATION, HEALTH_PROBE, LOGIN_CONNECTIONS, LOGIN_RUNS, PASSWORD, type ServerHandle, TARGETS, WARMUP,
  log, measure, spread,
} from './common';
import type { Fixture } from './data';
import { type LoadOptions, runLoad, warmUp } from './load';
import { fmt, type Row } from './report';

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

export async function loginScenario(server: ServerHandle, fixture: Fixture, hash: string) {
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
  const runs = [];
  for (let run = 0; run < LOGIN_RUNS; run += 1) {
    log(`logins (run ${run + 1}/${LOGIN_RUNS}): ${DURATION} s × ${LOGIN_CONNECTIONS} connections, with the /health probe alongside`);
    const [logins, healthDuringLogins] = await Promise.all([
      measure(`logins (run ${run + 1}/${LOGIN_RUNS})`, loginOptions, child, server.backend, 0),
      runLoad(healthOptions),
    ]);
    log(`/health during the logins: p50 ${healthDuringLogins.latencyMs.p50} ms, p99 ${healthDuringLogins.latencyMs.p99} ms`);
    runs.push({ logins, healthDuringLogins, ratio: logins.requestsPerSecond / ceiling.ceilingPerSecond });
  }
  return {
    ceiling,
    healthIdle,
    runs,
    ratio: spread(runs.map((r) => r.ratio)),
    loginsPerSecond: spread(runs.map((r) => r.logins.requestsPerSecond)),
    healthP99Ms: spread(runs.map((r) => r.healthDuringLogins.latencyMs.p99)),
  };
}

export function loginRows(outcome: Awaited<ReturnType<typeof loginScenario>>): Row[] {
  const { ceiling, runs, ratio, loginsPerSecond, healthP99Ms } = outcome;
  const many = runs.length > 1;
  const range = (s: { min: number; median: number; max: number }, f: (n: number) => string) => (many ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median));
  return [
    {
      scenario: '3',
      measure: `POST /api/auth/login (bcrypt cost ${BCRYPT_ROUNDS}), ${LOGIN_CONNECTIONS} conn: logins/s, median (lowest–highest) of ${runs.length} runs`,
      server: range(loginsPerSecond, fmt.rps),
      reference: `${fmt.rps(ceiling.ceilingPerSecond)} (${ceiling.cores} cores ÷ ${(ceiling.secondsPerHash * 1000).toFixed(1)} ms)`,
      ratio: range(ratio, fmt.ratio),
      target: `median ≥ ${TARGETS.loginRatio}`,
      pass: ratio.median >= TARGETS.loginRatio && runs.every((r) => r.logins.non2xx + r.logins.errors === 0),
    },
    {
      scenario: '3',
      measure: `  GET /health p99 during the logins (${HEALTH_PROBE.connections} conn × ${HEALTH_PROBE.perConnectionRate}/s), median (lowest–highest)`,
      server: range(healthP99Ms, fmt.ms),
      reference: `idle: ${fmt.ms(outcome.healthIdle.latencyMs.p99)}`,
      ratio: '',
      target: `median ≤ ${TARGETS.healthP99Ms} ms`,
      pass: healthP99Ms.median <= TARGETS.healthP99Ms && runs.every((r) => r.healthDuringLogins.non2xx === 0),
    },
  ];
}
