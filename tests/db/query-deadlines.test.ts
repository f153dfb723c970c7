import { type Database, isDatabaseUnavailable, openDb, queryRows, sql } from '../../src/db';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';

const LIMIT_MS = 400;

let database: TestDatabase;
let db: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDb(
    { url: database.env.DATABASE_URL, embeddedDir: database.env.EMBEDDED_DB_DIR ?? '', ssl: false },
    undefined,
    { queryTimeoutMs: LIMIT_MS },
  );
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

const seconds = (ms: number) => ms / 1000;

describe('query deadlines', () => {
  test('when a query runs past the limit, then it fails as an outage (a 503), early on a PostgreSQL server, and the pool serves the next query', async () => {
    const started = Date.now();
    const error = await db.knex.raw('select pg_sleep(?)', [seconds(LIMIT_MS * 5)]).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(error)).toBe(true);
    // The embedded database runs on this thread: a query that keeps it busy (pg_sleep) holds every
    // timer until it is done, so there the cut comes when it ends, still as an error.
    if (db.kind === 'postgres') expect(Date.now() - started).toBeLessThan(LIMIT_MS * 5);

    const rows = await queryRows<{ answer: number }>(db.knex, sql`select ${41}::int + 1 as answer`);
    expect(rows).toEqual([{ answer: 42 }]);
  });

  test('when the hot path (queryRows) runs past the limit, then it fails the same way', async () => {
    const error = await queryRows(db.knex, sql`select pg_sleep(${seconds(LIMIT_MS * 5)})`, { prepared: false }).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  test('when queries stay under the limit, one after another on the same connection for longer than it, then none is cut', async () => {
    for (let i = 0; i < 4; i += 1) {
      await expect(db.knex.raw('select pg_sleep(?) as slept', [seconds(LIMIT_MS / 4)])).resolves.toBeDefined();
    }
    // An idle connection is not a late query either.
    await new Promise((resolve) => setTimeout(resolve, LIMIT_MS * 2));
    await expect(db.knex.raw('select 1 as one')).resolves.toBeDefined();
  });

  test('when a query sets its own query_timeout (the long imports), then that is its limit', async () => {
    const result = await db.knex.raw('select pg_sleep(?) as slept', [seconds(LIMIT_MS * 2)]).options({ query_timeout: LIMIT_MS * 10 });
    expect(result.rows).toHaveLength(1);
  });
});
