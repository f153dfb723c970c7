import type { Knex } from 'knex';

/**
 * The dataset of past Kickstarter campaigns (issue 13), kept apart from users' campaigns, and what
 * is derived from it at import time so that one campaign's insights are a few index look-ups at
 * any dataset size: per-goal prefix sums over the successful campaigns, per-category totals, the
 * trained model.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('past_campaigns', (table) => {
    table.bigInteger('source_id').primary();
    table.text('name').notNullable();
    table.text('category').notNullable();
    table.text('main_category').notNullable();
    // ISO 3166 code; null when the source had none (its `N,0"` rows).
    table.string('country', 2);
    // Exact decimals, so that sums and prefix-sum differences agree with a direct SQL average.
    table.decimal('goal_usd', 14, 2).notNullable();
    table.decimal('pledged_usd', 14, 2).notNullable();
    table.integer('backers').notNullable();
    table.timestamp('launched', { useTz: true }).notNullable();
    table.timestamp('deadline', { useTz: true }).notNullable();
    table.double('duration_days').notNullable();
    table.enu('state', ['successful', 'failed', 'canceled', 'suspended', 'live', 'undefined']).notNullable();
  });
  // The "Backers and Goals" chart samples a category's successful campaigns in source-id order.
  await knex.raw(
    "CREATE INDEX past_campaigns_category_success_index ON past_campaigns (lower(category), source_id) WHERE state = 'successful'",
  );
  await knex.raw(
    "CREATE INDEX past_campaigns_main_category_success_index ON past_campaigns (lower(main_category), source_id) WHERE state = 'successful'",
  );

  // Successful campaigns by goal, with running totals up to and including each goal: a count
  // over "goal greater than g" or "goal within ±10 %" is a difference of two rows found by index.
  await knex.schema.createTable('past_goal_stats', (table) => {
    table.decimal('goal_usd', 14, 2).primary();
    table.integer('successful_upto').notNullable();
    table.bigInteger('backers_upto').notNullable();
    table.decimal('over_upto', 18, 2).notNullable();
  });

  // Finished campaigns per lower-cased category or main category (a campaign counts once under each).
  await knex.schema.createTable('past_category_stats', (table) => {
    table.text('key').primary();
    table.integer('finished').notNullable();
    table.integer('successful').notNullable();
    table.decimal('pledged_sum', 18, 2).notNullable();
    table.double('duration_sum').notNullable();
  });

  // What the "Categories and Goals" chart draws: successful campaigns per main category.
  await knex.schema.createTable('past_main_category_stats', (table) => {
    table.text('main_category').primary();
    table.integer('successful').notNullable();
    table.double('goal_average').notNullable();
    table.double('pledged_average').notNullable();
  });

  // One row once a dataset was imported: its version (chart ETags change with it) and the model.
  await knex.schema.createTable('campaign_dataset', (table) => {
    table.smallint('id').primary().checkIn(['1']);
    table.integer('version').notNullable();
    table.integer('rows').notNullable();
    table.jsonb('model');
    table.jsonb('model_quality');
    table.timestamp('imported_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.alterTable('kickstarter', (table) => {
    table.smallint('prediction_results');
    table.smallint('results');
    table.integer('raising_more_success');
    table.double('category_success');
    table.double('category_average');
    table.double('average_over');
    table.double('average_backers');
    table.double('average_duration');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('kickstarter', (table) => {
    table.dropColumns(
      'prediction_results',
      'results',
      'raising_more_success',
      'category_success',
      'category_average',
      'average_over',
      'average_backers',
      'average_duration',
    );
  });
  for (const name of ['campaign_dataset', 'past_main_category_stats', 'past_category_stats', 'past_goal_stats', 'past_campaigns']) {
    await knex.schema.dropTable(name);
  }
}
