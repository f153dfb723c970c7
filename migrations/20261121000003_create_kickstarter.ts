import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('kickstarter', (table) => {
    table.increments('id');
    table.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    table.string('campaign_name', 128).notNullable();
    table.string('categories', 64).notNullable();
    table.text('description');
    table.integer('monetary_goal').notNullable();
    table.integer('duration').notNullable();
    table.string('country', 64).notNullable();
    table.timestamps(true, true);
    table.index(['user_id', 'id'], 'kickstarter_user_id_id_index');
  });
  // The list filters compare case-insensitively and page by id.
  await knex.raw('CREATE INDEX kickstarter_categories_id_index ON kickstarter (lower(categories), id)');
  await knex.raw('CREATE INDEX kickstarter_country_id_index ON kickstarter (lower(country), id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('kickstarter');
}
