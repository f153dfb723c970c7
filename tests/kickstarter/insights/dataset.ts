import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { TestApp } from '../../helpers/app';
import { type GenerateOptions, writeCsv } from '../../helpers/kickstarter-csv';
import { type DatasetImport, importDataset } from '../../../src/kickstarter/insights/dataset';
import type { BadRowReport, ImportOptions } from '../../../src/kickstarter/insights/import';
import type { CampaignFacts, Insights } from '../../../src/kickstarter/insights/statistics';

/** Generated CSVs of a test file live in one temporary directory, removed by `removeCsvFiles`. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insights-csv-'));
let files = 0;

export async function csvFile(options: GenerateOptions): Promise<string> {
  const file = path.join(dir, `campaigns-${(files += 1)}.csv`);
  await writeCsv(file, options);
  return file;
}

/** A campaign as the Kickstarter client creates it: its form's fields, goal and duration as numbers. */
export const CLIENT_CAMPAIGN = {
  campaignName: 'Dragon dice, the card game',
  categories: 'Tabletop Games',
  description: 'A game of dice and dragons.',
  monetaryGoal: 5000,
  duration: 30,
  country: 'Japan',
};

export const removeCsvFiles = () => fs.rmSync(dir, { recursive: true, force: true });

/** Imports `location` into the test app's database as the command does; the bad rows reported. */
export async function importInto(
  t: TestApp,
  location: string,
  options: ImportOptions = {},
): Promise<DatasetImport & { bad: BadRowReport[] }> {
  const bad: BadRowReport[] = [];
  const result = await importDataset(t.knex, t.deps.db.kind, location, { ...options, onBadRow: (row) => bad.push(row) });
  return { ...result, bad };
}

const FINISHED = ['successful', 'failed', 'canceled', 'suspended'];

/** The contract's definitions, written as directly as SQL allows: the oracle for the precomputed figures. */
export async function directFigures(knex: Knex, facts: CampaignFacts): Promise<Omit<Insights, 'prediction_results' | 'results'>> {
  const goal = facts.monetaryGoal;
  const inCategory = (q: Knex.QueryBuilder) =>
    q.where((w) => void w.whereRaw('lower(category) = lower(?)', [facts.categories]).orWhereRaw('lower(main_category) = lower(?)', [facts.categories]));
  const successful = () => knex('past_campaigns').where({ state: 'successful' });
  const one = async (query: PromiseLike<unknown>) => Object.values(((await query) as Array<Record<string, unknown>>)[0] ?? {})[0] ?? null;
  const categoryShare = await one(
    inCategory(knex('past_campaigns').whereIn('state', FINISHED)).select(
      knex.raw("count(*) FILTER (WHERE state = 'successful')::float8 / nullif(count(*), 0)"),
    ),
  );
  return {
    raising_more_success: Number(await one(successful().where('goal_usd', '>', goal).count({ n: '*' }))),
    category_success: categoryShare as number | null,
    category_average: (await one(inCategory(successful()).select(knex.raw('avg(pledged_usd)::float8')))) as number | null,
    average_over: (await one(successful().where('goal_usd', '>', goal).select(knex.raw('avg(pledged_usd - goal_usd)::float8')))) as number | null,
    average_backers: (await one(
      successful().whereRaw('goal_usd BETWEEN ?::numeric * 0.9 AND ?::numeric * 1.1', [goal, goal]).select(knex.raw('avg(backers)::float8')),
    )) as number | null,
    average_duration: (await one(inCategory(successful()).select(knex.raw('avg(duration_days)')))) as number | null,
  };
}

/** The six figures of `actual` equal `expected` (to 9 digits: the precomputed sums are exact, the divisions may differ in the last bit). */
export function expectSameFigures(actual: Insights, expected: Awaited<ReturnType<typeof directFigures>>) {
  for (const [field, value] of Object.entries(expected)) {
    const got = actual[field as keyof Insights];
    if (value === null) expect([field, got]).toEqual([field, null]);
    else if (value === 0) expect([field, got]).toEqual([field, 0]);
    else expect([field, got! / (value as number)]).toEqual([field, expect.closeTo(1, 9)]);
  }
}
