import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './helpers/databases';
import { pidsThatServed, requestOnce, startServerProcess, waitFor, type ServerProcess } from './helpers/server-process';

/**
 * Scale-out as deployed: several server processes on one PostgreSQL (and one Redis), holding no
 * state of their own. Needs the PostgreSQL of TEST_DATABASE_URL; the Redis cases TEST_REDIS_URL.
 */
const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const describeWithServers = databaseUrl && redisUrl ? describe : describe.skip;
const describeWithDatabase = databaseUrl ? describe : describe.skip;

/** Ready on every worker: successive new connections (round-robin over workers) all say 200. */
const ready = (server: ServerProcess) =>
  waitFor(async () => {
    for (let i = 0; i < 4; i += 1) if ((await requestOnce(`${server.url}/ready`)).status !== 200) return false;
    return true;
  });

async function stop(...servers: ServerProcess[]) {
  for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGTERM');
  return Promise.all(servers.map((server) => server.exited));
}

async function registerAndLogin(server: ServerProcess, username: string) {
  const registered = await requestOnce(`${server.url}/api/register`, { body: { username, password: 'password1' } });
  expect(registered.status).toBe(201);
  const login = await requestOnce(`${server.url}/api/login`, { body: { username, password: 'password1' } });
  expect(login.status).toBe(200);
  return (login.body as { token: string }).token;
}

describeWithServers('two instances on one PostgreSQL and one Redis', () => {
  let database: TestDatabase;
  let first: ServerProcess;
  let second: ServerProcess;
  beforeAll(async () => {
    database = await createTestDatabase();
    // No JWT_SECRET: the generated one lives in the database, so both instances share it.
    const env = { ...database.env, REDIS_URL: redisUrl!, LOGIN_RATE_LIMIT: '4', TRUST_PROXY: '1' };
    first = await startServerProcess(env);
    await ready(first);
    second = await startServerProcess({ ...env, MIGRATE_ON_START: 'false' });
    await ready(second);
  });
  afterAll(async () => {
    await stop(first, second);
    await database.drop();
  });

  test('when a token is logged out on one instance, then the other refuses it', async () => {
    const token = await registerAndLogin(first, `scale_${process.pid}`);
    const auth = { Authorization: `Bearer ${token}` };
    expect((await requestOnce(`${second.url}/api/users/me`, { headers: auth })).status).toBe(200);
    expect((await requestOnce(`${first.url}/api/auth/logout`, { method: 'POST', headers: auth })).status).toBe(204);
    expect((await requestOnce(`${second.url}/api/users/me`, { headers: auth })).status).toBe(401);
    expect((await requestOnce(`${first.url}/api/users/me`, { headers: auth })).status).toBe(401);
  });

  test('when failed logins are spread over both instances, then together they reach the limit', async () => {
    const username = `spread_${process.pid}`;
    await registerAndLogin(first, username);
    // Counts are kept per (client IP, account id), and the Redis outlives this run's database, whose
    // ids start again at 1: an address of this run's own keeps an earlier run's count out.
    const headers = { 'X-Forwarded-For': `2001:db8::${randomBytes(6).toString('hex').match(/.{4}/g)!.join(':')}` };
    const attempt = (server: ServerProcess, password: string) =>
      requestOnce(`${server.url}/api/login`, { body: { username, password }, headers });
    const statuses = [];
    for (const server of [first, second, first, second]) statuses.push((await attempt(server, 'wrong password')).status);
    expect(statuses).toEqual([401, 401, 401, 401]);
    const blocked = await attempt(second, 'password1');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt(first, 'password1')).status).toBe(429);
  });
});

describeWithDatabase('WEB_CONCURRENCY=2 (node:cluster) without Redis', () => {
  test('then two workers serve one port, share the login limit through the primary, and stop cleanly on SIGTERM', async () => {
    const database = await createTestDatabase();
    const server = await startServerProcess({ ...database.env, WEB_CONCURRENCY: '2', LOGIN_RATE_LIMIT: '3' });
    try {
      await waitFor(async () => server.output().split('"msg":"API ready"').length - 1 === 2);
      await ready(server);
      const username = `cluster_${process.pid}`;
      await registerAndLogin(server, username);
      const statuses = [];
      for (let i = 0; i < 6; i += 1) {
        statuses.push((await requestOnce(`${server.url}/api/login`, { body: { username, password: 'wrong password' } })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
      // node:cluster hands each new connection to a free worker: within a few, both have served.
      for (let i = 0; i < 40 && pidsThatServed(server.output()).size < 2; i += 1) await requestOnce(`${server.url}/health`);
      expect(pidsThatServed(server.output()).size).toBe(2);
      expect(pidsThatServed(server.output()).has(server.child.pid!)).toBe(false);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      await database.drop();
    }
  });
});
