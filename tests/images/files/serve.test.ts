import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { errorHandler } from '../../../src/http/errors';
import { createS3Storage } from '../../../src/images/files/s3-storage';
import { createImageFiles, type ImageFiles } from '../../../src/images/files/service';
import { createLogger } from '../../../src/logger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { pngWithAlpha } from '../../helpers/image-fixtures';
import { startTestS3, type TestS3 } from '../../helpers/s3-server';
import { registerAndLogin } from '../../helpers/users';

const BASE = 'http://api.test';
const logger = createLogger('silent');

let t: TestApp;
let s3: TestS3;
let owner: number;
let png: Buffer;
beforeAll(async () => {
  [t, s3, png] = await Promise.all([startTestApp({}, undefined, undefined, { jobs: false }), startTestS3(), pngWithAlpha(400, 300)]);
  owner = (await registerAndLogin(t)).id;
});
afterAll(async () => {
  await t.close();
  await s3.close();
});

/** The GET route the lead mounts, alone on an app with the project's error handler. */
function fileApp(files: ImageFiles) {
  const app = express();
  app.get('/uploads/:name', (req, res) => files.serveFile(req, res, req.params.name));
  app.use(errorHandler(logger));
  return app;
}

describe.each(['disk', 's3'] as const)('serving stored files from %s', (kind) => {
  let files: ImageFiles;
  let dir: string;
  let name: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-test-'));
    const storage =
      kind === 's3'
        ? await createS3Storage({ bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true })
        : undefined;
    files = await createImageFiles({ knex: t.knex, config: { dir, maxBytes: 1e6, quotaBytes: 1e9 }, secret: 's'.repeat(32), logger, storage, poolSize: 1 });
    const { url } = await files.receiveFile(owner, Readable.from([png]), BASE);
    name = url.split('/').pop()!;
  });
  afterAll(async () => {
    await files.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The file's response, following S3's redirect to the bucket. */
  async function get(file: string, headers: Record<string, string> = {}) {
    const res = await request(fileApp(files)).get(`/uploads/${file}`).set(headers);
    if (kind === 'disk' || res.status !== 302) return { status: res.status, headers: res.headers as Record<string, string>, body: res.body as Buffer };
    const bucket = await fetch(res.headers.location!, { headers });
    return { status: bucket.status, headers: Object.fromEntries(bucket.headers), body: Buffer.from(await bucket.arrayBuffer()) };
  }

  test('when the file is read, then it comes with its sniffed type; the thumbnail is WebP', async () => {
    const file = await get(name);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    expect(file.body.subarray(0, 8)).toEqual(png.subarray(0, 8));
    expect((await get(`${name}-thumbnail`)).headers['content-type']).toBe('image/webp');
  });

  test('when a name is not a key this server makes, then it is 404 without a look', async () => {
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', 'cat.png', `${name}.png`]) {
      const res = await request(fileApp(files)).get(`/uploads/${bad}`);
      expect([res.status, res.body.success]).toEqual([404, false]);
    }
  });

  if (kind === 'disk') {
    test('when read from disk, then caching headers, nosniff and ranges work (206, 416, 304)', async () => {
      const whole = await get(name);
      expect(whole.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=31536000, immutable', 'accept-ranges': 'bytes' });
      expect(whole.headers.etag).toBeDefined();
      const part = await get(name, { range: 'bytes=0-7' });
      expect([part.status, part.headers['content-range'], part.body.length]).toEqual([206, `bytes 0-7/${whole.body.length}`, 8]);
      expect((await get(name, { range: `bytes=${whole.body.length + 10}-` })).status).toBe(416);
      expect((await get(name, { 'if-none-match': whole.headers.etag! })).status).toBe(304);
      expect((await get('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    });
  } else {
    test('when read from S3, then it is a short-lived redirect to the bucket', async () => {
      const res = await request(fileApp(files)).get(`/uploads/${name}`);
      expect(res.status).toBe(302);
      expect(res.headers.location).toContain(`${s3.endpoint}/${s3.bucket}/${name}?`);
      expect(res.headers.location).toContain('X-Amz-Expires=300');
    });
  }
});
