import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (table) => {
    table.increments('id');
    table.string('username', 50);
    table.string('name', 100);
    // Stored lower-cased by the application, so a plain unique index is case-insensitive.
    table.string('email', 254).unique({ indexName: 'users_email_unique' });
    table.string('password_hash', 60).notNullable();
    // Bumped on every password change: tokens carry the version they were issued under.
    table.integer('token_version').notNullable().defaultTo(0);
    table.timestamps(true, true);
  });
  await knex.raw('CREATE UNIQUE INDEX users_username_lower_unique ON users (lower(username))');
  await knex.raw(
    'ALTER TABLE users ADD CONSTRAINT users_username_or_email CHECK (username IS NOT NULL OR email IS NOT NULL)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
}
