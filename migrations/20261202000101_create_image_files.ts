import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A file reserved for upload: its random key, who may claim it and until when. Every stored
  // file starts here, so one that no image ever claimed (an abandoned PUT, a crash mid-upload)
  // is found by its expiry and deleted.
  await knex.schema.createTable('uploads', (table) => {
    table.uuid('key').primary();
    table.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    table.string('content_type', 32).notNullable();
    table.timestamp('expires_at', { useTz: true }).notNullable().index('uploads_expires_at_index');
    // Set once the bytes arrived (and, on disk, passed the checks); the PUT is one-time.
    table.timestamp('received_at', { useTz: true });
    table.bigInteger('bytes');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.alterTable('images', (table) => {
    // null until measured; { error } when the picture could not be read.
    table.jsonb('metrics');
    // The stored file (unique: one upload, one image) and its thumbnail, when the image has them.
    table.uuid('file_key').unique('images_file_key_unique');
    table.string('thumbnail_key', 64);
    table.bigInteger('file_bytes').notNullable().defaultTo(0);
    // 64-bit perceptual hash, for near-duplicates among the owner's images (Hamming distance).
    table.bigInteger('phash');
  });

  // Measurements to do and stored files to delete, so that neither is lost to a restart: a runner
  // claims a job for a lease, and a job whose lease ran out (its runner died) is claimed again.
  await knex.schema.createTable('image_jobs', (table) => {
    table.bigIncrements('id');
    table.string('kind', 16).notNullable();
    table.integer('image_id');
    table.jsonb('payload').notNullable().defaultTo('{}');
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('run_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).index('image_jobs_run_at_index');
    table.text('last_error');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('image_jobs');
  await knex.schema.alterTable('images', (table) => {
    table.dropColumns('metrics', 'file_key', 'thumbnail_key', 'file_bytes', 'phash');
  });
  await knex.schema.dropTable('uploads');
}
