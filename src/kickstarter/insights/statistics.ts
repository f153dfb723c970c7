import type { Knex } from 'knex';
import type { CampaignFields } from '../model';
import { countryCode } from './countries';
import { predict, type TrainedModel } from './model';

/** What a campaign's insights are computed from: its own fields, as the API names them. */
export type CampaignFacts = CampaignFields;

/** The eight insight fields of a campaign (the contract's "Insights on every campaign"). */
export interface Insights {
  prediction_results: number | null;
  results: number | null;
  raising_more_success: number | null;
  category_success: number | null;
  category_average: number | null;
  average_over: number | null;
  average_backers: number | null;
  average_duration: number | null;
}

export const INSIGHT_FIELDS = [
  'prediction_results',
  'results',
  'raising_more_success',
  'category_success',
  'category_average',
  'average_over',
  'average_backers',
  'average_duration',
] as const satisfies ReadonlyArray<keyof Insights>;

const NO_INSIGHTS: Insights = Object.fromEntries(INSIGHT_FIELDS.map((field) => [field, null])) as unknown as Insights;

type Figures = Omit<Insights, 'prediction_results' | 'results'> & { version: number; rows: number };

/**
 * The six figures in one statement of index look-ups, whatever the dataset's size: "goal greater
 * than g" and "goal within ±10 %" are differences of the running totals of past_goal_stats at the
 * last goal at or below each bound (numeric arithmetic, so 1.1 × g is exact); a category's figures
 * are one row of past_category_stats.
 */
const FIGURES_SQL = `
SELECT d.version, d.rows,
  coalesce(t.successful_upto, 0) - coalesce(a.successful_upto, 0) AS raising_more_success,
  ((t.over_upto - coalesce(a.over_upto, 0)) / nullif(t.successful_upto - coalesce(a.successful_upto, 0), 0))::float8 AS average_over,
  ((coalesce(hi.backers_upto, 0) - coalesce(lo.backers_upto, 0))::numeric
    / nullif(coalesce(hi.successful_upto, 0) - coalesce(lo.successful_upto, 0), 0))::float8 AS average_backers,
  c.successful::float8 / nullif(c.finished, 0) AS category_success,
  (c.pledged_sum / nullif(c.successful, 0))::float8 AS category_average,
  c.duration_sum / nullif(c.successful, 0) AS average_duration
FROM campaign_dataset d
LEFT JOIN LATERAL (SELECT * FROM past_goal_stats ORDER BY goal_usd DESC LIMIT 1) t ON true
LEFT JOIN LATERAL (SELECT * FROM past_goal_stats WHERE goal_usd <= ?::numeric ORDER BY goal_usd DESC LIMIT 1) a ON true
LEFT JOIN LATERAL (SELECT * FROM past_goal_stats WHERE goal_usd <= ?::numeric * 1.1 ORDER BY goal_usd DESC LIMIT 1) hi ON true
LEFT JOIN LATERAL (SELECT * FROM past_goal_stats WHERE goal_usd < ?::numeric * 0.9 ORDER BY goal_usd DESC LIMIT 1) lo ON true
LEFT JOIN past_category_stats c ON c.key = lower(?)
WHERE d.id = 1`;

/** The stored model by dataset version, per database: loaded once per import, not per campaign. */
const models = new WeakMap<Knex, { version: number; model: TrainedModel | null }>();

async function modelOf(knex: Knex, version: number): Promise<TrainedModel | null> {
  const cached = models.get(knex);
  if (cached?.version === version) return cached.model;
  const row: { model: TrainedModel | null; version: number } | undefined = await knex('campaign_dataset')
    .select('model', 'version')
    .where({ id: 1 })
    .first();
  if (!row) return null;
  models.set(knex, { version: row.version, model: row.model });
  return row.model;
}

/** The chance of success as an integer percent, from the stored model. */
function predictPercent(model: TrainedModel, facts: CampaignFacts): number {
  const named = facts.categories.trim().toLowerCase();
  // A category (Tabletop Games) brings its main category (Games); a main category stands alone.
  const main = model.mainOf[named];
  const probability = predict(model, {
    category: main === undefined ? null : named,
    mainCategory: main ?? named,
    country: countryCode(facts.country) ?? null,
    goalUsd: facts.monetaryGoal,
    durationDays: facts.duration,
    text: `${facts.campaignName} ${facts.description ?? ''}`,
  });
  return Math.round(probability * 100);
}

/** A campaign's eight insights; all null while no dataset has been imported. */
export async function computeInsights(knex: Knex, facts: CampaignFacts): Promise<Insights> {
  const goal = String(facts.monetaryGoal);
  const { rows } = (await knex.raw(FIGURES_SQL, [goal, goal, goal, facts.categories.trim()])) as { rows: Figures[] };
  const figures = rows[0];
  if (!figures || figures.rows === 0) return NO_INSIGHTS;
  const model = await modelOf(knex, figures.version);
  const percent = model ? predictPercent(model, facts) : null;
  const { version: _version, rows: _rows, ...statistics } = figures;
  return { prediction_results: percent, results: percent === null ? null : percent >= 50 ? 1 : 0, ...statistics };
}

interface CampaignRow {
  id: number;
  campaign_name: string;
  categories: string;
  description: string | null;
  monetary_goal: number;
  duration: number;
  country: string;
}

const FACT_COLUMNS = ['campaign_name', 'categories', 'description', 'monetary_goal', 'duration', 'country'] as const;

/** Stores insights computed from `row`, unless its fields changed since (that change stores its own). */
async function storeInsights(knex: Knex, row: CampaignRow, insights: Insights): Promise<void> {
  const unchanged = Object.fromEntries(FACT_COLUMNS.map((column) => [column, row[column]]));
  await knex('kickstarter').update(insights).where({ id: row.id, ...unchanged });
}

const factsOf = (row: CampaignRow): CampaignFacts => ({
  campaignName: row.campaign_name,
  categories: row.categories,
  description: row.description,
  monetaryGoal: row.monetary_goal,
  duration: row.duration,
  country: row.country,
});

/**
 * Computes and stores the insights of campaign `id` from its stored fields (after a create or a
 * change); undefined if there is no such campaign.
 */
export async function refreshCampaignInsights(knex: Knex, id: number): Promise<Insights | undefined> {
  const row: CampaignRow | undefined = await knex('kickstarter').select('id', ...FACT_COLUMNS).where({ id }).first();
  if (!row) return undefined;
  const insights = await computeInsights(knex, factsOf(row));
  await storeInsights(knex, row, insights);
  return insights;
}

const REFRESH_PAGE = 500;

/** Recomputes every stored campaign's insights (after an import), in id order; how many. */
export async function refreshAllInsights(knex: Knex): Promise<number> {
  let after = 0;
  let count = 0;
  for (;;) {
    const page: CampaignRow[] = await knex('kickstarter')
      .select('id', ...FACT_COLUMNS)
      .where('id', '>', after)
      .orderBy('id')
      .limit(REFRESH_PAGE);
    if (page.length === 0) return count;
    for (const row of page) await storeInsights(knex, row, await computeInsights(knex, factsOf(row)));
    count += page.length;
    after = page[page.length - 1]!.id;
  }
}
