import { randomInt } from 'node:crypto';
import { startTestApp, type TestApp, uniqueUsername } from '../helpers/app';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { registerAndLogin } from '../helpers/users';

const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

async function failLogins(t: TestApp, username: string, times: number, ip?: string) {
  const statuses: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const req = t.http().post('/api/login');
    if (ip) req.set('X-Forwarded-For', ip);
    statuses.push((await req.send({ username, password: 'wrong password' })).status);
  }
  return statuses;
}

describe('the login rate limit (in memory)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LOGIN_RATE_LIMIT: '3', TRUST_PROXY: '1' });
  });
  afterAll(() => t.close());

  test('when an account has 3 failed logins from one IP, then the 4th attempt is 429 with Retry-After, even with the right password', async () => {
    const user = await registerAndLogin(t);
    const ip = randomIp();
    expect(await failLogins(t, user.username, 3, ip)).toEqual([401, 401, 401]);
    const res = await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ username: user.username, password: user.password });
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(900);
    expect(res.body).toEqual({ success: false, message: 'Too many failed login attempts. Please try again later.' });
  });

  test('when the same account is tried from another IP, or another account from the same IP, then they are counted apart', async () => {
    const user = await registerAndLogin(t);
    const ip = randomIp();
    await failLogins(t, user.username, 3, ip);
    expect((await t.http().post('/api/login').set('X-Forwarded-For', randomIp()).send({ username: user.username, password: user.password })).status).toBe(200);
    const other = await registerAndLogin(t);
    expect((await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ username: other.username, password: other.password })).status).toBe(200);
  });

  test('when the username differs only in case, then it is the same count', async () => {
    const user = await registerAndLogin(t);
    const ip = randomIp();
    await failLogins(t, user.username.toUpperCase(), 3, ip);
    expect((await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ username: user.username, password: user.password })).status).toBe(429);
  });

  test.each([
    ['a dotted capital I (U+0130)', (name: string) => name.replace('i', '\u0130')],
    ['a Kelvin sign (U+212A)', (name: string) => name.replace('k', '\u212a')],
    ['a long s (U+017F)', (name: string) => name.replace('s', '\u017f')],
  ])('when the limit is reached and the username is then written with %s, then it is no way in', async (_case, variant) => {
    const user = await registerAndLogin(t, { username: uniqueUsername('kiss') });
    const ip = randomIp();
    await failLogins(t, user.username, 3, ip);
    const res = await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ username: variant(user.username), password: user.password });
    expect([401, 429]).toContain(res.status);
    expect((await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ username: user.username, password: user.password })).status).toBe(429);
  });

  test('when failures come by username and then by email, then they are one count: the account\'s', async () => {
    const email = `${uniqueUsername('both')}@example.com`;
    const user = await registerAndLogin(t, { email });
    const ip = randomIp();
    await failLogins(t, user.username, 2, ip);
    const byEmail = await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ email: email.toUpperCase(), password: 'wrong password' });
    expect(byEmail.status).toBe(401);
    expect((await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ email, password: user.password })).status).toBe(429);
  });

  test.each([
    ['username', 'u'.repeat(90_000), 'The username may not be greater than 50 characters.'],
    ['username', 'u'.repeat(51), 'The username may not be greater than 50 characters.'],
    ['email', `${'e'.repeat(250)}@x.io`, 'The email may not be greater than 254 characters.'],
  ])('when the login %s is longer than any account\'s, then 422, not a lookup or a count', async (field, value, message) => {
    const ip = randomIp();
    for (let i = 0; i < 4; i += 1) {
      const res = await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ [field]: value, password: 'wrong password' });
      expect(res.status).toBe(422);
      expect(res.body.errors[field]).toEqual([message]);
    }
  });

  test('when a login succeeds, then the failures before it are forgotten', async () => {
    const user = await registerAndLogin(t);
    const ip = randomIp();
    await failLogins(t, user.username, 2, ip);
    expect((await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ username: user.username, password: user.password })).status).toBe(200);
    expect(await failLogins(t, user.username, 3, ip)).toEqual([401, 401, 401]);
  });

  test('when requests are invalid (422), then they do not count', async () => {
    const user = await registerAndLogin(t);
    const ip = randomIp();
    for (let i = 0; i < 5; i += 1) {
      expect((await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ username: user.username })).status).toBe(422);
    }
    expect((await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ username: user.username, password: user.password })).status).toBe(200);
  });

  test('when ten wrong guesses arrive at once, then no more than 3 are checked', async () => {
    const user = await registerAndLogin(t);
    const ip = randomIp();
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => t.http().post('/api/login').set('X-Forwarded-For', ip).send({ username: user.username, password: 'guess' })),
    );
    const counts = statuses.reduce<Record<number, number>>((acc, res) => ({ ...acc, [res.status]: (acc[res.status] ?? 0) + 1 }), {});
    expect(counts).toEqual({ 401: 3, 429: 7 });
  });

  test('when wrong current passwords are sent to update and delete, then they count toward the login limit', async () => {
    const user = await registerAndLogin(t);
    const ip = randomIp();
    const update = await t.http().put(`/api/auth/update/${user.id}`).set('X-Forwarded-For', ip).set('Authorization', user.token).send({ password: 'new password 1', current_password: 'wrong one' });
    expect(update.status).toBe(422);
    for (let i = 0; i < 2; i += 1) {
      expect((await t.http().delete(`/api/auth/delete/${user.id}`).set('X-Forwarded-For', ip).set('Authorization', user.token).send({ password: 'wrong one' })).status).toBe(422);
    }
    expect((await t.http().delete(`/api/auth/delete/${user.id}`).set('X-Forwarded-For', ip).set('Authorization', user.token).send({ password: user.password })).status).toBe(429);
    expect((await t.http().post('/api/login').set('X-Forwarded-For', ip).send({ username: user.username, password: user.password })).status).toBe(429);
  });
});

describe('the login rate limit window and switches', () => {
  test('when the window has passed, then logins are allowed again', async () => {
    const t = await startTestApp({ LOGIN_RATE_LIMIT: '2', RATE_LIMIT_WINDOW_S: '1' });
    try {
      const user = await registerAndLogin(t);
      await failLogins(t, user.username, 2);
      expect((await t.http().post('/api/login').send({ username: user.username, password: user.password })).status).toBe(429);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await t.http().post('/api/login').send({ username: user.username, password: user.password })).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  test('when LOGIN_RATE_LIMIT=0, then failures are never limited', async () => {
    const t = await startTestApp({ LOGIN_RATE_LIMIT: '0' });
    try {
      const user = await registerAndLogin(t);
      expect(new Set(await failLogins(t, user.username, 15))).toEqual(new Set([401]));
      expect((await t.http().post('/api/login').send({ username: user.username, password: user.password })).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  test('when TRUST_PROXY is off, then a client cannot reset its count by sending X-Forwarded-For', async () => {
    const t = await startTestApp({ LOGIN_RATE_LIMIT: '2' });
    try {
      const user = await registerAndLogin(t);
      await failLogins(t, user.username, 2, randomIp());
      const res = await t.http().post('/api/login').set('X-Forwarded-For', randomIp()).send({ username: user.username, password: user.password });
      expect(res.status).toBe(429);
    } finally {
      await t.close();
    }
  });
});

describe('the API rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ API_RATE_LIMIT: '5' });
  });
  afterAll(() => t.close());

  test('when an IP makes more than API_RATE_LIMIT requests in a minute, then 429 with Retry-After, whatever X-Forwarded-For says; /health and /ready stay open', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await t.http().get('/api').set('X-Forwarded-For', randomIp())).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const limited = await t.http().get('/api/nope');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.body).toEqual({ success: false, message: 'Too many requests. Please slow down.' });
    expect((await t.http().post('/api/login').send({})).status).toBe(429);
    expect((await t.http().get('/health')).status).toBe(200);
    expect((await t.http().get('/ready')).status).toBe(200);
  });
});

// The shared store needs a Redis server: TEST_REDIS_URL (set by .ci/run, which starts Redis).
const redisUrl = process.env.TEST_REDIS_URL;
const describeWithRedis = redisUrl ? describe : describe.skip;

describeWithRedis('rate limits in Redis (REDIS_URL)', () => {
  test('when failed logins are spread over two instances, then together they reach the limit', async () => {
    const env = { REDIS_URL: redisUrl!, LOGIN_RATE_LIMIT: '4', TRUST_PROXY: '1' };
    const first = await startTestApp(env);
    const second = await startTestApp(env);
    try {
      // Both instances serve one user table in real life; here each has its own database, so
      // the attempts name an account that exists on neither: only the shared counter links them.
      const username = uniqueUsername('shared');
      const ip = randomIp();
      expect(await failLogins(first, username, 2, ip)).toEqual([401, 401]);
      expect(await failLogins(second, username, 2, ip)).toEqual([401, 401]);
      expect(await failLogins(first, username, 1, ip)).toEqual([429]);
      expect(await failLogins(second, username, 1, ip)).toEqual([429]);
    } finally {
      await second.close();
      await first.close();
    }
  });

  test('when the API limit is shared, then requests to both instances add up', async () => {
    const env = { REDIS_URL: redisUrl!, API_RATE_LIMIT: '4', TRUST_PROXY: '1' };
    const first = await startTestApp(env);
    const second = await startTestApp(env);
    try {
      const ip = randomIp();
      const statuses = [];
      for (const t of [first, second, first, second, first, second]) statuses.push((await t.http().get('/api').set('X-Forwarded-For', ip)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      await second.close();
      await first.close();
    }
  });

  test('when Redis goes away, then the API stays up (unmetered), logins answer 503, and both recover', async () => {
    const target = new URL(redisUrl!);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const t = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, API_RATE_LIMIT: '100', TRUST_PROXY: '1' });
    try {
      const user = await registerAndLogin(t);
      proxy.down();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await t.http().get('/api/users/me').set('Authorization', user.token)).status).toBe(200);
      const login = await t.http().post('/api/login').send({ username: user.username, password: user.password });
      expect(login.status).toBe(503);
      expect(login.headers['retry-after']).toBeDefined();
      proxy.up();
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await t.http().post('/api/login').send({ username: user.username, password: user.password })).status;
      }
      expect(status).toBe(200);
    } finally {
      await t.close();
      await proxy.close();
    }
  });
});
