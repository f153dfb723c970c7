import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { UploadConfig } from '../../config';
import { forbidden, HttpError } from '../../http/errors';
import { declaredFormat, MIME_TYPES, notAnImage, quotaExceeded } from './formats';
import type { FileMetrics } from './measure';
import type { MeasurePool } from './measure-pool';
import * as model from './model';
import { receiveToFile } from './receive';
import { type FileStorage, isStoredName, thumbnailKey } from './storage';

/** How long a signed upload URL may be used, and its upload claimed by an image. */
export const UPLOAD_SECONDS = 600;

export interface UploadsDeps {
  knex: Knex;
  storage: FileStorage;
  pool: MeasurePool;
  config: UploadConfig;
  /** Signs the disk store's PUT URLs (the server's JWT secret will do: only this server checks them). */
  secret: string;
}

/** Where an upload's file is read by clients: `<base>/uploads/<key>`, the same for disk and S3. */
export const uploadUrl = (baseUrl: string, key: string) => `${baseUrl}/uploads/${key}`;

/** The key of a URL this server handed out for an upload, whatever host it was reached through. */
export function uploadKeyOf(url: string): string | undefined {
  try {
    const match = /^\/uploads\/([^/]+)$/.exec(new URL(url).pathname);
    return match && isStoredName(match[1]!) && !match[1]!.endsWith('-thumbnail') ? match[1] : undefined;
  } catch {
    return undefined;
  }
}

/** A file received in a request, stored and measured, not yet claimed by an image. */
export interface ReceivedFile {
  key: string;
  url: string;
  type: string;
}

const signature = (secret: string, key: string, contentType: string, expires: number) =>
  createHmac('sha256', secret).update(`upload\n${key}\n${contentType}\n${expires}`).digest('base64url');

const mediaType = (value: string | undefined) => (value ?? '').split(';')[0]!.trim().toLowerCase();

export function createUploads({ knex, storage, pool, config, secret }: UploadsDeps) {
  async function checkQuota(userId: number, adding: number): Promise<void> {
    if ((await model.storedBytes(knex, userId)) + adding > config.quotaBytes) throw quotaExceeded(config.quotaBytes);
  }

  /**
   * Measures the received file at `localPath` and stores its copy and thumbnail under `key`:
   * 422 (nothing stored) when it is no readable picture, 413 past the owner's quota.
   */
  async function ingest(upload: Pick<model.Upload, 'key' | 'user_id'>, localPath: string): Promise<FileMetrics> {
    const outputs = { file: `${localPath}.stored`, thumbnail: `${localPath}.thumbnail` };
    try {
      const result = await pool.measure(localPath, outputs);
      if (!result.ok) throw notAnImage(result.reason);
      const bytes = result.storedBytes + result.thumbnailBytes;
      await checkQuota(upload.user_id, bytes);
      await storage.putFile(upload.key, outputs.file, result.contentType);
      await storage.putFile(thumbnailKey(upload.key), outputs.thumbnail, 'image/webp');
      await model.recordReceived(knex, upload.key, { content_type: result.contentType, bytes, metrics: result.metrics });
      return result.metrics;
    } finally {
      await Promise.all([localPath, outputs.file, outputs.thumbnail].map((file) => fs.promises.rm(file, { force: true })));
    }
  }

  const scratchFile = () => path.join(storage.scratchDir, randomUUID());

  return {
    ingest,
    scratchFile,

    /**
     * POST /api/images/uploads (and /images/signed-url): reserves a key and answers the one-time
     * URL to PUT the file to (presigned S3, or this server's own signed URL on disk).
     */
    async createUpload(userId: number, body: Record<string, unknown>, baseUrl: string) {
      const fileType = body.fileType ?? body.filetype;
      const fileName = body.fileName ?? body.filename;
      const format = declaredFormat(fileType) ?? (fileType === undefined ? declaredFormat(String(fileName ?? '').split('.').pop()) : undefined);
      if (!format) {
        throw new HttpError(422, 'The given data was invalid.', {
          errors: { fileType: ['The fileType must be png, jpeg, gif, webp, avif, tiff or bmp (an extension or a MIME type).'] },
        });
      }
      await checkQuota(userId, 1);
      const key = randomUUID();
      const contentType = MIME_TYPES[format];
      const expiresAt = await model.insertUpload(knex, { key, user_id: userId, content_type: contentType }, UPLOAD_SECONDS);
      const url = uploadUrl(baseUrl, key);
      const expires = Math.floor(expiresAt.getTime() / 1000);
      const signedRequest = storage.presignPut
        ? await storage.presignPut(key, contentType, UPLOAD_SECONDS)
        : `${url}?expires=${expires}&signature=${signature(secret, key, contentType, expires)}`;
      return {
        success: true as const,
        data: { returnData: { signedRequest, url } },
        signedRequest,
        url,
        expires_at: expiresAt.toISOString(),
      };
    },

    /**
     * PUT of a signed URL on the disk store: 403 when expired, used, tampered with or sent with
     * another Content-Type than signed; then the checks of every upload (413, 422).
     */
    async acceptSignedUpload(key: string, query: { expires?: unknown; signature?: unknown }, body: Readable, contentType: string | undefined) {
      const refuse = () => forbidden('The upload URL is expired, used or invalid.');
      const expires = Number(query.expires);
      const upload = isStoredName(key) ? await model.findUpload(knex, key) : undefined;
      if (!upload || typeof query.signature !== 'string' || !Number.isSafeInteger(expires) || expires * 1000 < Date.now()) throw refuse();
      const expected = Buffer.from(signature(secret, key, upload.content_type, expires));
      const given = Buffer.from(query.signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refuse();
      if (mediaType(contentType) !== upload.content_type) throw refuse();
      if (!(await model.startReceiving(knex, key))) throw refuse();
      try {
        const localPath = scratchFile();
        await receiveToFile(body, localPath, config.maxBytes);
        await ingest(upload, localPath);
      } catch (error) {
        await model.stopReceiving(knex, key);
        throw error;
      }
    },

    /**
     * A file sent in a request (multipart's `file` field): stored and measured under a new key;
     * the key, the URL to create the image with (`data.url`) and its type.
     */
    async receiveFile(userId: number, body: Readable, baseUrl: string): Promise<ReceivedFile> {
      await checkQuota(userId, 1);
      const key = randomUUID();
      await model.insertUpload(knex, { key, user_id: userId, content_type: 'application/octet-stream' }, UPLOAD_SECONDS);
      try {
        const localPath = scratchFile();
        await receiveToFile(body, localPath, config.maxBytes);
        const metrics = await ingest({ key, user_id: userId }, localPath);
        return { key, url: uploadUrl(baseUrl, key), type: MIME_TYPES[metrics.format] };
      } catch (error) {
        await model.deleteUpload(knex, key);
        throw error;
      }
    },
  };
}
