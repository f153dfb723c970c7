import { startTestApp, type TestApp } from '../helpers/app';
import { registerAndLogin } from '../helpers/users';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('prepared statements', () => {
  test('when the pool replaces its connections (as it does after 30 s idle), then every prepared query still runs', async () => {
    const user = await registerAndLogin(t);
    await t.http().post('/api/images').set('Authorization', user.token).send({ url: 'https://example.com/a.png' }).expect(201);
    const routes = ['/api/kickstarter', `/api/kickstarter/user/${user.id}`, '/api/images', '/api/users/me', `/api/users/${user.id}`];
    const statuses = async () => Promise.all(routes.map(async (route) => (await t.http().get(route).set('Authorization', user.token)).status));
    expect(await statuses()).toEqual(routes.map(() => 200));

    // New connections: on the embedded database they are the same session as before, which still
    // holds the statements the old connections prepared.
    await t.knex.destroy();
    t.knex.initialize();
    expect(await statuses()).toEqual(routes.map(() => 200));
  });

  test('when a list is filtered by category or country, then it is planned with its values each time; other lists and the token check are prepared', async () => {
    const user = await registerAndLogin(t);
    const seen: Array<{ sql: string; prepared?: boolean }> = [];
    const record = (query: { sql: string; prepared?: boolean }) => seen.push(query);
    t.knex.on('query', record);
    const preparedFor = async (path: string) => {
      seen.length = 0;
      expect((await t.http().get(path).set('Authorization', user.token)).status).toBe(200);
      return seen.filter((query) => /from (kickstarter|images)\b/.test(query.sql)).map((query) => query.prepared);
    };
    try {
      expect(await preparedFor('/api/kickstarter?categories=Games')).toEqual([false]);
      expect(await preparedFor('/api/kickstarter?country=JAPAN&after=5')).toEqual([false]);
      expect(await preparedFor('/api/kickstarter')).toEqual([true]);
      expect(await preparedFor(`/api/kickstarter?user_id=${user.id}`)).toEqual([true]);
      expect(await preparedFor('/api/images')).toEqual([true]);
      await preparedFor('/api/users/me');
      expect(seen.find((query) => /revoked_tokens/.test(query.sql))?.prepared).toBe(true);
    } finally {
      t.knex.removeListener('query', record);
    }
  });
});
