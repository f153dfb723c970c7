import type { Knex } from 'knex';
import { isoTimestampSql, type Page, type PageQuery, readPage, sql } from '../db';
import type { ImageData } from './schemas';

/** An image as the API shows it. */
export interface Image {
  id: number;
  user_id: number;
  data: ImageData;
  /** What the server measured in the picture; null until then. */
  metrics: Record<string, unknown> | null;
  /** ISO-8601 (src/db/timestamps.ts). */
  created_at: string;
  updated_at: string;
}

const IMAGE_COLUMNS = ['id', 'user_id', 'data', 'metrics', 'created_at', 'updated_at'] as const;

// JSON text, as knex advises for json columns (the pg driver writes a JS array as a PostgreSQL array).
const toJsonb = (data: ImageData) => JSON.stringify(data);

export async function insertImage(knex: Knex, userId: number, data: ImageData): Promise<Image> {
  const [row] = await knex('images').insert({ user_id: userId, data: toJsonb(data) }).returning(IMAGE_COLUMNS);
  return row as Image;
}

// The list's columns as SQL text, timestamps made ISO-8601 by PostgreSQL, which writes the JSON.
const LIST_IMAGES = sql.raw(
  `select ${IMAGE_COLUMNS.map((column) => (column.endsWith('_at') ? isoTimestampSql(column) : column)).join(', ')} from images`,
);

/**
 * A page of the owner's images in id order, from the `(user_id, id)` index, each as JSON text
 * (`data` as PostgreSQL writes jsonb: the same JSON, with a space after each colon and comma).
 */
export function listImages(knex: Knex, userId: number, pageQuery: PageQuery): Promise<Page> {
  return readPage(knex, { select: LIST_IMAGES, where: [sql`user_id = ${userId}`] }, pageQuery);
}

/** Image `id` if `userId` owns it: someone else's image is as absent as an unknown one. */
export async function findOwnImage(knex: Knex, id: number, userId: number): Promise<Image | undefined> {
  return knex('images').select(IMAGE_COLUMNS).where({ id, user_id: userId }).first();
}

/** Replaces the data of image `id` if `userId` owns it; undefined otherwise. */
export async function replaceOwnImageData(
  knex: Knex,
  id: number,
  userId: number,
  data: ImageData,
): Promise<Image | undefined> {
  const [row] = await knex('images')
    .update({ data: toJsonb(data), updated_at: knex.fn.now() })
    .where({ id, user_id: userId })
    .returning(IMAGE_COLUMNS);
  return row as Image | undefined;
}

/**
 * Changes the data of image `id` if `userId` owns it, to what `change` makes of the current data;
 * undefined when there is no such image. The row stays locked in between, so concurrent changes
 * do not overwrite each other; an error thrown by `change` leaves the image as it was.
 */
export async function changeOwnImageData(
  knex: Knex,
  id: number,
  userId: number,
  change: (current: ImageData) => Promise<ImageData>,
): Promise<Image | undefined> {
  return knex.transaction((trx) => changeOwnImageDataIn(trx, id, userId, change));
}

/** `changeOwnImageData` inside the caller's transaction `trx`. */
export async function changeOwnImageDataIn(
  trx: Knex.Transaction,
  id: number,
  userId: number,
  change: (current: ImageData) => Promise<ImageData>,
): Promise<Image | undefined> {
  const current = await trx('images').select('data').where({ id, user_id: userId }).forUpdate().first();
  if (!current) return undefined;
  const data = await change(current.data as ImageData);
  const [row] = await trx('images')
    .update({ data: toJsonb(data), updated_at: trx.fn.now() })
    .where({ id })
    .returning(IMAGE_COLUMNS);
  return row as Image;
}

/** Deletes image `id` if `userId` owns it; whether it did. */
export async function deleteOwnImage(knex: Knex, id: number, userId: number): Promise<boolean> {
  return (await knex('images').where({ id, user_id: userId }).del()) > 0;
}
