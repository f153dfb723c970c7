import zlib from 'node:zlib';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ BODY_LIMIT: '1kb' });
});
afterAll(() => t.close());

const expectEnvelope = (res: { headers: Record<string, string>; body: Record<string, unknown> }, message?: string) => {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body.success).toBe(false);
  expect(typeof res.body.message).toBe('string');
  if (message) expect(res.body.message).toBe(message);
};

describe('the error envelope', () => {
  test('when the JSON is malformed, then 400 JSON', async () => {
    const res = await t.http().post('/api/login').set('Content-Type', 'application/json').send('{"username": ');
    expect(res.status).toBe(400);
    expectEnvelope(res, 'The request body is not valid JSON.');
  });

  test.each([['[1,2]'], ['"text"'], ['42'], ['null']])('when the body is %s, not an object, then 400', async (body) => {
    const res = await t.http().post('/api/register').set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expectEnvelope(res);
  });

  test('when the body is over BODY_LIMIT, then 413 JSON', async () => {
    const res = await t.http().post('/api/register').send({ name: 'x'.repeat(2048) });
    expect(res.status).toBe(413);
    expectEnvelope(res, 'The request body is too large.');
  });

  test('when a non-JSON body is sent, then 415, even when it is also too large', async () => {
    const small = await t.http().post('/api/login').set('Content-Type', 'text/plain').send('username=a');
    expect(small.status).toBe(415);
    expectEnvelope(small);
    const large = await t.http().post('/api/login').set('Content-Type', 'application/x-www-form-urlencoded').send(`a=${'x'.repeat(4096)}`);
    expect(large.status).toBe(415);
  });

  test('when a body has no content type, then 415', async () => {
    const res = await t.http().post('/api/login').set('Content-Type', '').send(Buffer.from('{"a":1}'));
    expect(res.status).toBe(415);
  });

  test('when the JSON comes as application/vnd.api+json, then it is accepted', async () => {
    const res = await t.http().post('/api/login').set('Content-Type', 'application/vnd.api+json').send('{}');
    expect(res.status).toBe(422);
  });

  test('when the body uses an unknown content encoding, then 415', async () => {
    const res = await t.http().post('/api/login').set('Content-Type', 'application/json').set('Content-Encoding', 'zstd-nope').send('{}');
    expect(res.status).toBe(415);
    expectEnvelope(res);
  });

  // Every route with an id in its path, and percent-encodings that do not decode (not hex, cut
  // short, overlong UTF-8, a UTF-16 surrogate written as UTF-8, a lone continuation byte).
  const ID_ROUTES = [
    ['get', '/api/auth/:id'], ['get', '/api/users/:id'], ['put', '/api/auth/update/:id'], ['delete', '/api/auth/delete/:id'],
    ['get', '/api/images/:id'], ['put', '/images/:id'], ['patch', '/api/images/:id'], ['delete', '/images/:id'],
    ['get', '/api/kickstarter/:id'], ['put', '/api/kickstarter/:id'], ['patch', '/api/kickstarter/:id'],
    ['delete', '/api/kickstarter/:id'], ['get', '/api/kickstarter/user/:id'], ['post', '/api/kickstarter/user/:id'],
  ] as const;
  const BAD_ENCODINGS = ['%zz', '%E0%A4%A', '%C0%AE', '%ED%A0%80', '%80', '%', '1%2'];
  test.each(ID_ROUTES.flatMap(([method, path]) => BAD_ENCODINGS.map((id) => [method, path.replace(':id', id)] as const)))(
    'when %s %s has an id that does not percent-decode, then 404 JSON',
    async (method, path) => {
      const res = await t.http()[method](path).set('Content-Type', 'application/json').send('{}');
      expect(res.status).toBe(404);
      expectEnvelope(res, 'Not Found.');
    },
  );

  const gzipped = zlib.gzipSync('{"username":"someone","password":"password1"}');
  /** POST raw bytes as JSON: superagent would otherwise send a Buffer's JSON form. */
  const postEncoded = (encoding: string, body: Buffer) =>
    t.http().post('/api/login').set('Content-Type', 'application/json').set('Content-Encoding', encoding)
      .serialize((bytes: Buffer) => bytes as unknown as string).send(body as unknown as object);
  test.each([
    ['gzip', 'a plain body', Buffer.from('{"username":"a"}')],
    ['gzip', 'a truncated body', gzipped.subarray(0, gzipped.length - 12)],
    ['deflate', 'a plain body', Buffer.from('{"username":"a"}')],
    ['br', 'a broken body', Buffer.from('not brotli at all')],
  ])('when Content-Encoding says %s but the body is %s, then 400 JSON', async (encoding, _case, body) => {
    const res = await postEncoded(encoding, body);
    expect(res.status).toBe(400);
    expectEnvelope(res, 'The request body could not be read: it does not match its Content-Encoding.');
  });

  test('when the body really is gzipped, then it is read', async () => {
    const res = await postEncoded('gzip', gzipped);
    expect(res.status).toBe(401);
  });

  test.each([['GET', '/nope'], ['GET', '/api/nope'], ['DELETE', '/api/login'], ['GET', '/api/users/me/extra']])(
    'when %s %s is not a route, then 404 JSON',
    async (method, path) => {
      const res = await t.http()[method.toLowerCase() as 'get'](path);
      expect(res.status).toBe(404);
      expectEnvelope(res, 'Not Found.');
    },
  );

  test('when the database fails unexpectedly, then 500 with a generic message and no detail', async () => {
    const broken = await startTestApp();
    try {
      await broken.knex.schema.renameTable('users', 'users_gone');
      const res = await broken.http().post('/api/register').send({ username: 'someone', password: 'password1' });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ success: false, message: 'Server Error.' });
    } finally {
      await broken.close();
    }
  });
});

describe('security headers', () => {
  test('then every response has helmet\'s headers and no X-Powered-By, errors included', async () => {
    for (const path of ['/health', '/nope']) {
      const res = await t.http().get(path);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBeDefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });
});
