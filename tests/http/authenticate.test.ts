import { createHmac, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startTestApp, type TestApp } from '../helpers/app';
import { registerAndLogin, storedJwtSecret } from '../helpers/users';

let t: TestApp;
let secret: string;
beforeAll(async () => {
  t = await startTestApp();
  secret = await storedJwtSecret(t);
});
afterAll(() => t.close());

const me = (authorization?: string) => {
  const req = t.http().get('/api/users/me');
  return authorization === undefined ? req : req.set('Authorization', authorization);
};

const expectRejected = (res: { status: number; headers: Record<string, string>; body: unknown }) => {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer');
  expect(res.body).toEqual({ success: false, message: 'Invalid Login or Token Expired.' });
};

describe('GET /api/users/me', () => {
  test('when the token comes as Bearer, then 200 with the caller and their email', async () => {
    const email = `${randomUUID()}@example.com`;
    const user = await registerAndLogin(t, { email, name: 'Me Myself' });
    const res = await me(`Bearer ${user.token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, username: user.username, name: 'Me Myself', email });
  });

  test('when the token comes raw, as the Kickstarter client sends it, then 200', async () => {
    const user = await registerAndLogin(t);
    const res = await me(user.token);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(user.id);
  });

  test('when the scheme is written in lower case, then 200', async () => {
    const user = await registerAndLogin(t);
    expect((await me(`bearer ${user.token}`)).status).toBe(200);
  });

  test.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['a bare scheme', 'Bearer'],
    ['garbage', 'Bearer not.a.token'],
    ['[object Object]', '[object Object]'],
  ])('when there is %s, then 401', async (_case, header) => {
    expectRejected(await me(header));
  });

  const sign = (payload: object, options: jwt.SignOptions = {}, key = secret) =>
    jwt.sign(payload, key, { algorithm: 'HS256', expiresIn: 3600, jwtid: randomUUID(), ...options });

  test('when the token is expired, then 401', async () => {
    const user = await registerAndLogin(t);
    expectRejected(await me(sign({ username: user.username, ver: 0 }, { expiresIn: -10, subject: String(user.id) })));
  });

  test('when a token is signed like ours with the right key and claims, then 200 (the cases below differ in one thing)', async () => {
    const user = await registerAndLogin(t);
    expect((await me(sign({ username: user.username, ver: 0 }, { subject: String(user.id) }))).status).toBe(200);
  });

  test('when the token is signed with another key, then 401', async () => {
    const user = await registerAndLogin(t);
    expectRejected(await me(sign({ username: user.username, ver: 0 }, { subject: String(user.id) }, 'another secret that is long enough!!')));
  });

  test('when the token uses another algorithm with the same key, then 401', async () => {
    const user = await registerAndLogin(t);
    expectRejected(await me(sign({ username: user.username, ver: 0 }, { subject: String(user.id), algorithm: 'HS512' })));
  });

  test('when the token says alg none, then 401', async () => {
    const user = await registerAndLogin(t);
    const unsigned = jwt.sign({ ver: 0, sub: String(user.id), jti: randomUUID() }, '', { algorithm: 'none' });
    expectRejected(await me(unsigned));
  });

  test('when a correctly signed token lacks our claims or names an impossible id, then 401, not 500', async () => {
    const user = await registerAndLogin(t);
    expectRejected(await me(sign({}, { subject: String(user.id) })));
    expectRejected(await me(sign({ username: user.username, ver: 0 }, { subject: '99999999999999999999' })));
    expectRejected(await me(sign({ username: user.username, ver: 0 }, { subject: String(user.id), jwtid: 'not-a-uuid' })));
  });

  /** A token signed with the server's key whose header or claims differ from what the server issues. */
  const forge = (header: object, payload: object) => {
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
    const unsigned = `${encode(header)}.${encode(payload)}`;
    const signature = createHmac('sha256', secret).update(unsigned).digest('base64url');
    return `${unsigned}.${signature}`;
  };

  test.each([
    ['a numeric sub', { sub: 'ID' }, {}],
    ['a sub with a leading zero', { sub: '0ID' }, {}],
    ['a sub in an array', { sub: ['ID'] }, {}],
    ['a claim the server never writes', { admin: true }, {}],
    ['a crit header', {}, { crit: ['exp'] }],
    ['a header without typ', {}, { typ: undefined }],
    ['a kid header', {}, { kid: 'other' }],
    ['a fractional exp', { exp: 'EXP.5' }, {}],
    ['a negative token version', { ver: -1 }, {}],
  ])('when a token signed with our key has %s, then 401', async (_case, claims, header) => {
    const user = await registerAndLogin(t);
    const now = Math.floor(Date.now() / 1000);
    const fill = (value: unknown): unknown =>
      value === 'ID' ? user.id : value === '0ID' ? `0${user.id}` : value === 'EXP.5' ? now + 3600.5 : Array.isArray(value) ? value.map(fill) : value;
    const ours = { sub: String(user.id), username: user.username, ver: 0, jti: randomUUID(), iat: now, exp: now + 3600 };
    const odd = Object.fromEntries(Object.entries(claims).map(([key, value]) => [key, fill(value)]));
    expect((await me(forge({ alg: 'HS256', typ: 'JWT' }, ours))).status).toBe(200);
    expectRejected(await me(forge({ alg: 'HS256', typ: 'JWT', ...header }, { ...ours, ...odd })));
  });

  test('when the token\'s user no longer exists, then 401', async () => {
    const user = await registerAndLogin(t);
    await t.knex('users').where({ id: user.id }).del();
    expectRejected(await me(user.token));
  });

  test('when the user\'s token version moved on (a password change), then the old token is 401', async () => {
    const user = await registerAndLogin(t);
    await t.knex('users').where({ id: user.id }).increment('token_version', 1);
    expectRejected(await me(user.token));
  });

  test('when the token\'s jti is revoked, then 401', async () => {
    const user = await registerAndLogin(t);
    const { jti, exp } = jwt.decode(user.token) as jwt.JwtPayload;
    await t.knex('revoked_tokens').insert({ jti, user_id: user.id, expires_at: new Date(exp! * 1000) });
    expectRejected(await me(user.token));
  });
});
