import { startTestApp } from './helpers/app';
import { copyEmbeddedTemplate, createTestDatabase, type TestDatabase } from './helpers/databases';
import { startServerProcess, waitFor, waitUntilListening, type ServerProcess } from './helpers/server-process';
import { proxiedDatabaseUrl } from './helpers/tcp-proxy';

const post = (server: ServerProcess, path: string, body: object) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** The process's exit code, or 'still running' if it has not exited within `ms`. */
const exitCodeWithin = (server: ServerProcess, ms: number) =>
  Promise.race([server.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), ms).unref())]);

describe('the server process', () => {
  let database: TestDatabase;
  let server: ServerProcess | undefined;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    server = undefined;
    await database.drop();
  });

  test('when it gets SIGTERM during a request, then the request completes, the server exits 0 and the row is kept', async () => {
    // A costly hash keeps the registration in flight while the signal arrives.
    server = await startServerProcess({ ...database.env, BCRYPT_ROUNDS: '12' });
    await waitUntilListening(server);
    await waitFor(async () => (await fetch(`${server!.url}/ready`)).ok);
    const inFlight = post(server, '/api/register', { username: 'in_flight', password: 'password1' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    server.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(201);
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('stopped');

    server = await startServerProcess({ ...database.env, BCRYPT_ROUNDS: '12' });
    await waitFor(async () => (await fetch(`${server!.url}/ready`)).ok);
    expect((await post(server, '/api/login', { username: 'in_flight', password: 'password1' })).status).toBe(200);
  });

  // The cluster's primary migrates before forking; it needs a PostgreSQL server.
  const startModes: Array<[string, Record<string, string>]> = [['one process', {}]];
  if (process.env.TEST_DATABASE_URL) startModes.push(['a cluster', { WEB_CONCURRENCY: '2' }]);

  test.each(startModes)(
    'when the database records a migration that no longer exists (%s), then it exits 1 within seconds, saying so in one line',
    async (_mode, env) => {
      const setup = await startTestApp({}, database);
      await setup.knex('knex_migrations').insert({ name: '20260101000000_removed', batch: 99, migration_time: new Date() });
      await setup.close();

      server = await startServerProcess({ ...database.env, ...env });
      expect(await exitCodeWithin(server, 15_000)).toBe(1);
      expect(server.output().split('\n').filter((line) => line.includes('could not start'))).toEqual([
        'could not start: The migration directory is corrupt, the following files are missing: 20260101000000_removed',
      ]);
      expect(server.output()).not.toContain('retrying');
    },
  );

  (process.env.TEST_DATABASE_URL ? test : test.skip)(
    'when cluster workers cannot start (unmigrated database, MIGRATE_ON_START=false), then the primary exits 1 instead of replacing them',
    async () => {
      server = await startServerProcess({ ...database.env, WEB_CONCURRENCY: '2', MIGRATE_ON_START: 'false' });
      expect(await exitCodeWithin(server, 15_000)).toBe(1);
      expect(server.output()).toMatch(/could not start: .*relation "app_settings" does not exist/);
      expect(server.output()).toContain('could not start: a worker failed while starting');
      expect(server.output()).not.toContain('starting another');
    },
  );

  test('when NODE_ENV=production lacks JWT_SECRET, then it exits 1 naming the variable', async () => {
    server = await startServerProcess({ ...database.env, NODE_ENV: 'production' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('JWT_SECRET is required when NODE_ENV=production');
  });
});

describe('the embedded database under SIGKILL', () => {
  let database: TestDatabase;
  beforeEach(() => {
    database = copyEmbeddedTemplate();
  });
  afterEach(() => database.drop());

  test('when the server is killed mid-writes, then every registration that got 201 is there after a restart', async () => {
    const first = await startServerProcess(database.env);
    await waitFor(async () => (await fetch(`${first.url}/ready`)).ok);
    const acknowledged: string[] = [];
    const writers = Array.from({ length: 4 }, async (_, writer) => {
      for (let i = 0; ; i += 1) {
        const username = `durable_${writer}_${i}`;
        try {
          const res = await post(first, '/api/register', { username, password: 'password1' });
          if (res.status === 201) acknowledged.push(username);
        } catch {
          return; // the server is gone
        }
      }
    });
    await waitFor(async () => acknowledged.length >= 20);
    first.child.kill('SIGKILL');
    await Promise.all(writers);
    await first.exited;

    // The killed process left its lock behind; the restart takes it over.
    const second = await startServerProcess(database.env);
    try {
      await waitFor(async () => (await fetch(`${second.url}/ready`)).ok);
      for (const username of acknowledged) {
        const res = await post(second, '/api/login', { username, password: 'password1' });
        expect({ username, status: res.status }).toEqual({ username, status: 200 });
      }
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});

const describeWithServer = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeWithServer('when the database is down at start', () => {
  test('then the server listens (health 200, the rest 503) and comes up by itself when the database does', async () => {
    const database = await createTestDatabase();
    const { url, proxy } = await proxiedDatabaseUrl(database.env.DATABASE_URL!);
    proxy.down();
    const server = await startServerProcess({ DATABASE_URL: url });
    try {
      await waitUntilListening(server);
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('5');
      const login = await post(server, '/api/login', { username: 'x', password: 'password1' });
      expect(login.status).toBe(503);
      expect(await login.json()).toEqual({ success: false, message: 'The database is unavailable. Please try again shortly.' });

      proxy.up();
      await waitFor(async () => (await fetch(`${server.url}/ready`)).ok);
      expect((await post(server, '/api/register', { username: 'late_start', password: 'password1' })).status).toBe(201);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      await proxy.close();
      await database.drop();
    }
  });
});
