import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { HttpError } from '../../../src/http/errors';
import { readMultipartImage } from '../../../src/images/files/multipart';
import type { ReceivedFile } from '../../../src/images/files/uploads';
import { MAX_DATA_BYTES } from '../../../src/images/schemas';
import { createImageFiles, type ImageFiles } from '../../../src/images/files/service';
import { createLogger } from '../../../src/logger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { jpegWithGps, oversizedJpeg, textFile } from '../../helpers/image-fixtures';
import { registerAndLogin } from '../../helpers/users';

const MAX_BYTES = 500_000;

let t: TestApp;
let files: ImageFiles;
let server: http.Server;
let endpoint: string;
let dir: string;
/** Keys of the received files the multipart reader handed back to be discarded. */
const discarded: string[] = [];
beforeAll(async () => {
  t = await startTestApp({}, undefined, undefined, { jobs: false });
  const owner = (await registerAndLogin(t)).id;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multipart-test-'));
  files = await createImageFiles({
    knex: t.knex,
    config: { dir, maxBytes: MAX_BYTES, quotaBytes: 1e9 },
    secret: 's'.repeat(32),
    logger: createLogger('silent'),
    poolSize: 1,
  });
  // What the lead's POST /api/images does with a multipart body, answered as JSON.
  server = http.createServer((req, res) => {
    const discard = async (file: ReceivedFile) => {
      discarded.push(file.key);
      await files.discardFile(file);
    };
    readMultipartImage(req, MAX_BYTES, (file) => files.receiveFile(owner, file, 'http://api.test'), discard).then(
      (result) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(result)),
      (error: HttpError) => res.writeHead(error.status ?? 500).end(JSON.stringify({ message: error.message, errors: error.errors })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await files.close();
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function post(parts: Record<string, string | Buffer>) {
  let req = request(endpoint).post('/');
  for (const [name, value] of Object.entries(parts)) {
    req = typeof value === 'string' ? req.field(name, value) : req.attach(name, value, 'cat.png');
  }
  const res = await req.ok(() => true);
  return { status: res.status, body: JSON.parse(res.text) };
}

describe('multipart image uploads', () => {
  test('when a photo and its data are posted as curl -F sends them, then the file is stored and its URL and type come back', async () => {
    const res = await post({ data: '{"caption":"A cat"}', file: await jpegWithGps() });
    expect(res).toEqual({ status: 201, body: { file: { key: expect.any(String), url: expect.stringMatching(/^http:\/\/api\.test\/uploads\/[0-9a-f-]{36}$/), type: 'image/jpeg' }, fields: { data: '{"caption":"A cat"}' } } });
  });

  test('when the file is text, over the limit, or missing, then it is 422, 413, 422 and nothing stays behind', async () => {
    expect(await post({ file: textFile() })).toMatchObject({ status: 422, body: { errors: { file: [expect.stringMatching(/PNG, JPEG/)] } } });
    expect(await post({ file: oversizedJpeg(MAX_BYTES * 3) })).toMatchObject({ status: 413 });
    expect(await post({ data: '{}' })).toMatchObject({ status: 422, body: { errors: { file: ['The file field is required.'] } } });
    expect(fs.readdirSync(files.storage.scratchDir)).toEqual([]);
  });

  test('when a field after a stored file is refused, then the refusal comes once the upload is discarded', async () => {
    const uploads = async () => (await t.knex('uploads').count({ n: '*' }).first())!.n;
    const before = await uploads();
    const res = await post({ file: await jpegWithGps(), data: 'x'.repeat(MAX_DATA_BYTES + 1) });
    expect(res).toMatchObject({ status: 413, body: { message: 'The field data is too large.' } });
    expect(discarded).toHaveLength(1);
    expect(await uploads()).toBe(before);
  });
});
