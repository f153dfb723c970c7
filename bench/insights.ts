import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { rebuildAggregates } from '../src/kickstarter/insights/aggregates';
import { CHART_NAMES, renderChart } from '../src/kickstarter/insights/charts';
import { importCampaignsCsv } from '../src/kickstarter/insights/import';
import { type CampaignFacts, computeInsights, refreshAllInsights } from '../src/kickstarter/insights/statistics';
import { trainModel } from '../src/kickstarter/insights/trainer';
import { CATEGORIES, random, writeCsv } from '../tests/helpers/kickstarter-csv';
import { type Backend, embeddedBackend, postgresBackend } from './backend';

/**
 * Campaign insights at scale (issue 13): `npx tsx bench/insights.ts [--rows=1000000]`, on a
 * throwaway PostgreSQL database next to DATABASE_URL's when it is set, else on the embedded one.
 * Imports a generated 10,000-row CSV, measures one campaign's insights, then a generated
 * 1,000,000-row CSV (the first 10,000 rows the same campaigns), measures the import's rate, the
 * training, the insights again and the chart pages.
 */

const SMALL_ROWS = 10_000;
const ROWS = Number(/^--rows=(\d+)$/.exec(process.argv[2] ?? '')?.[1] ?? 1_000_000);
const SAMPLES = 400;

const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(2)} ms`;
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

/** Campaigns like the client's: varied categories (and a main category), countries, goals and durations. */
function sampleFacts(count: number): CampaignFacts[] {
  const rand = random(99);
  return Array.from({ length: count }, (_, i) => ({
    campaignName: `Bench campaign ${i}`,
    categories: i % 7 === 0 ? 'Games' : CATEGORIES[i % CATEGORIES.length]![0],
    description: 'A campaign to measure.',
    monetaryGoal: Math.round(10 ** (2 + rand() * 5)),
    duration: 1 + Math.floor(rand() * 60),
    country: ['United States', 'Japan', 'Great Britain', 'Germany'][i % 4]!,
  }));
}

/** p50 of computing one campaign's insights, after a warm-up of the same campaigns. */
async function insightsP50(knex: Knex): Promise<number> {
  const facts = sampleFacts(SAMPLES);
  for (const campaign of facts.slice(0, 50)) await computeInsights(knex, campaign);
  const times: number[] = [];
  for (const campaign of facts) {
    const started = performance.now();
    await computeInsights(knex, campaign);
    times.push(performance.now() - started);
  }
  return p50(times);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, (performance.now() - started) / 1000];
}

async function run(knex: Knex, kind: Backend['kind']) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insights-bench-'));
  try {
    const small = path.join(dir, 'small.csv');
    const large = path.join(dir, 'large.csv');
    await writeCsv(small, { rows: SMALL_ROWS, seed: 1 });
    await writeCsv(large, { rows: ROWS, seed: 1 });
    const importAll = async (file: string) => {
      const [summary, importSeconds] = await timed(() => importCampaignsCsv(knex, kind, file));
      const [trained, trainSeconds] = await timed(() => trainModel(knex));
      const [, aggregateSeconds] = await timed(() => rebuildAggregates(knex, trained));
      await refreshAllInsights(knex);
      return { summary, importSeconds, trained: trained!, trainSeconds, aggregateSeconds };
    };
    await importAll(small);
    const smallP50 = await insightsP50(knex);
    const big = await importAll(large);
    const bigP50 = await insightsP50(knex);
    const campaign = { id: 1, categories: 'Tabletop Games', monetaryGoal: 5000, prediction_results: 42 };
    const chartTimes = await Promise.all(
      CHART_NAMES.map(async (which) => {
        const times: number[] = [];
        let bytes = 0;
        for (let i = 0; i < 30; i += 1) {
          const started = performance.now();
          bytes = Buffer.byteLength((await renderChart(knex, { ...campaign, monetaryGoal: 5000 + i }, which)).html);
          times.push(performance.now() - started);
        }
        return { which, p50: p50(times.slice(5)), bytes };
      }),
    );
    return { smallP50, bigP50, big, chartTimes, size: fs.statSync(large).size };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const backend = process.env.DATABASE_URL ? await postgresBackend(process.env.DATABASE_URL) : await embeddedBackend();
  try {
    console.log(`Campaign insights benchmark on ${backend.description}; ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}`);
    const { smallP50, bigP50, big, chartTimes, size } = await backend.withDb((knex) => run(knex, backend.kind));
    const { summary, importSeconds, trained, trainSeconds, aggregateSeconds } = big;
    const q = trained.quality;
    const rows = [
      ['import of a generated CSV', `${thousands(summary.rows)} rows (${(size / 1e6).toFixed(0)} MB) in ${importSeconds.toFixed(1)} s: ${thousands(summary.rows / importSeconds)} rows/s`, '≥ 50,000 rows/s (PostgreSQL)'],
      ['training the model (worker thread)', `${thousands(q.trainRows + q.testRows)} finished campaigns in ${trainSeconds.toFixed(1)} s`, '378,000 rows within 60 s'],
      ['aggregates rebuilt', `${aggregateSeconds.toFixed(1)} s`, ''],
      ['one campaign\'s insights, p50', `${ms(smallP50)} at ${thousands(SMALL_ROWS)} rows; ${ms(bigP50)} at ${thousands(ROWS)} rows (ratio ${(bigP50 / smallP50).toFixed(2)})`, '≤ 10 ms, ≤ 2× the 10,000-row time'],
      ...chartTimes.map(({ which, p50: time, bytes }) => [`chart page ${which}, p50`, `${ms(time)} (${thousands(bytes / 1000)} kB)`, '']),
      ['model on the held-out fifth', `accuracy ${q.accuracy.toFixed(3)}, ROC AUC ${q.auc.toFixed(3)}; majority baseline accuracy ${q.baselineAccuracy.toFixed(3)}, AUC 0.500`, 'AUC clearly > 0.5'],
    ];
    console.log('\n| measure | result | target |\n| --- | --- | --- |');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  } finally {
    await backend.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
