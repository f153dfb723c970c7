import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import exifr from 'exifr';
import sharp from 'sharp';
import { createS3Storage } from '../../../src/images/files/s3-storage';
import { createImageFiles, type ImageFiles } from '../../../src/images/files/service';
import type { Knex } from 'knex';
import { insertImage, replaceOwnImageData } from '../../../src/images/model';
import { createLogger } from '../../../src/logger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { eventually } from '../../helpers/eventually';
import { jpegWithGps, oversizedJpeg, sixtyMegapixelPng, textFile, truncatedJpeg } from '../../helpers/image-fixtures';
import { startTestS3, type TestS3 } from '../../helpers/s3-server';
import { registerAndLogin } from '../../helpers/users';

const BASE = 'http://api.test';
const MAX_BYTES = 2_000_000;

let t: TestApp;
let s3: TestS3;
let owner: number;
let stranger: number;
let photo: Buffer;
beforeAll(async () => {
  [t, s3, photo] = await Promise.all([startTestApp({}, undefined, undefined, { jobs: false }), startTestS3(), jpegWithGps(1200, 900)]);
  owner = (await registerAndLogin(t)).id;
  stranger = (await registerAndLogin(t)).id;
});
afterAll(async () => {
  await t.close();
  await s3.close();
});

interface Store {
  files: ImageFiles;
  dir: string;
  /** Every stored key. */
  keys(): string[];
  /** The stored bytes of `key`. */
  read(key: string): Promise<Buffer>;
  /** Sends `file` to a signed upload URL as a client would. */
  put(signedRequest: string, file: Buffer, contentType: string): Promise<void>;
}

async function startStore(kind: 'disk' | 's3', quotaBytes = 1e9): Promise<Store> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'files-test-'));
  const config = { dir, maxBytes: MAX_BYTES, quotaBytes };
  const storage =
    kind === 's3'
      ? await createS3Storage({ bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true })
      : undefined;
  const files = await createImageFiles({
    knex: t.knex,
    config,
    secret: 's'.repeat(32),
    logger: createLogger('silent'),
    storage,
    poolSize: 1,
    jobs: { pollMs: 50 },
  });
  files.start();
  const diskKeys = () => fs.readdirSync(dir).filter((name) => !name.startsWith('.'));
  return {
    files,
    dir,
    keys: kind === 's3' ? s3.keys : diskKeys,
    async read(key) {
      const local = path.join(dir, `read-${key}`);
      await files.storage.download(key, local, MAX_BYTES);
      return fs.promises.readFile(local).finally(() => fs.promises.rm(local));
    },
    async put(signedRequest, file, contentType) {
      if (kind === 's3') {
        const res = await fetch(signedRequest, { method: 'PUT', headers: { 'content-type': contentType }, body: file });
        expect(res.status).toBe(200);
        return;
      }
      const url = new URL(signedRequest);
      const key = url.pathname.split('/').pop()!;
      await files.acceptSignedUpload(key, Object.fromEntries(url.searchParams), Readable.from([file]), contentType);
    },
  };
}

const createFromUrl = (store: Store, userId: number, url: string) =>
  store.files.createImage(userId, url, (trx) => insertImage(trx, userId, { url }), BASE);

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: { status?: number; message: string }) => error);

describe.each(['disk', 's3'] as const)('image files on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await startStore(kind);
  });
  afterAll(async () => {
    await store.files.close();
    fs.rmSync(store.dir, { recursive: true, force: true });
  });

  test('when a photo with GPS is uploaded by signed URL and an image made of it, then it is measured, stripped, thumbnailed, and deleting removes every byte', async () => {
    const upload = await store.files.createUpload(owner, { filename: 'cat.jpg', filetype: 'jpeg' }, BASE);
    expect(upload).toMatchObject({ success: true, data: { returnData: { signedRequest: upload.signedRequest, url: upload.url } } });
    expect(upload.url).toMatch(new RegExp(`^${BASE}/uploads/[0-9a-f-]{36}$`));
    await store.put(upload.signedRequest, photo, 'image/jpeg');

    const image = await createFromUrl(store, owner, upload.url);
    expect(image.metrics).toMatchObject({ width: 900, height: 1200, format: 'jpeg', orientation: 6, duplicate_of: null, exif: { make: 'Canon' } });
    const key = upload.url.split('/').pop()!;
    expect(image.metrics).toMatchObject({ thumbnail_url: `${BASE}/uploads/${key}-thumbnail` });
    expect(JSON.stringify(image)).not.toMatch(/GPS|latitude|SN-0042|Jane Doe/i);

    const stored = await store.read(key);
    expect(await exifr.gps(stored).catch(() => undefined)).toBeUndefined();
    expect(stored.includes('SN-0042')).toBe(false);
    expect((await sharp(stored).metadata()).width).toBe(900);
    expect((await sharp(await store.read(`${key}-thumbnail`)).metadata()).format).toBe('webp');
    expect(store.keys().sort()).toEqual([key, `${key}-thumbnail`]);

    // The same picture again is a near-duplicate of the first; the upload cannot be claimed twice.
    const again = await store.files.receiveFile(owner, Readable.from([photo]), BASE);
    const duplicate = await createFromUrl(store, owner, again.url);
    expect(duplicate.metrics).toMatchObject({ duplicate_of: image.id });
    expect(await rejection(createFromUrl(store, owner, again.url))).toMatchObject({ status: 422 });

    await t.knex('images').whereIn('id', [image.id, duplicate.id]).del();
    store.files.kick();
    await eventually(() => store.keys().length === 0);
  });

  test.each([
    ['a text file named cat.png', () => Promise.resolve(textFile()), 'image/png', 422],
    ['a 60-megapixel PNG', sixtyMegapixelPng, 'image/png', 422],
    ['a truncated JPEG', truncatedJpeg, 'image/jpeg', 422],
    ['a file over the limit', () => Promise.resolve(oversizedJpeg(MAX_BYTES + 1)), 'image/jpeg', 413],
  ])('when %s is uploaded either way, then it is refused and nothing is stored', async (_name, make, type, status) => {
    const file = await make();
    const imagesBefore = await t.knex('images').count({ n: '*' }).first();
    expect(await rejection(store.files.receiveFile(owner, Readable.from([file]), BASE))).toMatchObject({ status });

    const upload = await store.files.createUpload(owner, { fileName: 'cat.png', fileType: type }, BASE);
    if (kind === 'disk') {
      expect(await rejection(store.put(upload.signedRequest, file, type))).toMatchObject({ status });
    } else {
      // Straight into the bucket, so refused when an image would be made of it.
      await store.put(upload.signedRequest, file, type);
      expect(await rejection(createFromUrl(store, owner, upload.url))).toMatchObject({ status });
    }
    store.files.kick();
    await eventually(() => store.keys().length === 0);
    expect(fs.readdirSync(store.files.storage.scratchDir)).toEqual([]);
    expect(await t.knex('images').count({ n: '*' }).first()).toEqual(imagesBefore);
  });

  test('when a PUT changes the URL to another upload, then the old file goes and the new one is measured', async () => {
    const first = await store.files.receiveFile(owner, Readable.from([photo]), BASE);
    const image = await createFromUrl(store, owner, first.url);
    const second = await store.files.receiveFile(owner, Readable.from([await sharp(photo).autoOrient().resize(300).png().toBuffer()]), BASE);
    const update = (url: string) => (trx: Knex.Transaction) => replaceOwnImageData(trx, image.id, owner, { url });
    const changed = await store.files.changeImageUrl(owner, second.url, update(second.url), BASE);
    expect(changed?.metrics).toMatchObject({ format: 'png', width: 300, duplicate_of: null });
    const firstKey = first.url.split('/').pop()!;
    const secondKey = second.url.split('/').pop()!;
    store.files.kick();
    await eventually(() => !store.keys().includes(firstKey));
    expect(store.keys()).toEqual(expect.arrayContaining([secondKey, `${secondKey}-thumbnail`]));
    expect(await store.files.changeImageUrl(stranger, 'https://example.com/x.png', (trx) => replaceOwnImageData(trx, image.id, stranger, { url: 'https://example.com/x.png' }), BASE)).toBeUndefined();
    await t.knex('images').where({ id: image.id }).del();
    store.files.kick();
    await eventually(() => store.keys().length === 0);
  });

  test('when another user names my upload, or it was never sent, then the image is refused with 422 on url', async () => {
    const upload = await store.files.createUpload(owner, { fileType: 'image/jpeg' }, BASE);
    expect(await rejection(createFromUrl(store, owner, upload.url))).toMatchObject({ status: 422, errors: { url: ['The file was not uploaded yet.'] } });
    await store.put(upload.signedRequest, photo, 'image/jpeg');
    expect(await rejection(createFromUrl(store, stranger, upload.url))).toMatchObject({ status: 422, errors: { url: ['The upload was not found.'] } });
  });
});

describe('image files on disk only', () => {
  let store: Store;
  let newcomer: number;
  beforeAll(async () => {
    store = await startStore('disk', 1_000);
    newcomer = (await registerAndLogin(t)).id;
  });
  afterAll(async () => {
    await store.files.close();
    fs.rmSync(store.dir, { recursive: true, force: true });
  });

  test('when a signed PUT is tampered with, sent with another type, expired or used twice, then it is 403', async () => {
    const upload = await store.files.createUpload(newcomer, { fileType: 'png' }, BASE);
    const url = new URL(upload.signedRequest);
    const key = url.pathname.split('/').pop()!;
    const query = Object.fromEntries(url.searchParams);
    const send = (q: Record<string, string>, type = 'image/png', k = key) =>
      rejection(store.files.acceptSignedUpload(k, q, Readable.from([Buffer.from('x')]), type));
    expect(await send({ ...query, signature: query.signature!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })).toMatchObject({ status: 403 });
    expect(await send({ ...query, expires: String(Number(query.expires) + 60) })).toMatchObject({ status: 403 });
    expect(await send(query, 'image/jpeg')).toMatchObject({ status: 403 });
    expect(await send({ ...query, expires: '1' })).toMatchObject({ status: 403 });
    expect(await send(query, 'image/png', '../../etc/passwd')).toMatchObject({ status: 403 });
  });

  test('when an upload would pass the quota, then it is 413 and nothing is stored', async () => {
    expect(await rejection(store.files.receiveFile(newcomer, Readable.from([photo]), BASE))).toMatchObject({ status: 413 });
    store.files.kick();
    await eventually(() => store.keys().length === 0);
  });
});
