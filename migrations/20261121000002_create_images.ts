import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('images', (table) => {
    table.increments('id');
    table.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    table.jsonb('data').notNullable();
    table.timestamps(true, true);
    // The owner's list, in id order, straight from the index.
    table.index(['user_id', 'id'], 'images_user_id_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('images');
}
