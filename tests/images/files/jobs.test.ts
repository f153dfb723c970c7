import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createDiskStorage } from '../../../src/images/files/disk-storage';
import { claimJob } from '../../../src/images/files/jobs';
import { createImageFiles, type ImageFiles } from '../../../src/images/files/service';
import type { FileStorage } from '../../../src/images/files/storage';
import { insertImage } from '../../../src/images/model';
import { createLogger } from '../../../src/logger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { eventually } from '../../helpers/eventually';
import { jpegWithGps } from '../../helpers/image-fixtures';
import { registerAndLogin } from '../../helpers/users';

const BASE = 'http://api.test';

let t: TestApp;
let owner: number;
let picture: http.Server;
let pictureHits = 0;
let pictureUrl: string;
let dir: string;
beforeAll(async () => {
  t = await startTestApp({}, undefined, undefined, { jobs: false });
  owner = (await registerAndLogin(t)).id;
  const photo = await jpegWithGps(800, 600);
  picture = http.createServer((_req, res) => {
    pictureHits += 1;
    res.setHeader('content-type', 'image/jpeg').end(photo);
  });
  await new Promise<void>((resolve) => picture.listen(0, '127.0.0.1', resolve));
  pictureUrl = `http://127.0.0.1:${(picture.address() as AddressInfo).port}/photo.jpg`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-test-'));
});
afterAll(async () => {
  await new Promise((resolve) => picture.close(resolve));
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A server process's image files; only this test's picture server is reachable despite being on loopback. */
function startFiles(leaseMs = 60_000, storage?: FileStorage): Promise<ImageFiles> {
  const port = (picture.address() as AddressInfo).port;
  return createImageFiles({
    storage,
    knex: t.knex,
    config: { dir, maxBytes: 1_000_000, quotaBytes: 1e9 },
    secret: 's'.repeat(32),
    logger: createLogger('silent'),
    poolSize: 1,
    fetch: { allow: (address, p) => address === '127.0.0.1' && p === port },
    jobs: { pollMs: 50, leaseMs },
  });
}

const create = (files: ImageFiles, url: string) => files.createImage(owner, url, (trx) => insertImage(trx, owner, { url }), BASE);

describe('measuring images made from URLs', () => {
  test('when an image is made from a picture URL, then it answers metrics null and the runner measures it', async () => {
    const files = await startFiles();
    files.start();
    const image = await create(files, pictureUrl);
    expect(image.metrics).toBeNull();
    const metrics = await files.awaitMetrics(image.id, 10_000);
    expect(metrics).toMatchObject({ width: 600, height: 800, format: 'jpeg', duplicate_of: null, thumbnail_url: expect.stringContaining(`${BASE}/uploads/`) });
    expect(JSON.stringify(metrics)).not.toMatch(/GPS|latitude/i);
    await files.close();
  });

  test('when the URL points at a non-public address, then it is never fetched and the image gets metrics { error }', async () => {
    const files = await startFiles();
    files.start();
    const before = pictureHits;
    // Only the picture server's own port is let through on loopback: localhost on another is refused.
    for (const url of ['http://localhost:8080/photo.jpg', 'http://[::1]/photo.jpg', 'http://10.0.0.1/photo.jpg', 'http://169.254.169.254/latest/meta-data/']) {
      const image = await create(files, url);
      expect(await files.awaitMetrics(image.id, 10_000)).toEqual({ error: 'The URL points to an address that is not public.' });
    }
    expect(pictureHits).toBe(before);
    await files.close();
  });

  test('when a runner dies holding a job, then the next runner finishes it once the lease runs out', async () => {
    // The first server queues the job and "crashes" after claiming it: a short lease, no work done.
    const crashed = await startFiles();
    const image = await create(crashed, pictureUrl);
    const claimed = await claimJob(t.knex, 300);
    expect(claimed).toMatchObject({ kind: 'measure', payload: { image_id: image.id }, attempts: 1 });
    await crashed.close();

    const restarted = await startFiles(300);
    restarted.start();
    const metrics = await restarted.awaitMetrics(image.id, 10_000);
    expect(metrics).toMatchObject({ width: 600, height: 800 });
    // Stopping waits for the job in hand, which is deleted just after its metrics are written.
    await restarted.close();
    expect(await t.knex('image_jobs').where({ kind: 'measure' })).toEqual([]);
  });

  test('when the owner is deleted, then their stored files are deleted too', async () => {
    const files = await startFiles();
    files.start();
    const user = await registerAndLogin(t);
    const url = pictureUrl;
    const image = await files.createImage(user.id, url, (trx) => insertImage(trx, user.id, { url }), BASE);
    await files.awaitMetrics(image.id, 10_000);
    const stored = () => fs.readdirSync(dir).filter((name) => !name.startsWith('.'));
    const key = (await t.knex('images').where({ id: image.id }).first('file_key')).file_key as string;
    expect(stored()).toEqual(expect.arrayContaining([key, `${key}-thumbnail`]));
    await t.knex('users').where({ id: user.id }).del();
    files.kick();
    await eventually(() => !stored().includes(key) && !stored().includes(`${key}-thumbnail`));
    await files.close();
  });

  test('when the store fails to delete, then the delete is retried until it succeeds, and the image is gone at once', async () => {
    const disk = await createDiskStorage(dir);
    let failures = 1;
    // The store's own failure (an outage of the bucket, say), not a stand-in for its client.
    const flaky: FileStorage = {
      ...disk,
      remove: async (key) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('store unavailable');
        }
        await disk.remove(key);
      },
    };
    const files = await startFiles(60_000, flaky);
    files.start();
    const { url } = await files.receiveFile(owner, Readable.from([await jpegWithGps(80, 60)]), BASE);
    const image = await create(files, url);
    const key = url.split('/').pop()!;
    await t.knex('images').where({ id: image.id }).del();
    files.kick();
    const job = async () => t.knex('image_jobs').where({ kind: 'delete' }).first('attempts', 'last_error');
    // The failure is written a moment after the store threw: wait for it, not for the throw.
    await eventually(async () => failures === 0 && ((await job())?.last_error ?? null) !== null);
    expect(await job()).toEqual({ attempts: 1, last_error: 'Error: store unavailable' });
    expect(fs.existsSync(path.join(dir, key))).toBe(true);
    // The first retry comes 2 s later.
    await eventually(async () => (await job()) === undefined && !fs.existsSync(path.join(dir, key)), 10_000);
    await files.close();
  });

  test('when an upload expires unclaimed, then the sweep deletes it and its files', async () => {
    const files = await startFiles();
    const { url } = await files.receiveFile(owner, Readable.from([await jpegWithGps(80, 60)]), BASE);
    const key = url.split('/').pop()!;
    expect(fs.existsSync(path.join(dir, key))).toBe(true);
    await t.knex('uploads').where({ key }).update({ expires_at: t.knex.raw("now() - interval '1 second'") });
    // A runner sweeps when it starts, then once a minute.
    files.start();
    await eventually(() => !fs.existsSync(path.join(dir, key)) && !fs.existsSync(path.join(dir, `${key}-thumbnail`)));
    expect(await t.knex('uploads').where({ key })).toEqual([]);
    await files.close();
  });
});
