import jwt from 'jsonwebtoken';
import { startTestApp, type TestApp, uniqueUsername } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function register(body: Record<string, unknown>) {
  const res = await t.http().post('/api/register').send(body);
  expect(res.status).toBe(201);
  return res.body.data as { id: number };
}

describe('POST /api/auth/login and /api/login', () => {
  test('when the Kickstarter client logs in with a raw junk Authorization header, then token, id and username are on top', async () => {
    const username = uniqueUsername('Kick');
    const { id } = await register({ username, password: 'password1' });
    const res = await t
      .http()
      .post('/api/auth/login')
      .set('Authorization', '[object Object]')
      .send({ username: username.toLowerCase(), password: 'password1' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, message: `Welcome ${username}!`, id, username });
    expect(res.body.token).toEqual(expect.any(String));
    expect(res.body.data).toMatchObject({ type: 'Bearer', token: res.body.token, expires_in: 86400 });
    expect(res.body.data.user).toMatchObject({ id, username });
  });

  test('when a Laravel user logs in by email in another case, then the welcome names them and the token is a Bearer', async () => {
    const email = `${uniqueUsername('laravel')}@example.com`;
    await register({ name: 'Grace Hopper', email, password: 'qwerty123', password_confirmation: 'qwerty123' });
    const res = await t.http().post('/api/login').send({ email: email.toUpperCase(), password: 'qwerty123' });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Welcome Grace Hopper!');
    expect(res.body.data.user).toMatchObject({ name: 'Grace Hopper', email, username: null });
  });

  test('when the user has neither username nor name, then the welcome names the email', async () => {
    const email = `${uniqueUsername('noname')}@example.com`;
    await register({ email, password: 'password1' });
    const res = await t.http().post('/api/login').send({ email, password: 'password1' });
    expect(res.body.message).toBe(`Welcome ${email}!`);
  });

  test('when both username and email are sent, then the username decides', async () => {
    const username = uniqueUsername();
    await register({ username, password: 'password1' });
    const res = await t.http().post('/api/login').send({ username, email: 'someone-else@example.com', password: 'password1' });
    expect(res.status).toBe(200);
    expect(res.body.username).toBe(username);
  });

  test('then the token is an HS256 JWT with sub, username, jti, iat and exp of JWT_EXPIRES_IN', async () => {
    const username = uniqueUsername();
    const { id } = await register({ username, password: 'password1' });
    const res = await t.http().post('/api/login').send({ username, password: 'password1' });
    const header = jwt.decode(res.body.token, { complete: true })!;
    expect(header.header.alg).toBe('HS256');
    const claims = header.payload as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: String(id), username });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.exp! - claims.iat!).toBe(86400);
  });

  test('when the password is wrong or the user unknown, then the same 401 with WWW-Authenticate', async () => {
    const username = uniqueUsername();
    await register({ username, password: 'password1' });
    const wrong = await t.http().post('/api/auth/login').send({ username, password: 'password2' });
    const unknown = await t.http().post('/api/auth/login').send({ username: uniqueUsername('ghost'), password: 'password1' });
    const unknownEmail = await t.http().post('/api/login').send({ email: 'ghost@example.com', password: 'password1' });
    for (const res of [wrong, unknown, unknownEmail]) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toEqual({ success: false, message: 'Invalid Credentials' });
    }
  });

  test('when fields are missing or of the wrong type, then 422 lists them', async () => {
    const empty = await t.http().post('/api/auth/login').send({});
    expect(empty.status).toBe(422);
    expect(empty.body.errors).toEqual({
      username: ['The username field is required when email is not present.'],
      email: ['The email field is required when username is not present.'],
      password: ['The password field is required.'],
    });
    const wrongTypes = await t.http().post('/api/auth/login').send({ username: ['admin'], password: 12345678 });
    expect(wrongTypes.status).toBe(422);
    expect(wrongTypes.body.errors).toEqual({
      username: ['The username must be a string.'],
      password: ['The password must be a string.'],
    });
  });

  test('when no body is sent at all, then 422, not 500', async () => {
    const res = await t.http().post('/api/login');
    expect(res.status).toBe(422);
    expect(res.body.errors.password).toEqual(['The password field is required.']);
  });

  test('when the password is longer than bcrypt reads, then it does not match a stored prefix', async () => {
    const username = uniqueUsername();
    const password = 'p'.repeat(72);
    await register({ username, password });
    expect((await t.http().post('/api/login').send({ username, password })).status).toBe(200);
    expect((await t.http().post('/api/login').send({ username, password: `${password}extra` })).status).toBe(401);
  });
});
