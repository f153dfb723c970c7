import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Every stored file starts as an upload: a random key, who may claim it and until when. One
  // that no image claimed in time (an abandoned PUT, a crash mid-upload) is found by its expiry and
  // deleted; the row lives as long as the file, so the owner's quota is the sum of `bytes`.
  await knex.schema.createTable('uploads', (table) => {
    table.uuid('key').primary();
    table.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    table.string('content_type', 32).notNullable();
    table.timestamp('expires_at', { useTz: true }).notNullable().index('uploads_expires_at_index');
    // Set once the bytes arrived and passed the checks: the signed PUT is one-time.
    table.timestamp('received_at', { useTz: true });
    // The stored copy and the thumbnail together.
    table.bigInteger('bytes').notNullable().defaultTo(0);
    // What measuring found, until an image claims the upload and takes them.
    table.jsonb('metrics');
    table.index(['user_id'], 'uploads_user_id_index');
  });

  await knex.schema.alterTable('images', (table) => {
    // null until measured; { error } when the picture could not be read.
    table.jsonb('metrics');
    // The image's stored bytes (unique: one upload, one image).
    table.uuid('file_key').unique({ indexName: 'images_file_key_unique' });
    // 64-bit perceptual hash, for near-duplicates among the owner's images (Hamming distance).
    table.bigInteger('phash');
  });

  // Measurements to make and stored files to delete, kept here so that neither is lost to a
  // restart: a runner claims a job by pushing `run_at` a lease ahead, and a job whose runner died
  // comes due again when the lease runs out.
  await knex.schema.createTable('image_jobs', (table) => {
    table.bigIncrements('id');
    table.string('kind', 16).notNullable();
    table.jsonb('payload').notNullable();
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('run_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).index('image_jobs_run_at_index');
    table.text('last_error');
  });

  // Files go with their rows, however the rows go (an image deleted, its user deleted, an upload
  // expired): the delete is queued in the same transaction and retried until the store agrees,
  // and no row ever points at a file already deleted.
  await knex.raw(`
    CREATE FUNCTION images_release_upload() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM uploads WHERE key = OLD.file_key;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER images_release_upload AFTER DELETE ON images
    FOR EACH ROW WHEN (OLD.file_key IS NOT NULL) EXECUTE FUNCTION images_release_upload()`);
  await knex.raw(`
    CREATE FUNCTION uploads_delete_files() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO image_jobs (kind, payload) VALUES ('delete', jsonb_build_object('key', OLD.key));
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER uploads_delete_files AFTER DELETE ON uploads
    FOR EACH ROW EXECUTE FUNCTION uploads_delete_files()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER images_release_upload ON images');
  await knex.raw('DROP FUNCTION images_release_upload()');
  await knex.schema.dropTable('image_jobs');
  await knex.schema.alterTable('images', (table) => {
    table.dropColumns('metrics', 'file_key', 'phash');
  });
  await knex.schema.dropTable('uploads');
  await knex.raw('DROP FUNCTION uploads_delete_files()');
}
