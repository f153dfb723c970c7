import { startTestApp, type TestApp } from '../helpers/app';

/**
 * Every campaign list can be read from one index, with its filter and the keyset (`id > after`) as
 * index conditions: no scan of the whole table, so a keyset page costs the same however deep it
 * is. Checked on the plans PostgreSQL makes for the queries the routes send, over enough rows, with
 * filter values selective enough, that a plan without the right index would show.
 */
let t: TestApp;
let firstUserId: number;
const USERS = 2000;
const CAMPAIGNS = 60_000;
const OTHER_CATEGORIES = ['Art', 'Crafts', 'Dance', 'Design', 'Fashion', 'Film', 'Food', 'Journalism', 'Music', 'Photography', 'Publishing', 'Technology', 'Theater'];
const OTHER_COUNTRIES = ['USA', 'CHINA', 'RUSSIA', 'FRANCE', 'GERMANY', 'BRAZIL', 'INDIA', 'CANADA', 'MEXICO', 'SPAIN', 'ITALY', 'KOREA', 'NIGERIA'];

beforeAll(async () => {
  t = await startTestApp();
  await t.knex.raw(
    `INSERT INTO users (username, password_hash) SELECT 'bulk_' || i, 'not a hash' FROM generate_series(1, ?) AS i`,
    [USERS],
  );
  firstUserId = ((await t.knex('users').min('id as id').first()) as { id: number }).id;
  // Comics and KENYA: 1% each. Games and JAPAN: 10% each, independently, so Games in JAPAN is 1%.
  await t.knex.raw(
    `INSERT INTO kickstarter (user_id, campaign_name, categories, monetary_goal, duration, country)
     SELECT ? + i % ?, 'Campaign ' || i,
       CASE WHEN i % 10 = 0 THEN 'Games' WHEN i % 100 = 1 THEN 'Comics' ELSE (?::text[])[1 + i % ?] END,
       1000, 30,
       CASE WHEN (i / 10) % 10 = 0 THEN 'JAPAN' WHEN i % 100 = 55 THEN 'KENYA' ELSE (?::text[])[1 + i % ?] END
     FROM generate_series(0, ? - 1) AS i`,
    [firstUserId, USERS, OTHER_CATEGORIES, OTHER_CATEGORIES.length, OTHER_COUNTRIES, OTHER_COUNTRIES.length, CAMPAIGNS],
  );
  await t.knex.raw('ANALYZE kickstarter');
}, 120_000);
afterAll(() => t.close());

/** The campaign query a request sends: native SQL ($1, $2, … in order) and its values. */
async function queryOf(path: string): Promise<{ sql: string; bindings: readonly unknown[] }> {
  const queries: Array<{ sql: string; bindings: readonly unknown[] }> = [];
  const record = (query: { sql: string; bindings?: readonly unknown[] }) => {
    if (/from "?kickstarter"?/.test(query.sql)) queries.push({ sql: query.sql, bindings: query.bindings ?? [] });
  };
  t.knex.on('query', record);
  try {
    const res = await t.http().get(path);
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(0);
  } finally {
    t.knex.removeListener('query', record);
  }
  expect(queries).toHaveLength(1);
  return queries[0]!;
}

const planLines = (result: { rows: Array<{ 'QUERY PLAN': string }> }) => result.rows.map((row) => row['QUERY PLAN']).join('\n');

/** The plan of the campaign query a request sends, with its values. */
async function planOf(path: string): Promise<string> {
  const { sql, bindings } = await queryOf(path);
  // knex.raw takes ? placeholders.
  return planLines(await t.knex.raw(`EXPLAIN ${sql.replace(/\$\d+/g, '?')}`, bindings as never));
}

const lastId = async () => ((await t.knex('kickstarter').max('id as id').first()) as { id: number }).id;

describe('campaign list query plans', () => {
  test.each([
    ['no filter', '', 'kickstarter_pkey', ''],
    ['categories', 'categories=comics', 'kickstarter_categories_id_index', "lower((categories)::text) = 'comics'"],
    ['country', 'country=Kenya', 'kickstarter_country_id_index', "lower((country)::text) = 'kenya'"],
    [
      'categories and country',
      'categories=Games&country=JAPAN',
      'kickstarter_categories_country_id_index',
      "lower((categories)::text) = 'games'::text) AND (lower((country)::text) = 'japan'",
    ],
    ['user_id', 'user_id=USER', 'kickstarter_user_id_id_index', 'user_id = USER'],
  ])('when filtering by %s, then the first and a deep keyset page read one index, the filter and keyset as its conditions', async (_case, filter, index, condition) => {
    const userId = String(firstUserId + 7);
    const query = filter.replace('USER', userId);
    const after = (await lastId()) - 5000;
    for (const page of ['limit=50', `limit=50&after=${after}`]) {
      const plan = await planOf(`/api/kickstarter?${[query, page].filter(Boolean).join('&')}`);
      const indexCondition = new RegExp(`(Index|Bitmap Index) Scan (using|on) ${index}[^\\n]*\\n\\s*Index Cond: ([^\\n]*)`).exec(plan);
      if (condition === '' && page === 'limit=50') {
        expect(plan).toMatch(new RegExp(`Index Scan using ${index}`));
      } else {
        expect(indexCondition).not.toBeNull();
        expect(indexCondition![3]).toContain(condition.replace('USER', userId));
        if (page !== 'limit=50') expect(indexCondition![3]).toContain(`id > ${after}`);
      }
      expect(plan).not.toMatch(/Seq Scan/);
    }
  });

  test('when a user\'s campaigns are listed at /api/kickstarter/user/:id, then the (user_id, id) index', async () => {
    const plan = await planOf(`/api/kickstarter/user/${firstUserId + 3}?after=1000`);
    expect(plan).toMatch(new RegExp(`kickstarter_user_id_id_index[^\\n]*\\n\\s*Index Cond: \\(\\(user_id = ${firstUserId + 3}\\) AND \\(id > 1000\\)\\)`));
    expect(plan).not.toMatch(/Seq Scan/);
  });
});
