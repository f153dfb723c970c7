/**
 * Scenarios 1, 2 and 6: a route under LIST_CONNECTIONS connections on the server and on
 * bench/reference.ts, in ROUNDS rounds whose order alternates (server first, then reference
 * first, …), so that neither side always gets the warmer database. On PostgreSQL each round takes
 * the two sides in turns of a few seconds (`measurePair`), so that neither gets the quieter
 * minute either. The target is on the lowest ratio of the rounds; the table shows the median and
 * the spread.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Backend } from './backend';
import {
  CPU_PROF, DURATION, LIST_CONNECTIONS, type Measured, ROUNDS, type ServerHandle, TARGETS,
  log, measure, measurePair, profileArgs, referenceEnv, spread,
} from './common';
import type { LoadOptions } from './load';
import { type Child, startReference } from './processes';
import { fmt, type Row } from './report';

export interface ListTarget {
  id: 'images' | 'kickstarter' | 'profile';
  scenario: string;
  title: string;
  path: string;
  headers: Record<string, string>;
  /** Other paths (same headers) whose answers must also be the same on both, not measured. */
  alsoCheck?: string[];
}

interface Round {
  order: 'server first' | 'reference first';
  server: Measured;
  reference: Measured;
  /** Server's requests/s over the reference's, in this round. */
  ratio: number;
}

export interface ListOutcome {
  target: ListTarget;
  rounds: Round[];
  /** Items in the measured answer (list items, or a profile's campaigns). */
  itemsPerPage: number;
  /** Over the rounds that have a ratio. */
  ratio: ReturnType<typeof spread>;
  /** Rounds in which a side answered nothing: the pair then fails. */
  roundsWithoutRatio: number;
  serverRequestsPerSecond: ReturnType<typeof spread>;
  referenceRequestsPerSecond: ReturnType<typeof spread>;
}

interface Answer {
  status: number;
  body: string;
  link: string | undefined;
  items: number;
}

/** What a route answers, for checking that the reference does the same work as the server. */
async function sample(baseUrl: string, pathAndQuery: string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${baseUrl}${pathAndQuery}`, { headers });
  const text = await res.text();
  const link = res.headers.get('link')?.replace(/^<http:\/\/[^/]+/, '<http://HOST') ?? undefined;
  const parsed = JSON.parse(text) as unknown;
  const items = Array.isArray(parsed) ? parsed.length : ((parsed as { kickstarter?: unknown[] }).kickstarter?.length ?? 0);
  return { status: res.status, body: JSON.stringify(parsed), link, items };
}

const checkedPaths = (target: ListTarget) => [target.path, ...(target.alsoCheck ?? [])];

async function serverAnswers(server: Child, target: ListTarget): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const p of checkedPaths(target)) {
    const answer = await sample(server.baseUrl, p, target.headers);
    if (answer.status !== 200) throw new Error(`server answered ${answer.status} to ${p}: ${answer.body.slice(0, 300)}`);
    answers.push(answer);
  }
  return answers;
}

/** The reference must answer exactly what the server answers, or the comparison means nothing. */
async function checkSameAnswers(reference: Child, target: ListTarget, answers: Answer[]): Promise<void> {
  for (const [i, p] of checkedPaths(target).entries()) {
    const answer = answers[i]!;
    const ref = await sample(reference.baseUrl, p, target.headers);
    // The same JSON, not the same bytes: PostgreSQL writes the server's lists, with its own spacing
    // inside image data.
    const sameBody = ref.body === answer.body || isDeepStrictEqual(JSON.parse(ref.body), JSON.parse(answer.body));
    if (ref.status !== answer.status || !sameBody || ref.link !== answer.link) {
      throw new Error(
        `the reference does not answer ${p} as the server does:\n server    ${answer.status} ${answer.link} ${answer.body.slice(0, 300)}\n` +
          ` reference ${ref.status} ${ref.link} ${ref.body.slice(0, 300)}`,
      );
    }
  }
}

const load = (child: Child, target: ListTarget): LoadOptions => ({
  url: child.baseUrl + target.path,
  headers: target.headers,
  connections: LIST_CONNECTIONS,
  durationSeconds: DURATION,
});

/**
 * On PostgreSQL the reference runs beside the server and each round measures every target on
 * both in turns, alternating which goes first. The embedded database admits one process: there
 * each round runs every target on one side, then on the other (a restart in between), alternating.
 */
export async function listScenarios(backend: Backend, server: ServerHandle, targets: ListTarget[]): Promise<ListOutcome[]> {
  const referenceName = `reference-${backend.kind}`;
  const startRef = () => startReference(referenceName, referenceEnv(backend), CPU_PROF ? profileArgs(referenceName) : []);
  const runs = targets.map(() => ({ server: [] as Measured[], reference: [] as Measured[] }));
  const answers: Answer[][] = [];
  const checked = new Set<number>();
  const label = (side: string, target: ListTarget, round: number) => `${side} ${target.path} (round ${round + 1}/${ROUNDS})`;

  const onServer = async (i: number, round: number) => {
    const child = await server.get();
    answers[i] ??= await serverAnswers(child, targets[i]!);
    runs[i]!.server.push(await measure(label('server', targets[i]!, round), load(child, targets[i]!), child, backend));
  };
  const onReference = async (reference: Child, i: number, round: number) => {
    if (!checked.has(i)) {
      await checkSameAnswers(reference, targets[i]!, answers[i]!);
      checked.add(i);
    }
    runs[i]!.reference.push(await measure(label('reference', targets[i]!, round), load(reference, targets[i]!), reference, backend));
  };

  if (!backend.exclusive) {
    // Every answer checked before any load: a difference stops the run at once.
    const child = await server.get();
    for (const [i, target] of targets.entries()) answers[i] = await serverAnswers(child, target);
    const reference = await startRef();
    try {
      for (const [i, target] of targets.entries()) await checkSameAnswers(reference, target, answers[i]!);
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const [i, target] of targets.entries()) {
          const current = await server.get();
          const onServer = { label: label('server', target, round), target: current, options: load(current, target), backend };
          const onReference = { label: label('reference', target, round), target: reference, options: load(reference, target), backend };
          const [serverMeasured, referenceMeasured] =
            round % 2 === 0 ? await measurePair(onServer, onReference) : (await measurePair(onReference, onServer)).reverse();
          runs[i]!.server.push(serverMeasured!);
          runs[i]!.reference.push(referenceMeasured!);
        }
      }
    } finally {
      await reference.stop();
    }
  } else {
    for (let round = 0; round < ROUNDS; round += 1) {
      const serverPhase = async () => {
        for (const i of targets.keys()) await onServer(i, round);
        await server.stop();
      };
      const referencePhase = async () => {
        const reference = await startRef();
        try {
          for (const i of targets.keys()) await onReference(reference, i, round);
        } finally {
          await reference.stop();
        }
      };
      // The reference's answers are checked against the server's: the first round starts with the server.
      if (round % 2 === 0) {
        await serverPhase();
        await referencePhase();
      } else {
        await referencePhase();
        await serverPhase();
      }
    }
  }

  return targets.map((target, i) => {
    const rounds = runs[i]!.server.map((s, r): Round => {
      const reference = runs[i]!.reference[r]!;
      // A side that answered nothing in a round (a busy machine, a too short BENCH_DURATION) gives no ratio.
      const ratio = s.requestsPerSecond > 0 && reference.requestsPerSecond > 0 ? s.requestsPerSecond / reference.requestsPerSecond : Number.NaN;
      return { order: r % 2 === 0 ? 'server first' : 'reference first', server: s, reference, ratio };
    });
    const ratios = rounds.map((r) => r.ratio).filter(Number.isFinite);
    const outcome: ListOutcome = {
      target,
      rounds,
      itemsPerPage: answers[i]![0]!.items,
      ratio: ratios.length > 0 ? spread(ratios) : { min: Number.NaN, median: Number.NaN, max: Number.NaN },
      roundsWithoutRatio: rounds.length - ratios.length,
      serverRequestsPerSecond: spread(rounds.map((r) => r.server.requestsPerSecond)),
      referenceRequestsPerSecond: spread(rounds.map((r) => r.reference.requestsPerSecond)),
    };
    log(`${target.path}: ratio over ${rounds.length} rounds min ${outcome.ratio.min.toFixed(2)}, median ${outcome.ratio.median.toFixed(2)}, max ${outcome.ratio.max.toFixed(2)}`);
    return outcome;
  });
}

/** `median (min–max)` of some measure of every round. */
function ofRounds(rounds: Round[], side: 'server' | 'reference', pick: (m: Measured) => number, format: (n: number) => string): string {
  const { min, median, max } = spread(rounds.map((r) => pick(r[side])));
  return rounds.length === 1 ? format(median) : `${format(median)} (${format(min)}–${format(max)})`;
}

/** The table's lines for one list pair. */
export function listRows(outcome: ListOutcome): Row[] {
  const { target, rounds, ratio, roundsWithoutRatio } = outcome;
  const n = target.scenario;
  const clean = roundsWithoutRatio === 0 && rounds.every((r) => r.server.non2xx + r.server.errors + r.reference.non2xx + r.reference.errors === 0);
  const missing = roundsWithoutRatio > 0 ? `; ${roundsWithoutRatio} round(s) without answers` : '';
  const rps = (m: Measured) => m.requestsPerSecond;
  const medianOf = (side: 'server' | 'reference', pick: (m: Measured) => number) => spread(rounds.map((r) => pick(r[side]))).median;
  const cpu = (side: 'server' | 'reference') =>
    `${medianOf(side, (m) => m.cpu.targetMsPerRequest).toFixed(3)} + ${medianOf(side, (m) => m.cpu.databaseMsPerRequest).toFixed(3)} ms`;
  const latency = (side: 'server' | 'reference') => `${fmt.ms(medianOf(side, (m) => m.latencyMs.p50))} / ${fmt.ms(medianOf(side, (m) => m.latencyMs.p99))}`;
  return [
    {
      scenario: n,
      measure: `${target.title}: requests/s, median (lowest–highest) of ${rounds.length} rounds`,
      server: ofRounds(rounds, 'server', rps, fmt.rps),
      reference: ofRounds(rounds, 'reference', rps, fmt.rps),
      ratio: (rounds.length === 1 ? fmt.ratio(ratio.min) : `${fmt.ratio(ratio.median)} (${fmt.ratio(ratio.min)}–${fmt.ratio(ratio.max)})`) + missing,
      target: `lowest ≥ ${TARGETS.listRatio}`,
      pass: ratio.min >= TARGETS.listRatio && clean,
    },
    {
      scenario: n,
      measure: '  CPU per request: process + database sessions (median)',
      server: cpu('server'),
      reference: cpu('reference'),
      ratio: fmt.ratio(medianOf('server', (m) => m.cpu.targetMsPerRequest) / medianOf('reference', (m) => m.cpu.targetMsPerRequest)),
      target: '',
    },
    {
      scenario: n,
      measure: '  latency p50 / p99 (median)',
      server: latency('server'),
      reference: latency('reference'),
      ratio: `${fmt.ratio(medianOf('server', (m) => m.latencyMs.p50) / medianOf('reference', (m) => m.latencyMs.p50))} / ${fmt.ratio(medianOf('server', (m) => m.latencyMs.p99) / medianOf('reference', (m) => m.latencyMs.p99))}`,
      target: '',
    },
  ];
}
