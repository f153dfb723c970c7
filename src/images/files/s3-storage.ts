import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { UploadConfig } from '../../config';
import { notFound } from '../../http/errors';
import { receiveToFile } from './receive';
import type { FileStorage } from './storage';
import { isStoredName } from './storage';

/** How long a redirect to a stored object stays valid: long enough to follow, short enough to keep private. */
const GET_URL_SECONDS = 300;

const isMissing = (error: unknown) =>
  error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404);

/**
 * An S3-compatible bucket (AWS S3, R2, MinIO …) through the AWS SDK v3. Clients PUT uploads
 * straight into it with a presigned URL; reads are redirects to presigned GETs, so the bucket can
 * stay private.
 */
export async function createS3Storage(settings: NonNullable<UploadConfig['s3']>): Promise<FileStorage> {
  const client = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials:
      settings.accessKeyId && settings.secretAccessKey
        ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
        : undefined,
    // Checksums on every request are on by default since 2025; several S3-compatible stores refuse them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = settings.bucket;
  const scratchDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'image-files-'));

  return {
    kind: 's3',
    scratchDir,
    async putFile(key, localPath, contentType) {
      const { size } = await fs.promises.stat(localPath);
      await client.send(
        new PutObjectCommand({ Bucket, Key: key, Body: fs.createReadStream(localPath), ContentLength: size, ContentType: contentType }),
      );
      await fs.promises.rm(localPath, { force: true });
    },
    async download(key, localPath, maxBytes) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return await receiveToFile(object.Body as Readable, localPath, maxBytes);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    // S3's DELETE succeeds for a key that is not there.
    remove: async (key) => {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
    presignPut: (key, contentType, seconds) =>
      getSignedUrl(client, new PutObjectCommand({ Bucket, Key: key, ContentType: contentType }), { expiresIn: seconds }),
    async serve(_req, res, key) {
      if (!isStoredName(key)) throw notFound();
      const url = await getSignedUrl(client, new GetObjectCommand({ Bucket, Key: key }), { expiresIn: GET_URL_SECONDS });
      res.set('Cache-Control', 'private, max-age=60').redirect(302, url);
    },
  };
}
