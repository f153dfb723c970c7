import jwt from 'jsonwebtoken';
import { startTestApp, type TestApp } from '../helpers/app';
import { registerAndLogin, type RegisteredUser } from '../helpers/users';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const me = (token: string) => t.http().get('/api/users/me').set('Authorization', token);
const login = (username: string, password: string) => t.http().post('/api/auth/login').send({ username, password });

describe('PUT /api/auth/update/:id', () => {
  const update = (user: RegisteredUser, body: object, id: number | string = user.id) =>
    t.http().put(`/api/auth/update/${id}`).set('Authorization', user.token).send(body);

  test('when the current password is right, then 200 with a fresh token; every older token dies at once', async () => {
    const user = await registerAndLogin(t);
    const second = (await login(user.username, user.password)).body.token as string;
    const res = await update(user, { username: user.username, password: 'brand new password', current_password: user.password });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, data: { id: user.id, username: user.username } });
    expect(typeof res.body.message).toBe('string');
    // Issued within the same second as the change, and still refused.
    expect((await me(user.token)).status).toBe(401);
    expect((await me(second)).status).toBe(401);
    expect((await me(res.body.token)).status).toBe(200);
    expect((await login(user.username, user.password)).status).toBe(401);
    expect((await login(user.username, 'brand new password')).status).toBe(200);
  });

  test('when the username is the account\'s in another case, or absent, then the change is allowed', async () => {
    const user = await registerAndLogin(t);
    expect((await update(user, { username: user.username.toUpperCase(), password: 'another password', current_password: user.password })).status).toBe(200);
    const again = await registerAndLogin(t);
    expect((await update(again, { password: 'another password', current_password: again.password })).status).toBe(200);
  });

  test('when the username differs, then 403 and the password is unchanged', async () => {
    const user = await registerAndLogin(t);
    const res = await update(user, { username: 'not_me', password: 'another password', current_password: user.password });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ success: false, message: 'You cannot change the username.' });
    expect((await login(user.username, user.password)).status).toBe(200);
  });

  test('when the current password is missing or wrong, then 422 on current_password and nothing changes', async () => {
    const user = await registerAndLogin(t);
    const missing = await update(user, { password: 'another password' });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual({ current_password: ['The current password field is required.'] });
    const wrong = await update(user, { password: 'another password', current_password: 'not my password' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual({ current_password: ['The current password is incorrect.'] });
    expect((await me(user.token)).status).toBe(200);
    expect((await login(user.username, user.password)).status).toBe(200);
  });

  test('when the new password is invalid and the current one missing, then 422 lists both', async () => {
    const user = await registerAndLogin(t);
    const res = await update(user, { password: 'short' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({
      password: ['The password must be at least 8 characters.'],
      current_password: ['The current password field is required.'],
    });
  });

  test('when the id is someone else\'s (existing or not), then 403 before the body is looked at', async () => {
    const user = await registerAndLogin(t);
    const victim = await registerAndLogin(t);
    for (const id of [victim.id, 2147483647]) {
      const res = await update(user, { password: 'x' }, id);
      expect(res.status).toBe(403);
      expect(res.body.success).toBe(false);
    }
    expect((await login(victim.username, victim.password)).status).toBe(200);
  });

  test('when the id is not an id, then 404; without a token, 401 first', async () => {
    const user = await registerAndLogin(t);
    expect((await update(user, {}, 'abc')).status).toBe(404);
    expect((await t.http().put(`/api/auth/update/${user.id}`).send({ password: 'another password' })).status).toBe(401);
  });
});

describe('DELETE /api/auth/delete/:id', () => {
  const remove = (user: RegisteredUser, body: object, id: number = user.id) =>
    t.http().delete(`/api/auth/delete/${id}`).set('Authorization', user.token).send(body);

  test('when the password is right, then 204; the user, their tokens, images and campaigns are gone', async () => {
    const user = await registerAndLogin(t);
    await t.knex('images').insert({ user_id: user.id, data: { url: 'https://example.com/a.png' } });
    await t.knex('kickstarter').insert({ user_id: user.id, campaign_name: 'Gone', categories: 'Games', monetary_goal: 1, duration: 1, country: 'USA' });
    const res = await remove(user, { username: user.username, password: user.password });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await me(user.token)).status).toBe(401);
    expect((await login(user.username, user.password)).status).toBe(401);
    expect(await t.knex('images').where({ user_id: user.id })).toEqual([]);
    expect(await t.knex('kickstarter').where({ user_id: user.id })).toEqual([]);
  });

  test('when the password is missing or wrong, then 422 on password and the account stays', async () => {
    const user = await registerAndLogin(t);
    const missing = await remove(user, {});
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual({ password: ['The password field is required.'] });
    const wrong = await remove(user, { password: 'not my password' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual({ password: ['The password is incorrect.'] });
    expect((await me(user.token)).status).toBe(200);
  });

  test('when the id is someone else\'s, then 403 and they stay', async () => {
    const user = await registerAndLogin(t);
    const victim = await registerAndLogin(t);
    expect((await remove(user, { password: victim.password }, victim.id)).status).toBe(403);
    expect((await login(victim.username, victim.password)).status).toBe(200);
  });

  test('when there is no token, then 401', async () => {
    const user = await registerAndLogin(t);
    expect((await t.http().delete(`/api/auth/delete/${user.id}`).send({ password: user.password })).status).toBe(401);
  });
});

describe('POST /api/auth/logout', () => {
  test('when a token logs out, then 204 and that token is refused; the user\'s other tokens still work', async () => {
    const user = await registerAndLogin(t);
    const other = (await login(user.username, user.password)).body.token as string;
    const res = await t.http().post('/api/auth/logout').set('Authorization', `Bearer ${user.token}`);
    expect(res.status).toBe(204);
    expect((await me(user.token)).status).toBe(401);
    expect((await t.http().post('/api/auth/logout').set('Authorization', user.token)).status).toBe(401);
    expect((await me(other)).status).toBe(200);
  });

  test('when logging out, then revocations of already expired tokens are purged', async () => {
    const user = await registerAndLogin(t);
    const stale = { jti: '00000000-0000-4000-8000-000000000001', user_id: user.id, expires_at: new Date(Date.now() - 1000) };
    await t.knex('revoked_tokens').insert(stale);
    await t.http().post('/api/auth/logout').set('Authorization', user.token).expect(204);
    expect(await t.knex('revoked_tokens').where({ jti: stale.jti })).toEqual([]);
    const { jti } = jwt.decode(user.token) as jwt.JwtPayload;
    expect(await t.knex('revoked_tokens').where({ jti })).toHaveLength(1);
  });

  test('when there is no token, then 401', async () => {
    expect((await t.http().post('/api/auth/logout')).status).toBe(401);
  });
});
