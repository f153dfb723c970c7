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
});
