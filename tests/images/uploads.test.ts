import fs from 'node:fs';
import exifr from 'exifr';
import sharp from 'sharp';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { jpegWithGps, oversizedJpeg, textFile, truncatedJpeg } from '../helpers/image-fixtures';
import { startTestS3, type TestS3 } from '../helpers/s3-server';
import { registerAndLogin, type RegisteredUser } from '../helpers/users';

/**
 * Image files through the real routes (contract, "Image files"): both upload ways, on disk and on
 * an S3-compatible server, measured, served, refused, deleted.
 */

const PUBLIC_URL = 'http://api.test';
const MAX_BYTES = 2 * 1024 * 1024;
const ENV = { PUBLIC_URL, UPLOAD_MAX_BYTES: '2mb' };

const bearer = (user: RegisteredUser) => `Bearer ${user.token}`;
/** The path and query of a URL this server handed out (supertest reaches the app by its own address). */
const local = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};
const keyOf = (url: string) => new URL(url).pathname.split('/').pop()!;

const PRIVATE = /GPS|latitude|longitude|SN-0042|Jane Doe/i;

let photo: Buffer;
beforeAll(async () => {
  photo = await jpegWithGps(1200, 900);
});

const expectMeasuredPhoto = (metrics: Record<string, unknown>, key: string) => {
  expect(metrics).toMatchObject({
    width: 900,
    height: 1200,
    format: 'jpeg',
    orientation: 6,
    exif: { make: 'Canon', model: 'EOS R5' },
    thumbnail_url: `${PUBLIC_URL}/uploads/${key}-thumbnail`,
  });
  expect(JSON.stringify(metrics)).not.toMatch(PRIVATE);
};

describe('image files on disk, over HTTP', () => {
  let t: TestApp;
  let owner: RegisteredUser;
  let dir: string;
  const stored = () => fs.readdirSync(dir).filter((name) => !name.startsWith('.'));

  beforeAll(async () => {
    t = await startTestApp(ENV);
    dir = t.deps.config.uploads.dir;
    owner = await registerAndLogin(t);
  });
  afterAll(() => t.close());

  test('when a photo with GPS goes by signed PUT, then the image has its metrics, the files are served without GPS, and DELETE removes them', async () => {
    const upload = await t.http().post('/images/signed-url').set('Authorization', bearer(owner)).send({ fileName: 'cat.jpg', fileType: 'image/jpeg' });
    expect(upload.status).toBe(201);
    expect(upload.body.url).toMatch(/^http:\/\/api\.test\/uploads\/[0-9a-f-]{36}$/);
    expect(upload.body.data.returnData).toEqual({ signedRequest: upload.body.signedRequest, url: upload.body.url });
    const key = keyOf(upload.body.url);

    const put = await t.http().put(local(upload.body.signedRequest)).set('Content-Type', 'image/jpeg').send(photo);
    expect(put.status).toBe(200);
    const again = await t.http().put(local(upload.body.signedRequest)).set('Content-Type', 'image/jpeg').send(photo);
    expect(again.status).toBe(403);

    const created = await t.http().post('/api/images').set('Authorization', bearer(owner)).send({ data: { url: upload.body.url, caption: 'A cat' } });
    expect(created.status).toBe(201);
    // No extension in the URL, no type in the data (the stored file's type is in `metrics.format`).
    expect(created.body.data).toEqual({ url: upload.body.url, caption: 'A cat' });
    expectMeasuredPhoto(created.body.metrics, key);

    const read = await t.http().get(`/api/images/${created.body.id}`).set('Authorization', bearer(owner));
    expect(read.body.metrics).toEqual(created.body.metrics);
    const list = await t.http().get('/api/images').set('Authorization', bearer(owner));
    expect(list.body.find((image: { id: number }) => image.id === created.body.id).metrics).toEqual(created.body.metrics);

    const file = await t.http().get(`/uploads/${key}`).buffer(true);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/jpeg');
    expect(file.headers['x-content-type-options']).toBe('nosniff');
    expect(file.headers['cache-control']).toMatch(/immutable/);
    expect(file.headers.etag).toBeTruthy();
    const bytes = file.body as Buffer;
    expect(await exifr.gps(bytes).catch(() => undefined)).toBeUndefined();
    expect(bytes.includes('SN-0042')).toBe(false);
    expect((await sharp(bytes).metadata()).width).toBe(900);

    const part = await t.http().get(`/uploads/${key}`).set('Range', 'bytes=0-99').buffer(true);
    expect(part.status).toBe(206);
    expect((part.body as Buffer).length).toBe(100);
    const unchanged = await t.http().get(`/uploads/${key}`).set('If-None-Match', file.headers.etag!);
    expect(unchanged.status).toBe(304);
    expect((await t.http().head(`/uploads/${key}`)).status).toBe(200);

    const thumbnail = await t.http().get(local(created.body.metrics.thumbnail_url)).buffer(true);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers['content-type']).toBe('image/webp');
    const { width, height } = await sharp(thumbnail.body as Buffer).metadata();
    expect(Math.max(width!, height!)).toBe(320);

    expect(stored().sort()).toEqual([key, `${key}-thumbnail`]);
    expect((await t.http().delete(`/api/images/${created.body.id}`).set('Authorization', bearer(owner))).status).toBe(204);
    await eventually(() => stored().length === 0);
    expect((await t.http().get(`/uploads/${key}`)).status).toBe(404);
  });

  test('when a photo is sent as a multipart form, then the image is created with its data, url, type and metrics', async () => {
    const created = await t
      .http()
      .post('/api/images')
      .set('Authorization', bearer(owner))
      .field('data', JSON.stringify({ caption: 'From curl', url: 'https://ignored.example/x.png' }))
      .attach('file', photo, { filename: 'cat.jpg', contentType: 'image/jpeg' });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ caption: 'From curl', type: 'image/jpeg' });
    const key = keyOf(created.body.data.url);
    expectMeasuredPhoto(created.body.metrics, key);
    expect(stored()).toContain(key);

    expect((await t.http().delete(`/images/${created.body.id}`).set('Authorization', bearer(owner))).status).toBe(204);
    // The file goes first, then its thumbnail: both, or the next test would see one vanish.
    await eventually(() => stored().length === 0);
  });

  test.each([
    ['a text file named cat.png', () => Promise.resolve(textFile()), 'cat.png', 422],
    ['a truncated JPEG', truncatedJpeg, 'cat.jpg', 422],
    ['a file over UPLOAD_MAX_BYTES', () => Promise.resolve(oversizedJpeg(MAX_BYTES + 1)), 'big.jpg', 413],
  ])('when %s is sent either way, then it is refused with a clear 4xx and nothing is stored', async (_name, make, filename, status) => {
    const file = await make();
    const before = await t.knex('images').count({ n: '*' }).first();
    const storedBefore = stored().sort();
    const multipart = await t.http().post('/api/images').set('Authorization', bearer(owner)).attach('file', file, filename);
    expect(multipart.status).toBe(status);
    expect(multipart.body.message).toEqual(expect.any(String));

    const type = filename.endsWith('.png') ? 'image/png' : 'image/jpeg';
    const upload = await t.http().post('/api/images/uploads').set('Authorization', bearer(owner)).send({ filename, filetype: type });
    const put = await t.http().put(local(upload.body.signedRequest)).set('Content-Type', type).send(file);
    expect(put.status).toBe(status);
    const created = await t.http().post('/api/images').set('Authorization', bearer(owner)).send({ url: upload.body.url });
    expect(created.status).toBe(422);

    expect(await t.knex('images').count({ n: '*' }).first()).toEqual(before);
    await eventually(() => JSON.stringify(stored().sort()) === JSON.stringify(storedBefore));
  });

  test('when a multipart form has no file or bad data, then 422 (413) and its file is not kept; a route that takes no uploads answers 415', async () => {
    const uploadsBefore = await t.knex('uploads').count({ n: '*' }).first();
    const noFile = await t.http().post('/api/images').set('Authorization', bearer(owner)).field('data', '{}');
    expect(noFile.status).toBe(422);
    // The data is read once the file is stored, whichever comes first in the form.
    const badData = await t.http().post('/api/images').set('Authorization', bearer(owner)).field('data', '[1').attach('file', photo, 'cat.jpg');
    expect(badData.status).toBe(422);
    const invalidData = await t.http().post('/api/images').set('Authorization', bearer(owner)).attach('file', photo, 'cat.jpg').field('data', '{"caption":"a\\u0000b"}');
    expect(invalidData.status).toBe(422);
    const hugeData = await t.http().post('/api/images').set('Authorization', bearer(owner)).attach('file', photo, 'cat.jpg').field('data', 'x'.repeat(20_000));
    expect(hugeData.status).toBe(413);
    expect(await t.knex('uploads').count({ n: '*' }).first()).toEqual(uploadsBefore);
    await eventually(() => stored().length === 0);

    for (const path of ['/api/auth/login', '/api/images/uploads']) {
      const refused = await t.http().post(path).set('Authorization', bearer(owner)).attach('file', photo, 'cat.jpg');
      expect(refused.status).toBe(415);
    }
    const image = await t.http().post('/api/images').set('Authorization', bearer(owner)).send({ url: 'https://example.com/a.png' });
    const put = await t.http().put(`/api/images/${image.body.id}`).set('Authorization', bearer(owner)).attach('file', photo, 'cat.jpg');
    expect(put.status).toBe(415);
    const imageBytes = await t.http().post('/api/images').set('Authorization', bearer(owner)).set('Content-Type', 'image/jpeg').send(photo);
    expect(imageBytes.status).toBe(415);
  });

  test('when an image is given an uploaded file by PATCH, then it is measured and its old URL let go', async () => {
    const image = await t.http().post('/api/images').set('Authorization', bearer(owner)).send({ url: 'https://example.com/a.png', title: 'kept' });
    const upload = await t.http().post('/api/images/uploads').set('Authorization', bearer(owner)).send({ fileName: 'cat.jpg' });
    expect((await t.http().put(local(upload.body.signedRequest)).set('Content-Type', 'image/jpeg').send(photo)).status).toBe(200);
    const patched = await t.http().patch(`/api/images/${image.body.id}`).set('Authorization', bearer(owner)).send({ url: upload.body.url });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toEqual({ url: upload.body.url, title: 'kept' });
    expectMeasuredPhoto(patched.body.metrics, keyOf(upload.body.url));

    const replaced = await t.http().put(`/api/images/${image.body.id}`).set('Authorization', bearer(owner)).send({ url: 'https://example.com/b.gif' });
    expect(replaced.status).toBe(200);
    expect(replaced.body.metrics).toBeNull();
    const key = keyOf(upload.body.url);
    await eventually(() => !stored().includes(key));
  });
});

describe('image files on S3, over HTTP', () => {
  let t: TestApp;
  let s3: TestS3;
  let owner: RegisteredUser;

  beforeAll(async () => {
    s3 = await startTestS3();
    t = await startTestApp({
      ...ENV,
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    });
    owner = await registerAndLogin(t);
  });
  afterAll(async () => {
    await t.close();
    await s3.close();
  });

  test('when a photo goes by presigned PUT and by multipart, then both are measured from the bucket, served by redirect, and DELETE empties the bucket', async () => {
    const upload = await t.http().post('/api/images/uploads').set('Authorization', bearer(owner)).send({ fileName: 'cat.jpg', fileType: 'jpeg' });
    expect(upload.status).toBe(201);
    expect(upload.body.signedRequest.startsWith(s3.endpoint)).toBe(true);
    const put = await fetch(upload.body.signedRequest, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: photo });
    expect(put.status).toBe(200);
    const signed = await t.http().post('/api/images').set('Authorization', bearer(owner)).send({ url: upload.body.url });
    expect(signed.status).toBe(201);
    expectMeasuredPhoto(signed.body.metrics, keyOf(upload.body.url));

    const multipart = await t.http().post('/api/images').set('Authorization', bearer(owner)).attach('file', photo, 'cat.jpg');
    expect(multipart.status).toBe(201);
    expect(multipart.body.metrics).toMatchObject({ width: 900, duplicate_of: signed.body.id });

    const served = await t.http().get(`/uploads/${keyOf(upload.body.url)}`);
    expect(served.status).toBe(302);
    const file = Buffer.from(await (await fetch(served.headers.location!)).arrayBuffer());
    expect(await exifr.gps(file).catch(() => undefined)).toBeUndefined();
    expect((await sharp(file).metadata()).width).toBe(900);

    // A text file sent straight to the bucket is refused when the image is made of it, and removed.
    const bad = await t.http().post('/api/images/uploads').set('Authorization', bearer(owner)).send({ fileName: 'cat.png' });
    await fetch(bad.body.signedRequest, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: textFile() });
    expect((await t.http().post('/api/images').set('Authorization', bearer(owner)).send({ url: bad.body.url })).status).toBe(422);

    for (const id of [signed.body.id, multipart.body.id]) {
      expect((await t.http().delete(`/api/images/${id}`).set('Authorization', bearer(owner))).status).toBe(204);
    }
    await eventually(() => s3.keys().length === 0);
  });
});
