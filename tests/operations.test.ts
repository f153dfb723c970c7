import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { startTestApp, type TestApp } from './helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('operations routes', () => {
  test('GET /health says ok', async () => {
    const res = await t.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  test("when any route answers, then it carries exactly helmet's default headers (recorded once at start)", async () => {
    const plain = express();
    plain.use(helmet());
    plain.get('/health', (_req, res) => {
      res.json({ status: 'ok' });
    });
    const expected = (await request(plain).get('/health')).headers;
    const helmetNames = Object.keys(expected).filter((name) => !['content-type', 'content-length', 'date', 'connection', 'etag'].includes(name));
    expect(helmetNames.length).toBeGreaterThan(10);
    for (const path of ['/health', '/api/kickstarter', '/no/such/route']) {
      const res = await t.http().get(path);
      for (const name of helmetNames) expect([path, name, res.headers[name]]).toEqual([path, name, expected[name]]);
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  test('GET /ready names the database it answered from', async () => {
    const res = await t.http().get('/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded' });
  });

  test('GET /api says the API is running', async () => {
    const res = await t.http().get('/api');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ api: 'running' });
  });

  test('when the database is gone, then /ready is 503 with Retry-After while /health stays 200', async () => {
    const other = await startTestApp();
    await other.deps.db.close();
    try {
      const ready = await other.http().get('/ready');
      expect(ready.status).toBe(503);
      expect(ready.headers['retry-after']).toBeDefined();
      expect(ready.body.success).toBe(false);
      expect((await other.http().get('/health')).status).toBe(200);
    } finally {
      await other.close().catch(() => undefined);
    }
  });
});

describe('HEAD', () => {
  test.each(['/health', '/api', '/api/kickstarter?limit=1', '/api/nope'])('when HEAD %s, then the GET\'s status and headers, Content-Length included, and no body', async (path) => {
    const get = await t.http().get(path);
    const head = await t.http().head(path);
    expect(head.status).toBe(get.status);
    expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.text)));
    expect(head.text ?? '').toBe('');
  });
});

describe('CORS', () => {
  test('when a browser preflights with no token, then 2xx allowing the contract\'s methods and headers', async () => {
    const res = await t
      .http()
      .options('/api/users/me')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'PATCH')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    // Browsers refuse credentials with `*`: none are offered.
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(res.headers['access-control-allow-methods']).toContain(method);
    }
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-allow-headers']).toMatch(/Content-Type/);
  });

  test('then Link, Retry-After and WWW-Authenticate are exposed', async () => {
    const res = await t.http().get('/health').set('Origin', 'https://app.example');
    expect(res.headers['access-control-expose-headers']).toBe('Link,Retry-After,WWW-Authenticate');
  });

  test('when CORS_ORIGIN lists origins, then only those are allowed', async () => {
    const limited = await startTestApp({ CORS_ORIGIN: 'https://one.example, https://two.example' });
    try {
      const allowed = await limited.http().get('/health').set('Origin', 'https://two.example');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://two.example');
      // The Picmetric client logs in with credentials: a listed origin may send them.
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      const preflight = await limited.http().options('/api/login').set('Origin', 'https://one.example').set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-credentials']).toBe('true');
      const refused = await limited.http().get('/health').set('Origin', 'https://evil.example');
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await limited.close();
    }
  });
});
