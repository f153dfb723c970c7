import { startTestApp, type TestApp, uniqueUsername } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const expectUserShape = (user: Record<string, unknown>) => {
  expect(Object.keys(user).sort()).toEqual(['created_at', 'email', 'id', 'name', 'updated_at', 'username']);
  expect(new Date(user.created_at as string).toISOString()).toBe(user.created_at);
};

describe('POST /api/auth/register and /api/register', () => {
  test('when the Kickstarter client registers {username, password} with its [object Object] header, then 201 with id and username on top', async () => {
    const username = uniqueUsername('kick');
    const res = await t
      .http()
      .post('/api/auth/register')
      .set('Authorization', '[object Object]')
      .send({ username, password: 'password1' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ success: true, message: 'User registered successfully', username });
    expect(res.body.id).toEqual(expect.any(Number));
    expect(res.body.data).toMatchObject({ id: res.body.id, username, name: null, email: null });
    expectUserShape(res.body.data);
  });

  test('when Picmetric registers {name, username, password}, then the name is stored trimmed', async () => {
    const username = uniqueUsername('pic');
    const res = await t.http().post('/api/auth/register').send({ name: '  Ada Lovelace ', username, password: 'password1' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ username, name: 'Ada Lovelace', email: null });
  });

  test('when the Laravel client registers {name, email, password, password_confirmation} at /api/register, then the email is lower-cased and shown to its owner', async () => {
    const email = `${uniqueUsername('Mixed.Case')}@Example.COM`;
    const res = await t
      .http()
      .post('/api/register')
      .set('Accept', 'application/json')
      .send({ name: 'Laravel User', email, password: 'qwerty123', password_confirmation: 'qwerty123' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ success: true, username: null });
    expect(res.body.data).toMatchObject({ name: 'Laravel User', email: email.toLowerCase(), username: null });
  });

  test('when every field is invalid, then one 422 lists each of them', async () => {
    const res = await t
      .http()
      .post('/api/auth/register')
      .send({ username: 'a b', name: ' x ', email: 'not-an-email', password: 'short', password_confirmation: 'other' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      success: false,
      message: 'The given data was invalid.',
      errors: {
        username: ['The username may only contain letters, numbers, dots, underscores and dashes.'],
        name: ['The name must be at least 2 characters.'],
        email: ['The email must be a valid email address.'],
        password: ['The password must be at least 8 characters.', 'The password confirmation does not match.'],
      },
    });
  });

  test('when neither username nor email is sent, then 422 names both, and a missing password too', async () => {
    const res = await t.http().post('/api/auth/register').send({ name: 'Nobody' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({
      username: ['The username field is required when email is not present.'],
      email: ['The email field is required when username is not present.'],
      password: ['The password field is required.'],
    });
  });

  test('when fields have the wrong types, then 422 says so per field', async () => {
    const res = await t.http().post('/api/auth/register').send({ username: 42, email: ['a@b.co'], password: { x: 1 } });
    expect(res.status).toBe(422);
    expect(res.body.errors.username).toEqual(['The username must be a string.']);
    expect(res.body.errors.email).toEqual(['The email must be a string.']);
    expect(res.body.errors.password).toEqual(['The password must be a string.']);
  });

  test.each([
    ['a', 'The username must be at least 2 characters.'],
    ['x'.repeat(51), 'The username may not be greater than 50 characters.'],
    ['émile', 'The username may only contain letters, numbers, dots, underscores and dashes.'],
  ])('when the username is %j, then 422', async (username, message) => {
    const res = await t.http().post('/api/auth/register').send({ username, password: 'password1' });
    expect(res.status).toBe(422);
    expect(res.body.errors.username).toContain(message);
  });

  test('when the username has 2 or 50 allowed characters, then it is accepted', async () => {
    const short = `${String.fromCharCode(97 + (process.pid % 26))}${process.pid % 10}`;
    const long = `${uniqueUsername('l')}.-_`.padEnd(50, 'z');
    for (const username of [long, short]) {
      const res = await t.http().post('/api/auth/register').send({ username, password: 'password1' });
      expect([201, 422]).toContain(res.status);
      if (res.status === 422) expect(res.body.errors.username).toEqual(['The username has already been taken.']);
    }
    expect((await t.http().post('/api/auth/register').send({ username: `${long.slice(0, 49)}Q`, password: 'password1' })).status).toBe(201);
  });

  test('when the password is over 72 bytes (though under 72 characters), then 422', async () => {
    const res = await t.http().post('/api/auth/register').send({ username: uniqueUsername(), password: 'é'.repeat(37) });
    expect(res.status).toBe(422);
    expect(res.body.errors.password).toEqual(['The password may not be greater than 72 bytes.']);
  });

  test('when the email is over 254 characters, then 422', async () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`;
    const res = await t.http().post('/api/auth/register').send({ email, password: 'password1' });
    expect(res.status).toBe(422);
    expect(res.body.errors.email).toEqual(['The email may not be greater than 254 characters.']);
  });

  test('when the username is taken in another case, then 422 "already taken", not 500', async () => {
    const username = uniqueUsername('Taken');
    expect((await t.http().post('/api/auth/register').send({ username, password: 'password1' })).status).toBe(201);
    const res = await t.http().post('/api/register').send({ username: username.toUpperCase(), password: 'password1' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      success: false,
      message: 'The given data was invalid.',
      errors: { username: ['The username has already been taken.'] },
    });
  });

  test('when both the username and the email are taken, then both are reported', async () => {
    const username = uniqueUsername();
    const email = `${username}@example.com`;
    await t.http().post('/api/auth/register').send({ username, email, password: 'password1' }).expect(201);
    const res = await t.http().post('/api/auth/register').send({ username, email: email.toUpperCase(), password: 'password1' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({
      username: ['The username has already been taken.'],
      email: ['The email has already been taken.'],
    });
  });

  test('when ten registrations race for one username, then exactly one wins and the others get 422', async () => {
    const username = uniqueUsername('race');
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.http().post('/api/auth/register').send({ username: i % 2 ? username : username.toUpperCase(), password: 'password1' }),
      ),
    );
    const statuses = responses.map((res) => res.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(422)]);
    for (const res of responses.filter((r) => r.status === 422)) {
      expect(res.body.errors).toEqual({ username: ['The username has already been taken.'] });
    }
    const rows = await t.knex('users').whereRaw('lower(username) = lower(?)', [username]);
    expect(rows).toHaveLength(1);
  });

  test('when the body sets id, created_at, token_version or password_hash, then they are ignored', async () => {
    const username = uniqueUsername();
    const res = await t.http().post('/api/auth/register').send({
      username,
      password: 'password1',
      id: 999999,
      created_at: '2000-01-01T00:00:00.000Z',
      token_version: 7,
      password_hash: 'not a hash',
      admin: true,
    });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(999999);
    expect(res.body.data.created_at).not.toBe('2000-01-01T00:00:00.000Z');
    const row = await t.knex('users').where({ id: res.body.id }).first();
    expect(row.token_version).toBe(0);
    expect(row.password_hash).toMatch(/^\$2[aby]\$04\$/);
  });

  test('when optional fields are null, then they count as not sent', async () => {
    const res = await t
      .http()
      .post('/api/auth/register')
      .send({ username: uniqueUsername(), name: null, email: null, password: 'password1', password_confirmation: null });
    expect(res.status).toBe(201);
  });
});

describe('registration with EMAIL_CHECK_DNS=true', () => {
  let dns: TestApp;
  beforeAll(async () => {
    dns = await startTestApp({ EMAIL_CHECK_DNS: 'true' });
  });
  afterAll(() => dns.close());

  test('when the email domain cannot receive mail, then 422 on email', async () => {
    const res = await dns.http().post('/api/register').send({ email: 'someone@no-such-domain.invalid', password: 'password1' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({ email: ['The email domain does not accept mail.'] });
  });
});
