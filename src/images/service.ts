import type { Knex } from 'knex';
import { notFound } from '../http/errors';
import type { Page, PageQuery } from '../http/pagination';
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

const isObject = (value: unknown): value is Fields =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The image data a body carries: its `data` when that holds an object, else the body itself
 * without the keys a client never sets.
 */
export function imageDataFromBody(body: unknown): Fields {
  const fields = isObject(body) ? body : {};
  if (isObject(fields.data)) return fields.data;
  const { id: _id, user_id: _userId, created_at: _createdAt, updated_at: _updatedAt, ...data } = fields;
  return data;
}

/**
 * `patch` merged over `current`, key by key. When the patch changes the URL without naming a type,
 * the type is dropped, to be inferred again from the new URL.
 */
export function mergeImageData(current: ImageData, patch: Fields): Fields {
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
 * verb, and before the body is looked at: nobody learns which image ids exist.
 */
export function createImageService(knex: Knex) {
  const parseData = (body: unknown) => validate(imageDataSchema, imageDataFromBody(body));

  return {
    /** A page of the caller's images as JSON text. */
    list(userId: number, pageQuery: PageQuery): Promise<Page<string>> {
      return listImages(knex, userId, pageQuery);
    },

    async get(userId: number, id: number): Promise<Image> {
      const image = await findOwnImage(knex, id, userId);
      if (!image) throw notFound();
      return image;
    },

    async create(userId: number, body: unknown): Promise<Image> {
      return insertImage(knex, userId, await parseData(body));
    },

    /** One query when the body is valid; only an invalid one costs a look-up, to answer 404 before 422. */
    async replace(userId: number, id: number, body: unknown): Promise<Image> {
      const data = await parseData(body).catch(async (error: unknown) => {
        if (!(await findOwnImage(knex, id, userId))) throw notFound();
        throw error;
      });
      const image = await replaceOwnImageData(knex, id, userId, data);
      if (!image) throw notFound();
      return image;
    },

    async patch(userId: number, id: number, body: unknown): Promise<Image> {
      const patch = imageDataFromBody(body);
      const image = await changeOwnImageData(knex, id, userId, (current) =>
        validate(imageDataSchema, mergeImageData(current, patch)),
      );
      if (!image) throw notFound();
      return image;
    },

    async remove(userId: number, id: number): Promise<void> {
      if (!(await deleteOwnImage(knex, id, userId))) throw notFound();
    },
  };
}

export type ImageService = ReturnType<typeof createImageService>;
