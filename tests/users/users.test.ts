import { startTestApp, type TestApp, uniqueUsername } from '../helpers/app';
import { registerAndLogin, type RegisteredUser } from '../helpers/users';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const auth = (user: RegisteredUser) => `Bearer ${user.token}`;

describe('GET /api/auth, /api/auth/ and /api/users', () => {
  let me: RegisteredUser;
  let others: RegisteredUser[];
  beforeAll(async () => {
    me = await registerAndLogin(t, { email: `${uniqueUsername('me')}@example.com` });
    others = [];
    for (let i = 0; i < 3; i += 1) others.push(await registerAndLogin(t, { email: `${uniqueUsername('other')}@example.com` }));
  });

  test.each(['/api/auth', '/api/auth/', '/api/users'])('when %s is called without a token, then 401', async (path) => {
    const res = await t.http().get(path);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  test.each(['/api/auth', '/api/auth/', '/api/users'])('when %s is called, then an array in ascending id with only my own email', async (path) => {
    const res = await t.http().get(path).set('Authorization', me.token);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    const ids = res.body.map((user: { id: number }) => user.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const mine = res.body.find((user: { id: number }) => user.id === me.id);
    expect(mine.email).toMatch(/@example\.com$/);
    for (const other of others) {
      expect(res.body.find((user: { id: number }) => user.id === other.id)).toMatchObject({ username: other.username, email: null });
    }
  });

  test('when paging by limit and after, then pages follow each other and Link points at the next', async () => {
    const first = await t.http().get('/api/users?limit=2').set('Authorization', auth(me));
    expect(first.status).toBe(200);
    expect(first.body).toHaveLength(2);
    const link = first.headers.link as string;
    expect(link).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/api\/users\?limit=2&after=\d+>; rel="next"$/);
    const next = new URL(link.slice(1, link.indexOf('>')));
    expect(next.searchParams.get('after')).toBe(String(first.body[1].id));
    const second = await t.http().get(`${next.pathname}${next.search}`).set('Authorization', auth(me));
    expect(second.body[0].id).toBeGreaterThan(first.body[1].id);
  });

  test('when paging by page, then page 2 follows page 1 and the last page has no Link', async () => {
    const all = (await t.http().get('/api/users?limit=100').set('Authorization', auth(me))).body as Array<{ id: number }>;
    expect(all.length).toBeGreaterThanOrEqual(4);
    const page1 = await t.http().get('/api/users?limit=2&page=1').set('Authorization', auth(me));
    const page2 = await t.http().get('/api/users?limit=2&page=2').set('Authorization', auth(me));
    expect(page1.body.map((u: { id: number }) => u.id)).toEqual(all.slice(0, 2).map((u) => u.id));
    expect(page2.body.map((u: { id: number }) => u.id)).toEqual(all.slice(2, 4).map((u) => u.id));
    expect(page1.headers.link).toMatch(/page=2>; rel="next"$/);
    const last = await t.http().get(`/api/users?limit=100&page=1`).set('Authorization', auth(me));
    expect(last.headers.link).toBeUndefined();
    const beyond = await t.http().get('/api/users?page=999').set('Authorization', auth(me));
    expect(beyond.status).toBe(200);
    expect(beyond.body).toEqual([]);
  });

  test('when after is past the last id, then an empty page; after=0 is the start', async () => {
    const start = await t.http().get('/api/users?after=0&limit=1').set('Authorization', auth(me));
    expect(start.body).toHaveLength(1);
    const end = await t.http().get('/api/users?after=2147483647').set('Authorization', auth(me));
    expect(end.body).toEqual([]);
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['page=0', 'page'],
    ['page=x', 'page'],
    ['after=-1', 'after'],
    ['after=99999999999999999999', 'after'],
    ['page=1&after=0', 'page'],
  ])('when the query is ?%s, then 422 on %s', async (query, field) => {
    const res = await t.http().get(`/api/users?${query}`).set('Authorization', auth(me));
    expect(res.status).toBe(422);
    expect(res.body.errors[field]).toHaveLength(1);
  });
});

describe('PATCH /api/users/me', () => {
  test('when name and email change, then 200 with the new values, the email lower-cased', async () => {
    const user = await registerAndLogin(t);
    const email = `${uniqueUsername('New')}@Example.com`;
    const res = await t.http().patch('/api/users/me').set('Authorization', auth(user)).send({ name: '  New Name ', email });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, username: user.username, name: 'New Name', email: email.toLowerCase() });
    const me = await t.http().get('/api/users/me').set('Authorization', auth(user));
    expect(me.body).toMatchObject({ name: 'New Name', email: email.toLowerCase() });
  });

  test('when the body is empty, then 200 and nothing changes', async () => {
    const user = await registerAndLogin(t, { name: 'Unchanged' });
    const before = (await t.http().get('/api/users/me').set('Authorization', auth(user))).body;
    const res = await t.http().patch('/api/users/me').set('Authorization', auth(user)).send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual(before);
  });

  test('when the values are invalid, then 422 lists each field', async () => {
    const user = await registerAndLogin(t);
    const res = await t.http().patch('/api/users/me').set('Authorization', auth(user)).send({ name: 'x', email: 'nope' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({
      name: ['The name must be at least 2 characters.'],
      email: ['The email must be a valid email address.'],
    });
  });

  test('when the email belongs to someone else, then 422 "already taken"; my own email again is fine', async () => {
    const email = `${uniqueUsername('owner')}@example.com`;
    const owner = await registerAndLogin(t, { email });
    const other = await registerAndLogin(t);
    const res = await t.http().patch('/api/users/me').set('Authorization', auth(other)).send({ email: email.toUpperCase() });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({ email: ['The email has already been taken.'] });
    const same = await t.http().patch('/api/users/me').set('Authorization', auth(owner)).send({ email, name: 'Owner' });
    expect(same.status).toBe(200);
  });

  test('when a different username is sent, then 403; the same one in another case is accepted', async () => {
    const user = await registerAndLogin(t);
    const other = await t.http().patch('/api/users/me').set('Authorization', auth(user)).send({ username: 'someone_else', name: 'Valid Name' });
    expect(other.status).toBe(403);
    expect(other.body).toEqual({ success: false, message: 'You cannot change the username.' });
    const same = await t.http().patch('/api/users/me').set('Authorization', auth(user)).send({ username: user.username.toUpperCase(), name: 'Valid Name' });
    expect(same.status).toBe(200);
    expect(same.body.username).toBe(user.username);
  });

  test('when a user with a username removes their email or name, then both become null', async () => {
    const user = await registerAndLogin(t, { email: `${uniqueUsername()}@example.com`, name: 'Has Name' });
    const res = await t.http().patch('/api/users/me').set('Authorization', auth(user)).send({ email: null, name: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: null, name: null });
  });

  test('when a user without a username removes their email, then 422 (they could no longer log in)', async () => {
    const email = `${uniqueUsername('only')}@example.com`;
    await t.http().post('/api/register').send({ email, password: 'password1' }).expect(201);
    const { token } = (await t.http().post('/api/login').send({ email, password: 'password1' })).body;
    const res = await t.http().patch('/api/users/me').set('Authorization', token).send({ email: null });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({ email: ['The email field is required when username is not present.'] });
    const setUsername = await t.http().patch('/api/users/me').set('Authorization', token).send({ username: 'new_name_attempt' });
    expect(setUsername.status).toBe(403);
  });

  test('when the body tries to set id, password or timestamps, then they are ignored', async () => {
    const user = await registerAndLogin(t);
    const res = await t
      .http()
      .patch('/api/users/me')
      .set('Authorization', auth(user))
      .send({ id: 1, password: 'hijacked1', created_at: '2000-01-01T00:00:00.000Z', name: 'Still Me' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, name: 'Still Me' });
    expect(res.body.created_at).not.toBe('2000-01-01T00:00:00.000Z');
    expect((await t.http().post('/api/login').send({ username: user.username, password: user.password })).status).toBe(200);
  });

  test('when there is no token, then 401', async () => {
    expect((await t.http().patch('/api/users/me').send({ name: 'Nobody' })).status).toBe(401);
  });
});

describe('GET /api/auth/:id and /api/users/:id', () => {
  test.each(['/api/auth', '/api/users'])('when %s/:id names someone else, then their profile without email, with their campaigns', async (base) => {
    const viewer = await registerAndLogin(t);
    const owner = await registerAndLogin(t, { email: `${uniqueUsername()}@example.com`, name: 'Owner Name' });
    await t.knex('kickstarter').insert(
      [1, 2].map((n) => ({
        user_id: owner.id,
        campaign_name: `Campaign ${n}`,
        categories: 'Games',
        description: null,
        monetary_goal: 1000 * n,
        duration: 30,
        country: 'USA',
      })),
    );
    const res = await t.http().get(`${base}/${owner.id}`).set('Authorization', viewer.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: owner.id, username: owner.username, name: 'Owner Name', email: null });
    expect(res.body.kickstarter).toHaveLength(2);
    expect(res.body.kickstarter[0]).toMatchObject({ user_id: owner.id, campaignName: 'Campaign 1', monetaryGoal: 1000, duration: 30, country: 'USA' });
  });

  test('when it names me, then my email is shown and kickstarter is an empty array', async () => {
    const email = `${uniqueUsername()}@example.com`;
    const me = await registerAndLogin(t, { email });
    const res = await t.http().get(`/api/users/${me.id}`).set('Authorization', auth(me));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: me.id, email, kickstarter: [] });
  });

  test('when the user has more than 100 campaigns, then the first 100 are embedded', async () => {
    const viewer = await registerAndLogin(t);
    const owner = await registerAndLogin(t);
    const rows = Array.from({ length: 101 }, (_, i) => ({
      user_id: owner.id,
      campaign_name: `Bulk ${i + 1}`,
      categories: 'Tech',
      monetary_goal: 10,
      duration: 10,
      country: 'JAPAN',
    }));
    await t.knex('kickstarter').insert(rows);
    const res = await t.http().get(`/api/auth/${owner.id}`).set('Authorization', auth(viewer));
    expect(res.body.kickstarter).toHaveLength(100);
    expect(res.body.kickstarter[0].campaignName).toBe('Bulk 1');
    expect(res.body.kickstarter[99].campaignName).toBe('Bulk 100');
  });

  test.each(['999999', '0', '-1', 'abc', '1e9', '99999999999999999999', '1;drop'])('when the id is %s, then 404', async (id) => {
    const viewer = await registerAndLogin(t);
    const res = await t.http().get(`/api/users/${encodeURIComponent(id)}`).set('Authorization', auth(viewer));
    expect(res.status).toBe(404);
    expect(res.body.success).toBe(false);
  });

  test('when there is no token, then 401', async () => {
    expect((await t.http().get('/api/auth/1')).status).toBe(401);
  });
});
