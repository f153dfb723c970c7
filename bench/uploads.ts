/**
 * Image files, below the routes: `npx tsx bench/uploads.ts`.
 *
 * 1. The time to measure one 12-megapixel photo (the measuring worker: decode, stored copy,
 *    thumbnail, hashes, colours, EXIF).
 * 2. Uploads per second and their p99 for a 2 MB JPEG received as multipart hands it over (a
 *    stream) and measured, on the disk store and the embedded database in memory (or the
 *    PostgreSQL of BENCH_DATABASE_URL, a database the benchmark may fill).
 * 3. Resident memory during a burst of 100 concurrent 10 MB uploads: it must rise by less than
 *    150 MB (uploads are streamed to disk; only the measuring pool holds decoded pictures).
 *
 * 4. The same 2 MB JPEG through the real app over HTTP: POST /api/images as multipart (with the
 *    token check, the form parsing, measuring and the image's insert), uploads/s and p99.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { createApp } from '../src/app';
import { bootstrap } from '../src/bootstrap';
import { loadConfig } from '../src/config';
import { migrateToLatest, openDb } from '../src/db';
import { MeasurePool } from '../src/images/files/measure-pool';
import { createImageFiles } from '../src/images/files/service';
import { createLogger } from '../src/logger';

const CHUNK = 64 * 1024;
const MB = 1024 * 1024;

/** A JPEG of noise, which compresses about as badly as a detailed photo: about 0.65 bytes a pixel. */
async function photo(width: number, height: number, sigma: number): Promise<Buffer> {
  const noise = await sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma } } })
    .png({ compressionLevel: 1 })
    .toBuffer();
  return sharp(noise).jpeg({ quality: 90 }).withExif({ IFD0: { Make: 'Bench', Model: 'Camera' } }).toBuffer();
}

/** The bytes as a request body arrives: in chunks, never as one buffer handed over whole. */
const asRequest = (file: Buffer) =>
  Readable.from((function* () {
    for (let at = 0; at < file.length; at += CHUNK) yield file.subarray(at, at + CHUNK);
  })());

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function measureTwelveMegapixels(dir: string): Promise<void> {
  const file = await photo(4000, 3000, 20);
  const input = path.join(dir, '12mp.jpg');
  fs.writeFileSync(input, file);
  const pool = new MeasurePool(1);
  const times: number[] = [];
  for (let run = 0; run < 4; run += 1) {
    const started = performance.now();
    const result = await pool.measure(input, { file: `${input}.stored`, thumbnail: `${input}.thumbnail` });
    if (!result.ok) throw new Error(result.reason);
    times.push(performance.now() - started);
  }
  await pool.close();
  // The first run pays for starting the worker and loading sharp in it.
  console.log(`12 MP JPEG (${(file.length / MB).toFixed(1)} MB): measured in ${times.slice(1).map((ms) => `${ms.toFixed(0)} ms`).join(', ')} (first, cold: ${times[0]!.toFixed(0)} ms)`);
}

/** `count` calls of `run`, `concurrency` at a time: uploads/s and the p50 and p99 latencies. */
async function timed(count: number, concurrency: number, run: () => Promise<void>) {
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const t0 = performance.now();
        await run();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return `${(count / seconds).toFixed(1)} uploads/s, p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`;
}

/** Scenario 4: multipart POST /api/images to the real app, listening on a port of its own. */
async function multipartOverHttp(dir: string, file: Buffer): Promise<void> {
  const config = loadConfig({
    ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : { EMBEDDED_DB_DIR: 'memory://' }),
    UPLOAD_DIR: path.join(dir, 'http-uploads'),
    LOG_LEVEL: 'silent',
    BCRYPT_ROUNDS: '4',
    API_RATE_LIMIT: '0',
  });
  const { deps, close } = await bootstrap(config, createLogger('silent'));
  const server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const json = { 'Content-Type': 'application/json' };
  const user = { username: `bench_${Date.now()}`, password: 'bench password' };
  await fetch(`${api}/api/register`, { method: 'POST', headers: json, body: JSON.stringify(user) });
  const { token } = (await (await fetch(`${api}/api/login`, { method: 'POST', headers: json, body: JSON.stringify(user) })).json()) as { token: string };
  const post = async () => {
    const form = new FormData();
    form.append('data', JSON.stringify({ caption: 'bench' }));
    form.append('file', new Blob([file], { type: 'image/jpeg' }), 'photo.jpg');
    const res = await fetch(`${api}/api/images`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
    if (res.status !== 201) throw new Error(`POST /api/images answered ${res.status}: ${await res.text()}`);
  };
  await post(); // warm the workers
  console.log(`${(file.length / MB).toFixed(1)} MB JPEG, multipart POST /api/images over HTTP, 40 uploads, 4 at a time: ${await timed(40, 4, post)}`);
  await new Promise((resolve) => server.close(resolve));
  await close();
}

async function main(): Promise<void> {
  // The pictures made here for the benchmark are not cached: resident memory is the server's own.
  sharp.cache(false);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-uploads-'));
  await measureTwelveMegapixels(dir);

  // BENCH_DATABASE_URL: a PostgreSQL server, whose memory is not this process's (PGlite's is).
  const db = await openDb({ url: process.env.BENCH_DATABASE_URL, embeddedDir: 'memory://', ssl: false });
  await migrateToLatest(db.knex);
  const [user] = await db.knex('users').insert({ username: 'bench', password_hash: 'x' }).returning('id');
  const files = await createImageFiles({
    knex: db.knex,
    config: { dir: path.join(dir, 'uploads'), maxBytes: 10 * MB, quotaBytes: 100 * 1024 * MB },
    secret: 's'.repeat(32),
    logger: createLogger('silent'),
  });
  const upload = (file: Buffer) => files.receiveFile(user.id, asRequest(file), 'http://bench.test');

  const twoMb = await photo(2100, 1500, 45);
  await upload(twoMb); // warm the workers
  console.log(`${(twoMb.length / MB).toFixed(1)} MB JPEG, 40 uploads, 4 at a time, measured: ${await timed(40, 4, () => upload(twoMb).then(() => undefined))}`);

  const tenMb = await photo(4200, 3200, 60);
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const burstStarted = performance.now();
  await Promise.all(Array.from({ length: 100 }, () => upload(tenMb)));
  clearInterval(sampler);
  console.log(
    `burst of 100 uploads of ${(tenMb.length / MB).toFixed(1)} MB at once: ${((performance.now() - burstStarted) / 1000).toFixed(1)} s, ` +
      `resident memory ${(before / MB).toFixed(0)} MB -> peak ${(peak / MB).toFixed(0)} MB (+${((peak - before) / MB).toFixed(0)} MB)`,
  );

  await files.close();
  await db.close();
  await multipartOverHttp(dir, twoMb);
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
