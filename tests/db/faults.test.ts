import { startTestApp, type TestApp } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { proxiedDatabaseUrl, type TcpProxy } from '../helpers/tcp-proxy';
import { registerAndLogin } from '../helpers/users';

// An outage needs a database server to lose: the PostgreSQL of TEST_DATABASE_URL (CI's second leg).
const describeWithServer = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeWithServer('when the database becomes unreachable', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    const proxied = await proxiedDatabaseUrl(database.env.DATABASE_URL!);
    proxy = proxied.proxy;
    t = await startTestApp({}, { env: { DATABASE_URL: proxied.url }, drop: async () => undefined });
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
    await database.drop();
  });

  test('then requests that need it get 503 with Retry-After, /ready is 503, /health 200; and it heals', async () => {
    const user = await registerAndLogin(t);
    proxy.down();

    const started = Date.now();
    const me = await t.http().get('/api/users/me').set('Authorization', user.token);
    expect(me.status).toBe(503);
    expect(me.headers['retry-after']).toBe('5');
    expect(me.body).toEqual({ success: false, message: 'The database is unavailable. Please try again shortly.' });
    const register = await t.http().post('/api/register').send({ username: 'during_outage', password: 'password1' });
    expect(register.status).toBe(503);
    const login = await t.http().post('/api/login').send({ username: user.username, password: user.password });
    expect(login.status).toBe(503);
    expect((await t.http().get('/ready')).status).toBe(503);
    expect((await t.http().get('/health')).status).toBe(200);
    // Bounded by the connect and acquire timeouts, not by TCP's minutes.
    expect(Date.now() - started).toBeLessThan(25_000);

    proxy.up();
    expect((await t.http().get('/ready')).status).toBe(200);
    expect((await t.http().get('/api/users/me').set('Authorization', user.token)).status).toBe(200);
    expect((await t.http().post('/api/register').send({ username: 'after_outage', password: 'password1' })).status).toBe(201);
  });
});
