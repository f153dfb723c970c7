import { spawn } from 'node:child_process';
import { startTestApp, type TestApp } from '../../helpers/app';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { registerAndLogin } from '../../helpers/users';
import { csvFile, removeCsvFiles } from './dataset';

/** `npm run import:campaigns -- <args>` as a user runs it (not on a terminal), against the test's database. */
function importCommand(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'import:campaigns', '--', ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
  removeCsvFiles();
});

test('when the command has no file, then it says how to use it and fails', async () => {
  const run = await importCommand([], database.env);
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('Usage: npm run import:campaigns -- <file.csv | https://…/file.csv>');
});

const embedded = !process.env.TEST_DATABASE_URL;

(embedded ? test : test.skip)('when a server holds the embedded database, then the import is refused and names it', async () => {
  const t = await startTestApp({}, database);
  try {
    const run = await importCommand([await csvFile({ rows: 10 })], database.env);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`is in use by process ${process.pid}`);
  } finally {
    await t.close();
  }
});

describe('a whole import', () => {
  let t: TestApp | undefined;
  afterAll(() => t?.close());

  test('when a file with bad rows is imported, then it prints them by line, the summary and the model against the baseline; campaigns get insights', async () => {
    // On PostgreSQL the server runs through the import; the embedded database admits one process.
    t = embedded ? undefined : await startTestApp({}, database);
    const file = await csvFile({ rows: 6000, badEvery: 600 });
    const run = await importCommand([file], database.env);
    expect(run.stderr).toMatch(/^\nline 601: usd_goal_real is not an amount: "lots"\nline 1202: state is missing/);
    expect(run.stderr).not.toContain('\r');
    expect(run.stdout).toMatch(/^Imported 5,990 rows in [\d.]+ s: 5,990 new, 0 updated, 0 unchanged; 10 bad rows skipped\.\n/);
    expect(run.stdout).toMatch(
      /Model on the held-out fifth \([\d,]+ campaigns, trained on [\d,]+\): accuracy 0\.\d{3}, ROC AUC 0\.[7-9]\d{2}; majority-class baseline: accuracy 0\.\d{3}, ROC AUC 0\.500\./,
    );
    expect(run.status).toBe(0);

    t ??= await startTestApp({}, database);
    const user = await registerAndLogin(t);
    const created = await t.http().post(`/api/kickstarter/user/${user.id}`).set('Authorization', user.token).send({
      campaignName: 'Dice', categories: 'Tabletop Games', monetaryGoal: 5000, duration: 30, country: 'Japan',
    });
    expect(created.status).toBe(201);
    await t.close();
    t = undefined;
    const again = await importCommand([file], database.env);
    expect(again.stdout).toMatch(/0 new, 0 updated, 5,990 unchanged; 10 bad rows skipped\.\nModel.*\nInsights recomputed for 1 campaign\.\n$/);
    t = await startTestApp({}, database);
    const stored = await t.knex('kickstarter').where({ id: created.body.id }).first();
    for (const field of ['prediction_results', 'results', 'raising_more_success', 'category_success', 'category_average', 'average_over', 'average_backers', 'average_duration']) {
      expect([field, typeof stored[field]]).toEqual([field, 'number']);
    }
  });
});
