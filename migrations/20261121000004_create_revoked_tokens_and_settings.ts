import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Logged-out tokens, by their jti, until they would have expired anyway.
  await knex.schema.createTable('revoked_tokens', (table) => {
    table.uuid('jti').primary();
    table.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    table.timestamp('expires_at', { useTz: true }).notNullable().index('revoked_tokens_expires_at_index');
  });
  // Server-wide values every instance must agree on, such as the generated development JWT secret.
  await knex.schema.createTable('app_settings', (table) => {
    table.string('key', 64).primary();
    table.text('value').notNullable();
    table.timestamps(true, true);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('app_settings');
  await knex.schema.dropTable('revoked_tokens');
}
