import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import type { UploadConfig } from '../../config';
import { uniqueViolation } from '../../db';
import { HttpError, invalidData } from '../../http/errors';
import type { Logger } from '../../logger';
import { FetchRefused, fetchToFile, type SafeFetchOptions } from './fetch';
import { createJobRunner, enqueueJob } from './jobs';
import type { FileMetrics } from './measure';
import { MeasurePool } from './measure-pool';
import * as model from './model';
import { createStorage, type FileStorage, thumbnailKey } from './storage';
import { createUploads, type ReceivedFile, UPLOAD_SECONDS, uploadKeyOf, uploadUrl } from './uploads';

/** Metrics as the image object shows them. */
export type ImageMetrics = (FileMetrics & { duplicate_of: number | null; thumbnail_url: string }) | { error: string };

export interface ImageFilesOptions {
  knex: Knex;
  config: UploadConfig;
  secret: string;
  logger: Logger;
  /** Given in tests to use an S3 store without the environment, or a smaller pool. */
  storage?: FileStorage;
  poolSize?: number;
  fetch?: Partial<SafeFetchOptions>;
  jobs?: { pollMs?: number; leaseMs?: number };
}

const MEASURE_ATTEMPTS = 5;
const POLL_METRICS_MS = 100;

/**
 * Everything about an image's file below the routes: uploads (signed PUT and multipart), the
 * measurements, the job runner that measures URLs and deletes files, and serving stored files.
 */
export async function createImageFiles(options: ImageFilesOptions) {
  const { knex, config, logger } = options;
  const storage = options.storage ?? (await createStorage(config));
  const pool = new MeasurePool(options.poolSize);
  const uploads = createUploads({ knex, storage, pool, config, secret: options.secret });
  const fetchOptions: SafeFetchOptions = { maxBytes: config.maxBytes, ...options.fetch };

  /** The stored measurements of an upload as one image shows them. */
  async function metricsFor(trx: Knex, image: { id: number; user_id: number }, key: string, metrics: FileMetrics, baseUrl: string) {
    const shown: ImageMetrics = {
      ...metrics,
      duplicate_of: await model.findNearDuplicate(trx, image.user_id, image.id, metrics.phash),
      thumbnail_url: uploadUrl(baseUrl, thumbnailKey(key)),
    };
    const attached = await model.attachFile(trx, image.id, { file_key: key, phash: metrics.phash, metrics: shown });
    return attached > 0 ? shown : undefined;
  }

  /** The upload `key` names, measured, if `userId` may claim it; else a 422 on `url`. */
  async function claimableUpload(userId: number, key: string): Promise<model.Upload> {
    const refuse = (message: string) => invalidData({ url: [message] });
    const upload = await model.findUpload(knex, key);
    if (!upload || upload.user_id !== userId) throw refuse('The upload was not found.');
    if (await model.isClaimed(knex, key)) throw refuse('The upload already belongs to an image.');
    if (upload.metrics) return upload;
    // Sent straight to the bucket: measured now, from the bucket.
    const localPath = uploads.scratchFile();
    const size = await storage.download(key, localPath, config.maxBytes).catch(async (error: unknown) => {
      await model.deleteUpload(knex, key);
      throw error;
    });
    if (size === undefined) throw refuse('The file was not uploaded yet.');
    try {
      return { ...upload, metrics: await uploads.ingest(upload, localPath) };
    } catch (error) {
      await model.deleteUpload(knex, key);
      throw error;
    }
  }

  /** Measures image `imageId` from its URL: fetched safely, or `metrics: { error }`. */
  async function measureFromUrl(payload: Record<string, unknown>): Promise<void> {
    const { image_id: imageId, base_url: baseUrl } = payload as { image_id: number; base_url: string };
    const image = await knex('images').where({ id: imageId }).whereNull('metrics').first('id', 'user_id', 'data');
    if (!image) return;
    const localPath = uploads.scratchFile();
    try {
      await fetchToFile(String(image.data.url), localPath, fetchOptions);
    } catch (error) {
      if (!(error instanceof FetchRefused)) throw error;
      await model.attachFile(knex, imageId, { file_key: null, phash: null, metrics: { error: error.message } });
      return;
    }
    const key = randomUUID();
    // Expiring like any upload until the image claims it: a crash in between leaves nothing for long.
    await model.insertUpload(knex, { key, user_id: image.user_id, content_type: 'image/webp' }, UPLOAD_SECONDS);
    const metrics = await uploads.ingest({ key, user_id: image.user_id }, localPath).catch((error: unknown) => {
      if (!(error instanceof HttpError)) throw error;
      return { error: error.errors?.file?.[0] ?? error.message };
    });
    if ('error' in metrics) {
      await model.deleteUpload(knex, key);
      await model.attachFile(knex, imageId, { file_key: null, phash: null, metrics });
      return;
    }
    // Deleted while it was measured: the upload goes, its files with it.
    if (!(await metricsFor(knex, image, key, metrics, baseUrl))) await model.deleteUpload(knex, key);
  }

  /** The image's file and measurements let go; its upload row's trigger queues the files' delete. */
  async function releaseFile(trx: Knex, imageId: number): Promise<void> {
    const old = await trx('images').where({ id: imageId }).first('file_key');
    await trx('images').where({ id: imageId }).update({ file_key: null, phash: null, metrics: null });
    if (old?.file_key) await model.deleteUpload(trx, old.file_key);
  }

  /** Writes an image through `write` and gives it the file `url` names (see createImage). */
  async function giveFile<T extends { id: number; user_id: number }>(
    userId: number,
    url: string,
    write: (trx: Knex.Transaction) => Promise<T | undefined>,
    baseUrl: string,
  ): Promise<(T & { metrics: ImageMetrics | null }) | undefined> {
    const key = uploadKeyOf(url);
    const upload = key ? await claimableUpload(userId, key) : undefined;
    const image = await knex
      .transaction(async (trx) => {
        const row = await write(trx);
        if (!row) return undefined;
        if (!upload) {
          await enqueueJob(trx, 'measure', { image_id: row.id, base_url: baseUrl });
          return { ...row, metrics: null };
        }
        return { ...row, metrics: (await metricsFor(trx, row, upload.key, upload.metrics!, baseUrl)) ?? null };
      })
      .catch((error: unknown) => {
        // Two images raced for one upload: the unique index let one win.
        if (uniqueViolation(error) === 'images_file_key_unique') throw invalidData({ url: ['The upload already belongs to an image.'] });
        throw error;
      });
    if (image && !upload) runner.kick();
    return image;
  }

  const runner = createJobRunner({
    knex,
    logger,
    ...options.jobs,
    sweep: async () => {
      await model.deleteExpiredUploads(knex);
    },
    handlers: {
      measure: {
        run: measureFromUrl,
        maxAttempts: MEASURE_ATTEMPTS,
        giveUp: async (payload) => {
          await model.attachFile(knex, Number(payload.image_id), { file_key: null, phash: null, metrics: { error: 'The picture could not be measured.' } });
        },
      },
      // Retried until the store agrees (backing off to 10 minutes): the row is already gone.
      delete: {
        run: async ({ key }) => {
          await storage.remove(String(key));
          await storage.remove(thumbnailKey(String(key)));
        },
      },
    },
  });

  return {
    storage,
    createUpload: uploads.createUpload,
    acceptSignedUpload: uploads.acceptSignedUpload,
    receiveFile: uploads.receiveFile,

    /**
     * A received file no image will claim (its form was refused) goes now rather than when it
     * expires. Never throws, so that the refusal is what the client hears: should the delete fail
     * (the database gone), the expired upload is swept later.
     */
    async discardFile(file: ReceivedFile): Promise<void> {
      try {
        // Unclaimed only: a refusal never takes a file an image holds.
        await model.deleteUnclaimedUpload(knex, file.key);
        runner.kick();
      } catch (error) {
        logger.warn({ err: error, key: file.key }, 'a refused upload is left to expire');
      }
    },

    /**
     * Creates an image through `insert` (the images model's insert, given the transaction) and
     * gives it its file: an upload of the caller's named by `data.url` is claimed and its
     * measurements copied (measured first if it went straight to the bucket: 413/422 then, and
     * nothing created); any other URL is queued to be fetched and measured (`metrics: null`).
     */
    createImage<T extends { id: number; user_id: number }>(
      userId: number,
      url: string,
      insert: (trx: Knex.Transaction) => Promise<T>,
      baseUrl: string,
    ): Promise<T & { metrics: ImageMetrics | null }> {
      return giveFile(userId, url, insert, baseUrl) as Promise<T & { metrics: ImageMetrics | null }>;
    },

    /**
     * For a PUT or PATCH that changes `data.url` (only then): writes the image through `update`
     * (undefined: no such image of the caller's), lets its old file go, and gives it the new one
     * as `createImage` does.
     */
    changeImageUrl<T extends { id: number; user_id: number }>(
      userId: number,
      url: string,
      update: (trx: Knex.Transaction) => Promise<T | undefined>,
      baseUrl: string,
    ): Promise<(T & { metrics: ImageMetrics | null }) | undefined> {
      return giveFile(userId, url, async (trx) => {
        const row = await update(trx);
        if (row) await releaseFile(trx, row.id);
        return row;
      }, baseUrl);
    },

    /** The image's metrics once measured, waiting at most `timeoutMs`; null if still pending. */
    async awaitMetrics(imageId: number, timeoutMs: number): Promise<ImageMetrics | null> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await knex('images').where({ id: imageId }).first('metrics');
        if (!row || row.metrics || Date.now() >= deadline) return row?.metrics ?? null;
        await new Promise((resolve) => setTimeout(resolve, POLL_METRICS_MS));
      }
    },

    /** GET of a stored file or thumbnail (`/uploads/:name`). */
    serveFile: (req: Request, res: Response, name: string) => storage.serve(req, res, name),

    /** Files queued for deletion by the database triggers are deleted now rather than at the next poll. */
    kick: () => runner.kick(),
    start: () => runner.start(),
    async close(): Promise<void> {
      await runner.stop();
      await pool.close();
      if (storage.kind === 's3') await fs.promises.rm(storage.scratchDir, { recursive: true, force: true });
    },
  };
}

export type ImageFiles = Awaited<ReturnType<typeof createImageFiles>>;
