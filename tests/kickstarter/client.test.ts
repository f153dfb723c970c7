import { startTestApp, type TestApp, uniqueUsername } from '../helpers/app';

/**
 * The Kickstarter React client's calls, exactly as it makes them: axios with a raw
 * `Authorization: <token>` header (and `[object Object]` before it has one), form values as
 * strings, `user_id` in the body of a new campaign, the whole grabbed campaign as the PUT body.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function signUpAsTheClientDoes(): Promise<{ id: number; token: string }> {
  const username = uniqueUsername('kick');
  const registered = await t
    .http()
    .post('/api/auth/register')
    .set('Authorization', '[object Object]')
    .send({ username, password: 'password1' });
  expect(registered.status).toBe(201);
  const login = await t
    .http()
    .post('/api/auth/login')
    .set('Authorization', '[object Object]')
    .send({ username, password: 'password1' });
  expect(login.status).toBe(200);
  return { id: login.body.id, token: login.body.token };
}

describe('the Kickstarter client', () => {
  test('when it adds, lists, edits and deletes a campaign with the raw token, then every call succeeds', async () => {
    const { id: userId, token } = await signUpAsTheClientDoes();

    // addCampaign: campaign.user_id = parseInt(user_id); POST /kickstarter/user/${user_id}
    const form = {
      campaignName: 'Test_Project_8',
      monetaryGoal: '100000',
      description: 'Put the decription here and bla bla bla.',
      duration: '30',
      categories: 'Games',
      country: 'JAPAN',
      user_id: userId,
    };
    const added = await t.http().post(`/api/kickstarter/user/${userId}`).set('Authorization', token).send(form);
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      id: expect.any(Number),
      user_id: userId,
      campaignName: 'Test_Project_8',
      categories: 'Games',
      description: 'Put the decription here and bla bla bla.',
      monetaryGoal: 100000,
      duration: 30,
      country: 'JAPAN',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      // No dataset imported in this test: every insight is null (tests/kickstarter/insights-routes.test.ts has them).
      prediction_results: null,
      results: null,
      raising_more_success: null,
      category_success: null,
      category_average: null,
      average_over: null,
      average_backers: null,
      average_duration: null,
    });
    const campaignId: number = added.body.id;

    // getCampaigns: GET /kickstarter/user/${user_id}
    const mine = await t.http().get(`/api/kickstarter/user/${userId}`).set('Authorization', token);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual([added.body]);

    // editCampaign: PUT /kickstarter/${id} with the grabbed campaign, edited in the form
    const edited = { ...added.body, campaignName: 'Test_Project_8 (edited)', monetaryGoal: '250000', duration: '45' };
    const put = await t.http().put(`/api/kickstarter/${campaignId}`).set('Authorization', token).send(edited);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id: campaignId,
      user_id: userId,
      campaignName: 'Test_Project_8 (edited)',
      monetaryGoal: 250000,
      duration: 45,
      created_at: added.body.created_at,
    });

    // The search page: GET /kickstarter/all, with no Authorization at all
    const all = await t.http().get('/api/kickstarter/all');
    expect(all.status).toBe(200);
    expect(all.body).toContainEqual(put.body);

    // deleteCampaign: DELETE /kickstarter/${id}
    const deleted = await t.http().delete(`/api/kickstarter/${campaignId}`).set('Authorization', token);
    expect(deleted.status).toBe(204);
    expect((await t.http().get(`/api/kickstarter/${campaignId}`)).status).toBe(404);
    expect((await t.http().get(`/api/kickstarter/user/${userId}`).set('Authorization', token)).body).toEqual([]);
  });

  test('when the body names another user_id than the path, then the path (the caller) wins', async () => {
    const me = await signUpAsTheClientDoes();
    const someoneElse = await signUpAsTheClientDoes();
    const res = await t
      .http()
      .post(`/api/kickstarter/user/${me.id}`)
      .set('Authorization', me.token)
      .send({ campaignName: 'Mine', categories: 'Art', country: 'USA', monetaryGoal: 10, duration: 5, user_id: someoneElse.id });
    expect(res.status).toBe(201);
    expect(res.body.user_id).toBe(me.id);
  });

  test('when it posts to another user\'s path, then 403 before the body is looked at, and nothing is created', async () => {
    const me = await signUpAsTheClientDoes();
    const someoneElse = await signUpAsTheClientDoes();
    const valid = { campaignName: 'Sneaky', categories: 'Art', country: 'USA', monetaryGoal: 10, duration: 5, user_id: someoneElse.id };
    for (const body of [valid, {}]) {
      const res = await t.http().post(`/api/kickstarter/user/${someoneElse.id}`).set('Authorization', me.token).send(body);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ success: false, message: 'You cannot create campaigns for another user.' });
    }
    const res = await t.http().post('/api/kickstarter/user/2147483647').set('Authorization', me.token).send(valid);
    expect(res.status).toBe(403);
    expect(await t.knex('kickstarter').where({ user_id: someoneElse.id })).toEqual([]);
  });

  test('when the path id is not an id, then 404 (after the token check, before the owner check)', async () => {
    const me = await signUpAsTheClientDoes();
    for (const id of ['abc', '0', '-1', '99999999999999999999']) {
      const res = await t.http().post(`/api/kickstarter/user/${id}`).set('Authorization', me.token).send({});
      expect(res.status).toBe(404);
      expect((await t.http().post(`/api/kickstarter/user/${id}`).send({})).status).toBe(401);
    }
  });

  test('when the client has no token yet and sends [object Object], then reads still work and writes are 401', async () => {
    const reads = await t.http().get('/api/kickstarter/all').set('Authorization', '[object Object]');
    expect(reads.status).toBe(200);
    const write = await t
      .http()
      .post('/api/kickstarter/user/1')
      .set('Authorization', '[object Object]')
      .send({ campaignName: 'x', categories: 'Art', country: 'USA', monetaryGoal: 1, duration: 1 });
    expect(write.status).toBe(401);
    expect(write.headers['www-authenticate']).toBe('Bearer');
  });

  test('when its older build posts with no body at all, then 422 naming every required field', async () => {
    const { id, token } = await signUpAsTheClientDoes();
    const res = await t.http().post(`/api/kickstarter/user/${id}`).set('Authorization', token);
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.errors).sort()).toEqual(['campaignName', 'categories', 'country', 'duration', 'monetaryGoal']);
  });
});
