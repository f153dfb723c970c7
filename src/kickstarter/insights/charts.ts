import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import {
  backersAndGoalsPage,
  categoriesAndGoalsPage,
  type ChartPage,
  chartHtml,
  type MainCategoryFigures,
  noDataPage,
  predictionPage,
} from './chart-pages';

export const CHART_NAMES = ['graph1', 'graph2', 'graph3'] as const;
export type ChartName = (typeof CHART_NAMES)[number];

const TITLES: Record<ChartName, string> = {
  graph1: 'Categories and Goals',
  graph2: 'Backers and Goals',
  graph3: 'Chance of success',
};

/** What a chart needs of a campaign: the API's campaign object has all of it. */
export interface ChartCampaign {
  id: number;
  categories: string;
  monetaryGoal: number;
  prediction_results: number | null;
}

/** The scatter's points at most: a page stays around 250 kB. */
export const MAX_SCATTER_POINTS = 1000;

/** Bump when the pages' drawing changes, so that caches let go of the old ones. */
const CHART_VERSION = 1;

interface DatasetVersion {
  version: number;
  rows: number;
}

async function datasetVersion(knex: Knex): Promise<DatasetVersion | undefined> {
  const row: DatasetVersion | undefined = await knex('campaign_dataset').select('version', 'rows').where({ id: 1 }).first();
  return row && row.rows > 0 ? row : undefined;
}

/**
 * A strong ETag over everything a page is drawn from: the campaign's fields that it shows and the
 * dataset's version (bumped by every import), so it changes when either does.
 */
function etagOf(campaign: ChartCampaign, which: ChartName, dataset: DatasetVersion | undefined): string {
  const key = JSON.stringify([
    CHART_VERSION,
    which,
    campaign.id,
    campaign.categories,
    campaign.monetaryGoal,
    campaign.prediction_results,
    dataset?.version ?? 0,
  ]);
  return `"${createHash('sha256').update(key).digest('base64url').slice(0, 27)}"`;
}

/** The page's ETag alone (one small query): to answer a conditional GET with 304 without drawing. */
export async function chartEtag(knex: Knex, campaign: ChartCampaign, which: ChartName): Promise<string> {
  return etagOf(campaign, which, await datasetVersion(knex));
}

/**
 * Successful past campaigns of the category (or main category), in source-id order (the
 * dataset's ids are random, so the first ones are a fair sample), and how many there are.
 */
async function backersAndGoals(knex: Knex, category: string): Promise<{ points: Array<[number, number]>; total: number }> {
  const key = category.trim().toLowerCase();
  const inCategory = (query: Knex.QueryBuilder) =>
    query.where({ state: 'successful' }).andWhere((where) => {
      void where.whereRaw('lower(category) = ?', [key]).orWhereRaw('lower(main_category) = ?', [key]);
    });
  const rows: Array<{ goal: number; backers: number }> = await inCategory(
    knex('past_campaigns').select(knex.raw('goal_usd::float8 AS goal'), 'backers'),
  )
    .orderBy('source_id')
    .limit(MAX_SCATTER_POINTS);
  const stats: { successful: number } | undefined = await knex('past_category_stats').select('successful').where({ key }).first();
  return { points: rows.map(({ goal, backers }) => [goal, backers]), total: stats?.successful ?? rows.length };
}

async function pageOf(knex: Knex, campaign: ChartCampaign, which: ChartName, dataset: DatasetVersion): Promise<ChartPage> {
  switch (which) {
    case 'graph1': {
      const figures: MainCategoryFigures[] = await knex('past_main_category_stats').orderBy('main_category');
      return categoriesAndGoalsPage(figures, campaign.monetaryGoal);
    }
    case 'graph2': {
      const { points, total } = await backersAndGoals(knex, campaign.categories);
      return backersAndGoalsPage(points, campaign.categories.trim(), campaign.monetaryGoal, total);
    }
    case 'graph3':
      return predictionPage(campaign.prediction_results, dataset.rows);
  }
}

/**
 * Chart page `which` of `campaign` as a complete HTML document (inline SVG, no script) and its
 * ETag. While no dataset is imported, each page says so.
 */
export async function renderChart(knex: Knex, campaign: ChartCampaign, which: ChartName): Promise<{ html: string; etag: string }> {
  const dataset = await datasetVersion(knex);
  const page = dataset ? await pageOf(knex, campaign, which, dataset) : noDataPage(TITLES[which]);
  return { html: chartHtml(page), etag: etagOf(campaign, which, dataset) };
}
