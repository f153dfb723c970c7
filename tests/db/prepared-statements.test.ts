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

  test('when a session is opened, then it plans every statement with its values and runs in UTC', async () => {
    // A generic plan, made without the values, would walk the primary key for a category filter
    // however rare the category: sessions force custom plans (knexfile.ts).
    const settings = await t.knex.transaction(async (trx) => {
      const mode = (await trx.raw('show plan_cache_mode')) as { rows: Array<{ plan_cache_mode: string }> };
      const zone = (await trx.raw('show timezone')) as { rows: Array<{ TimeZone: string }> };
      return [mode.rows[0]!.plan_cache_mode, zone.rows[0]!.TimeZone];
    });
    expect(settings).toEqual(['force_custom_plan', 'UTC']);
  });
});
