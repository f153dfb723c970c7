import type { Knex } from 'knex';

/**
 * The campaign list filtered by category and country at once, in id order, straight from one
 * index: with the single-column filter indexes alone, a keyset page of a common category would
 * step over every campaign of that category in other countries.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'CREATE INDEX kickstarter_categories_country_id_index ON kickstarter (lower(categories), lower(country), id)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX kickstarter_categories_country_id_index');
}
