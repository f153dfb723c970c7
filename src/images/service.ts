import type { Knex } from 'knex';
import type { Page, PageQuery } from '../db';
import { found, notFound } from '../http/errors';
import { validate } from '../http/validation';
import type { ImageFiles } from './files/service';
import {
  changeOwnImageData,
  changeOwnImageDataIn,
  deleteOwnImage,
  findOwnImage,
  type Image,
  insertImage,
  listImages,
  replaceOwnImageData,
} from './model';
import { type ImageData, imageDataSchema } from './schemas';

type Fields = Record<string, unknown>;

/**
 * `patch` merged over `current`, key by key. When the patch changes the URL without naming a type,
 * the type is dropped, to be inferred again from the new URL.
 */
function mergeImageData(current: ImageData, patch: Fields): Fields {
  const merged: Fields = { ...current, ...patch };
  const url = typeof patch.url === 'string' ? patch.url.trim() : patch.url;
  const urlChanged = 'url' in patch && url !== current.url;
  if (urlChanged && !('type' in patch)) {
    const { type: _stale, ...rest } = merged;
    return rest;
  }
  return merged;
}

const trimmedUrl = (value: unknown) => (typeof value === 'string' ? value.trim() : value);

/**
 * The caller's images. Another user's image is answered exactly like an unknown id (404) on every
 * verb: nobody learns which image ids exist. An image's file and measurements are left to `files`:
 * created or given a new URL, the image claims the upload that URL names or has the URL measured;
 * deleted, its files go (`baseUrl`: the server's public origin, for the URLs of stored files).
 */
export function createImageService(knex: Knex, files: ImageFiles) {
  return {
    /** A page of the caller's images as JSON texts. */
    list: (userId: number, pageQuery: PageQuery): Promise<Page> => listImages(knex, userId, pageQuery),

    async get(userId: number, id: number): Promise<Image> {
      return found(await findOwnImage(knex, id, userId));
    },

    create: (userId: number, data: ImageData, baseUrl: string): Promise<Image> =>
      files.createImage(userId, data.url, (trx) => insertImage(trx, userId, data), baseUrl),

    async replace(userId: number, id: number, data: ImageData, baseUrl: string): Promise<Image> {
      const current = found(await findOwnImage(knex, id, userId));
      if (current.data.url === data.url) return found(await replaceOwnImageData(knex, id, userId, data));
      return found(await files.changeImageUrl(userId, data.url, (trx) => replaceOwnImageData(trx, id, userId, data), baseUrl));
    },

    /** Merged under a row lock, so concurrent patches do not lose each other's keys. */
    async patch(userId: number, id: number, patch: Fields, baseUrl: string): Promise<Image> {
      const change = (current: ImageData) => validate(imageDataSchema, mergeImageData(current, patch));
      const url = trimmedUrl(patch.url);
      const current = found(await findOwnImage(knex, id, userId));
      if (typeof url !== 'string' || url === current.data.url) return found(await changeOwnImageData(knex, id, userId, change));
      return found(await files.changeImageUrl(userId, url, (trx) => changeOwnImageDataIn(trx, id, userId, change), baseUrl));
    },

    /** The image's stored files are deleted right after (queued by the database with the row). */
    async remove(userId: number, id: number): Promise<void> {
      if (!(await deleteOwnImage(knex, id, userId))) throw notFound();
      files.kick();
    },

  };
}

export type ImageService = ReturnType<typeof createImageService>;
