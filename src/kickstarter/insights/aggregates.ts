import type { Knex } from 'knex';
import { longQuery } from './long-query';
import type { ModelQuality, TrainedModel } from './model';

const FINISHED = "('successful', 'failed', 'canceled', 'suspended')";
/** Any fixed number: two imports that finish together rebuild one after the other. */
const REBUILD_LOCK = 1_801_201_612;

/**
 * Recomputes everything derived from the dataset and bumps its version, in one transaction with
 * the new model: a reader sees the old figures and model or the new ones, never a mix, and the
 * version (which chart ETags and the model cache follow) changes exactly when they do.
 */
export async function rebuildAggregates(
  knex: Knex,
  trained: { model: TrainedModel; quality: ModelQuality } | undefined,
): Promise<void> {
  await knex.transaction(async (trx) => {
    // Without it, the second rebuild's DELETE would miss the rows the first one inserted meanwhile.
    await longQuery(trx, 'SELECT pg_advisory_xact_lock(?::bigint)', [REBUILD_LOCK]);
    await longQuery(trx, 'DELETE FROM past_goal_stats');
    // Running totals over the successful campaigns in goal order (one row per distinct goal).
    await longQuery(
      trx,
      `INSERT INTO past_goal_stats (goal_usd, successful_upto, backers_upto, over_upto)
       SELECT goal_usd, sum(count(*)) OVER running, sum(sum(backers)) OVER running, sum(sum(pledged_usd - goal_usd)) OVER running
       FROM past_campaigns WHERE state = 'successful' GROUP BY goal_usd
       WINDOW running AS (ORDER BY goal_usd)`,
    );
    await longQuery(trx, 'DELETE FROM past_category_stats');
    // Each campaign under its category and, when that differs, under its main category too.
    await longQuery(
      trx,
      `INSERT INTO past_category_stats (key, finished, successful, pledged_sum, duration_sum)
       SELECT key, count(*), count(*) FILTER (WHERE state = 'successful'),
         coalesce(sum(pledged_usd) FILTER (WHERE state = 'successful'), 0),
         coalesce(sum(duration_days) FILTER (WHERE state = 'successful'), 0)
       FROM (
         SELECT lower(category) AS key, state, pledged_usd, duration_days FROM past_campaigns WHERE state IN ${FINISHED}
         UNION ALL
         SELECT lower(main_category), state, pledged_usd, duration_days FROM past_campaigns
         WHERE state IN ${FINISHED} AND lower(main_category) <> lower(category)
       ) AS finished
       GROUP BY key`,
    );
    await longQuery(trx, 'DELETE FROM past_main_category_stats');
    await longQuery(
      trx,
      `INSERT INTO past_main_category_stats (main_category, successful, goal_average, pledged_average)
       SELECT main_category, count(*), avg(goal_usd)::float8, avg(pledged_usd)::float8
       FROM past_campaigns WHERE state = 'successful' GROUP BY main_category`,
    );
    await longQuery(
      trx,
      `INSERT INTO campaign_dataset (id, version, rows, model, model_quality, imported_at)
       SELECT 1, 1, count(*), ?::jsonb, ?::jsonb, now() FROM past_campaigns
       ON CONFLICT (id) DO UPDATE SET version = campaign_dataset.version + 1, rows = excluded.rows,
         model = excluded.model, model_quality = excluded.model_quality, imported_at = excluded.imported_at`,
      [trained ? JSON.stringify(trained.model) : null, trained ? JSON.stringify(trained.quality) : null],
    );
  });
}
