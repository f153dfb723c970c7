import { spawnSync } from 'node:child_process';
import { startTestApp } from './helpers/app';
import { createTestDatabase, type TestDatabase } from './helpers/databases';

/** Runs `npm run <script>` as a user would, against the test's own database. */
function npmRun(script: 'migrate' | 'seed', env: Record<string, string>) {
  const result = spawnSync('npm', ['run', '--silent', script], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

describe('npm run migrate and npm run seed', () => {
  test('when migrate runs twice, then every migration is applied once and the second run says so', () => {
    const first = npmRun('migrate', database.env);
    expect(first.status).toBe(0);
    const second = npmRun('migrate', database.env);
    expect(second.status).toBe(0);
    expect(second.output).toContain('Already up to date');
  });

  test('when seeded (twice), then admin logs in with "password" and owns Test_Project_1..4 once', async () => {
    expect(npmRun('seed', database.env).status).toBe(0);
    expect(npmRun('seed', database.env).status).toBe(0);
    const t = await startTestApp({}, database);
    try {
      const login = await t.http().post('/api/auth/login').send({ username: 'admin', password: 'password' });
      expect(login.status).toBe(200);
      const campaigns = await t.knex('kickstarter').where({ user_id: login.body.id }).orderBy('id').pluck('campaign_name');
      expect(campaigns).toEqual(['Test_Project_1', 'Test_Project_2', 'Test_Project_3', 'Test_Project_4']);
    } finally {
      await t.close();
    }
  });

  test('when NODE_ENV=production, then seed refuses and loads nothing', async () => {
    const run = npmRun('seed', { ...database.env, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) });
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('Refusing to load demo data with NODE_ENV=production');
    const t = await startTestApp({}, database);
    try {
      expect(await t.knex('users').count({ n: '*' })).toEqual([{ n: '0' }]);
    } finally {
      await t.close();
    }
  });
});
