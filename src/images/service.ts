import type { Knex } from 'knex';
import type { Page, PageQuery } from '../db';
import { found, notFound } from '../http/errors';
import { validate } from '../http/validation';
import {
  changeOwnImageData,
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

/**
 * The caller's images. Another user's image is answered exactly like an unknown id (404) on every
 * verb: nobody learns which image ids exist.
 */
export function createImageService(knex: Knex) {

  return {
    /** A page of the caller's images as JSON texts. */
    list: (userId: number, pageQuery: PageQuery): Promise<Page> => listImages(knex, userId, pageQuery),

    async get(userId: number, id: number): Promise<Image> {
      return found(await findOwnImage(knex, id, userId));
    },

    create: (userId: number, data: ImageData): Promise<Image> => insertImage(knex, userId, data),

    async replace(userId: number, id: number, data: ImageData): Promise<Image> {
      return found(await replaceOwnImageData(knex, id, userId, data));
    },

    /** Merged under a row lock, so concurrent patches do not lose each other's keys. */
    async patch(userId: number, id: number, patch: Fields): Promise<Image> {
      return found(
        await changeOwnImageData(knex, id, userId, (current) => validate(imageDataSchema, mergeImageData(current, patch))),
      );
    },

    async remove(userId: number, id: number): Promise<void> {
      if (!(await deleteOwnImage(knex, id, userId))) throw notFound();
    },
  };
}

export type ImageService = ReturnType<typeof createImageService>;
