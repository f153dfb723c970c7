import { startTestApp, type TestApp } from '../helpers/app';
import { registerAndLogin, type RegisteredUser } from '../helpers/users';

/**
 * An account deleted while its own token writes: the token was checked, then the user went, then
 * the write ran. Those writes answer 401 (the token names nobody now), never a 500. It needs
 * concurrent sessions, so PostgreSQL (TEST_DATABASE_URL): the embedded database runs one
 * statement at a time.
 */
const describeOnPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

const WRITES = [
  ['POST /api/kickstarter', (t: TestApp, u: RegisteredUser) => t.http().post('/api/kickstarter').set('Authorization', u.token).send({ campaignName: 'Race', categories: 'Games', monetaryGoal: 10, duration: 5, country: 'USA' })],
  ['POST /api/images', (t: TestApp, u: RegisteredUser) => t.http().post('/api/images').set('Authorization', u.token).send({ url: 'https://example.com/race.png' })],
  ['POST /api/auth/logout', (t: TestApp, u: RegisteredUser) => t.http().post('/api/auth/logout').set('Authorization', u.token)],
] as const;

describeOnPostgres('deleting an account while its token writes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  test.each(WRITES)('when the user is deleted between the token check and %s, then 401', async (_route, write) => {
    const user = await registerAndLogin(t);
    // The deletion holds the user's row until it commits: the write's token check still sees the
    // user (the deletion is not committed), and its foreign-key check waits for the row, then
    // finds it gone.
    const deletion = await t.knex.transaction();
    await deletion('users').where({ id: user.id }).del();
    const answer = write(t, user).then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await deletion.commit();
    const res = await answer;
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, message: 'Invalid Login or Token Expired.' });
  });

  test('when deletions race writes on the same token for several rounds, then every answer is a success or a 401', async () => {
    const statuses: number[] = [];
    for (let round = 0; round < 6; round += 1) {
      const user = await registerAndLogin(t);
      // Each writer keeps writing until the deletion has taken its token away, so every round
      // crosses the moment of the deletion.
      const writer = async (write: (typeof WRITES)[number][1]) => {
        for (let i = 0; i < 40; i += 1) {
          const { status } = await write(t, user);
          statuses.push(status);
          if (status === 401) return;
        }
        throw new Error('the token outlived the deletion of its user');
      };
      const [create, upload] = [WRITES[0][1], WRITES[1][1]];
      const deletion = t.http().delete(`/api/auth/delete/${user.id}`).set('Authorization', user.token).send({ password: user.password });
      const [deleted] = await Promise.all([deletion, writer(create), writer(upload), writer(create), writer(upload)]);
      expect(deleted.status).toBe(204);
    }
    expect(statuses.filter((status) => status !== 201 && status !== 401)).toEqual([]);
  });
});
