import type { Request, Response } from 'express';
import type { UploadConfig } from '../../config';
import { createDiskStorage } from './disk-storage';
import { createS3Storage } from './s3-storage';

/**
 * Where image files live: a directory on disk, or an S3-compatible bucket. Keys are made by this
 * server (a UUID, and `<uuid>-thumbnail`); a client's file name never becomes one.
 */
export interface FileStorage {
  readonly kind: 'disk' | 's3';
  /** A directory on this machine for files on their way in (same file system as the store on disk). */
  readonly scratchDir: string;
  /** Stores the local file at `key` (moved, on disk). */
  putFile(key: string, localPath: string, contentType: string): Promise<void>;
  /** Copies `key` into a local file; its size, or undefined when there is no such object. 413 past `maxBytes`. */
  download(key: string, localPath: string, maxBytes: number): Promise<number | undefined>;
  /** Deletes `key`; deleting what is not there succeeds. */
  remove(key: string): Promise<void>;
  /** A URL to PUT `key` straight into the bucket (S3 only: the disk store signs its own). */
  presignPut?(key: string, contentType: string, seconds: number): Promise<string>;
  /** Answers a GET of the stored file at `key`: the file itself (disk), a redirect to it (S3). */
  serve(req: Request, res: Response, key: string): Promise<void>;
}

export function createStorage(config: UploadConfig): Promise<FileStorage> {
  return config.s3 ? createS3Storage(config.s3) : createDiskStorage(config.dir);
}

export const thumbnailKey = (key: string) => `${key}-thumbnail`;

const STORED_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(-thumbnail)?$/;

/** Whether `name` is a key this server could have made: anything else is answered 404 unread. */
export const isStoredName = (name: string) => STORED_NAME.test(name);
