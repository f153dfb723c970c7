import type { Knex } from 'knex';
import type { FileMetrics } from './measure';

/** An upload row: a reserved key, and once received, what measuring found. */
export interface Upload {
  key: string;
  user_id: number;
  content_type: string;
  /** ISO-8601, as every timestamp the driver reads (src/timestamps.ts). */
  expires_at: string;
  received_at: string | null;
  bytes: string;
  metrics: FileMetrics | null;
}

/** Bits two perceptual hashes may differ by and still show the same picture (of 64). */
const NEAR_DUPLICATE_BITS = 6;

export const findUpload = (knex: Knex, key: string): Promise<Upload | undefined> =>
  knex('uploads').where({ key }).first();

export async function insertUpload(knex: Knex, upload: Pick<Upload, 'key' | 'user_id' | 'content_type'>, seconds: number): Promise<Date> {
  const [row] = await knex('uploads')
    .insert({ ...upload, expires_at: knex.raw("now() + ? * interval '1 second'", [seconds]) })
    .returning('expires_at');
  return new Date(row.expires_at as string);
}

/** Takes the one-time right to send the bytes of `key`: false when expired or already taken. */
export async function startReceiving(knex: Knex, key: string): Promise<boolean> {
  const taken = await knex('uploads')
    .where({ key })
    .whereNull('received_at')
    .where('expires_at', '>', knex.fn.now())
    .update({ received_at: knex.fn.now() });
  return taken > 0;
}

/** The upload goes, and with it (its row's trigger queues the delete) anything stored under its key. */
export const deleteUpload = (knex: Knex, key: string) => knex('uploads').where({ key }).del();

/** Gives the right back after a refused file, so that the client may try again with a good one. */
export const stopReceiving = (knex: Knex, key: string) => knex('uploads').where({ key }).update({ received_at: null });

export const recordReceived = (knex: Knex, key: string, fields: { content_type: string; bytes: number; metrics: object }) =>
  knex('uploads').where({ key }).update({ ...fields, metrics: JSON.stringify(fields.metrics), received_at: knex.fn.now() });

/** Bytes `userId` stores: every upload row (claimed or not) stands for its files. */
export async function storedBytes(knex: Knex, userId: number): Promise<number> {
  const row = await knex('uploads').where({ user_id: userId }).sum({ total: 'bytes' }).first();
  return Number(row?.total ?? 0);
}

export const isClaimed = async (knex: Knex, key: string) =>
  (await knex('images').where({ file_key: key }).first('id')) !== undefined;

/** The owner's earliest other image whose perceptual hash is within NEAR_DUPLICATE_BITS of `phash`. */
export async function findNearDuplicate(knex: Knex, userId: number, imageId: number, phash: string): Promise<number | null> {
  const row = await knex('images')
    .where({ user_id: userId })
    .whereNot({ id: imageId })
    .whereNotNull('phash')
    .whereRaw('bit_count((phash # ?::bigint)::bit(64)) <= ?', [signedPhash(phash), NEAR_DUPLICATE_BITS])
    .orderBy('id')
    .first('id');
  return row ? row.id : null;
}

/** The 64-bit hash as the signed bigint PostgreSQL stores. */
const signedPhash = (hex: string) => BigInt.asIntN(64, BigInt(`0x${hex}`)).toString();

export function attachFile(knex: Knex, imageId: number, fields: { file_key: string | null; phash: string | null; metrics: object }) {
  return knex('images')
    .where({ id: imageId })
    .update({ ...fields, phash: fields.phash && signedPhash(fields.phash), metrics: JSON.stringify(fields.metrics) });
}

const unclaimed = (knex: Knex) => knex('uploads').whereNotExists(knex('images').select(knex.raw('1')).whereRaw('images.file_key = uploads.key'));

/** Uploads never claimed by an image before they expired go, and with them (triggers) their files. */
export function deleteExpiredUploads(knex: Knex): Promise<number> {
  return unclaimed(knex).where('expires_at', '<', knex.fn.now()).del();
}

/** The upload goes, with its files, unless an image holds it. */
export const deleteUnclaimedUpload = (knex: Knex, key: string): Promise<number> => unclaimed(knex).where({ key }).del();
