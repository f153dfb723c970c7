import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../helpers/app';
import { registerAndLogin, type RegisteredUser } from '../helpers/users';

let t: TestApp;
let ada: RegisteredUser;
let bob: RegisteredUser;
let idle: RegisteredUser;
/** Every campaign created here, in id order: [owner, categories, country, id]. */
const campaigns: Array<{ user: RegisteredUser; categories: string; country: string; id: number }> = [];

beforeAll(async () => {
  t = await startTestApp();
  ada = await registerAndLogin(t);
  bob = await registerAndLogin(t);
  idle = await registerAndLogin(t);
  const plan: Array<[RegisteredUser, string, string]> = [
    [ada, 'Games', 'USA'],
    [ada, 'GAMES', 'Japan'],
    [bob, 'games', 'usa'],
    [bob, 'Board Games', 'USA'],
    [ada, 'Art', 'USA '],
    [bob, 'Art', 'JAPAN'],
    [ada, 'Games', 'JAPAN'],
  ];
  for (const [user, categories, country] of plan) {
    const res = await t
      .http()
      .post('/api/kickstarter')
      .set('Authorization', user.token)
      .send({ campaignName: `${categories} in ${country}`, categories, country, monetaryGoal: 100, duration: 10 });
    expect(res.status).toBe(201);
    campaigns.push({ user, categories, country, id: res.body.id });
  }
});
afterAll(() => t.close());

const ids = (body: Array<{ id: number }>) => body.map((campaign) => campaign.id);
const idsWhere = (keep: (campaign: (typeof campaigns)[number]) => boolean) => campaigns.filter(keep).map((c) => c.id);
const same = (a: string, b: string) => a.trim().toLowerCase() === b.toLowerCase();

/** The path and query of a `Link: <…>; rel="next"` header. */
function nextPath(link: string | undefined): string | undefined {
  if (link === undefined) return undefined;
  const url = new URL(/^<([^>]+)>; rel="next"$/.exec(link)![1]!);
  return url.pathname + url.search;
}

describe.each(['/api/kickstarter', '/api/kickstarter/all'])('GET %s', (path) => {
  test('when called with no token, then every campaign in ascending id, and no Link', async () => {
    const res = await t.http().get(path);
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(campaigns.map((c) => c.id));
    expect(res.headers.link).toBeUndefined();
  });

  test.each([
    ['categories=games', (c: (typeof campaigns)[number]) => same(c.categories, 'games')],
    ['categories=GAMES', (c: (typeof campaigns)[number]) => same(c.categories, 'games')],
    ['categories=%20Art%20', (c: (typeof campaigns)[number]) => same(c.categories, 'art')],
    ['country=usa', (c: (typeof campaigns)[number]) => same(c.country, 'usa')],
    ['categories=Games&country=JAPAN', (c: (typeof campaigns)[number]) => same(c.categories, 'games') && same(c.country, 'japan')],
    ['categories=Board%20Games', (c: (typeof campaigns)[number]) => c.categories === 'Board Games'],
    ['categories=Game', () => false],
    ['categories=', () => true],
    ['country=', () => true],
  ])('when filtered by %s, then exactly the matching campaigns (exact, case-insensitive)', async (query, keep) => {
    const res = await t.http().get(`${path}?${query}`);
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(idsWhere(keep));
  });

  test('when filtered by user_id, alone or with the other filters, then only that user\'s campaigns', async () => {
    const byAda = await t.http().get(`${path}?user_id=${ada.id}`);
    expect(ids(byAda.body)).toEqual(idsWhere((c) => c.user === ada));
    const adaGames = await t.http().get(`${path}?user_id=${ada.id}&categories=games&country=usa`);
    expect(ids(adaGames.body)).toEqual(idsWhere((c) => c.user === ada && same(c.categories, 'games') && same(c.country, 'usa')));
    const nobody = await t.http().get(`${path}?user_id=${idle.id}`);
    expect(nobody.body).toEqual([]);
    const unknown = await t.http().get(`${path}?user_id=2147483647`);
    expect(unknown.body).toEqual([]);
  });

  test.each([
    ['user_id=abc', 'user_id', 'The user id must be a positive integer.'],
    ['user_id=0', 'user_id', 'The user id must be a positive integer.'],
    ['user_id=-1', 'user_id', 'The user id must be a positive integer.'],
    ['user_id=1.5', 'user_id', 'The user id must be a positive integer.'],
    ['user_id=', 'user_id', 'The user id must be a positive integer.'],
    ['user_id=99999999999', 'user_id', 'The user id must be a positive integer.'],
    ['user_id=1&user_id=2', 'user_id', 'The user id must be a positive integer.'],
    ['country=USA&country=JAPAN', 'country', 'The country must be a string.'],
    ['categories=a&categories=b', 'categories', 'The categories must be a string.'],
    ['categories=%00', 'categories', 'The categories may not contain NUL characters or unpaired surrogates.'],
    ['limit=0', 'limit', 'The limit must be a whole number from 1 to 100.'],
    ['page=1&after=1', 'page', 'Use either page or after, not both.'],
  ])('when the query has %s, then 422 on %s', async (query, field, message) => {
    const res = await t.http().get(`${path}?${query}`);
    expect(res.status).toBe(422);
    expect(res.body.errors[field]).toEqual([message]);
  });

  test('when several query values are wrong, then all are reported at once', async () => {
    const res = await t.http().get(`${path}?user_id=x&limit=1000&country=a&country=b`);
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.errors).sort()).toEqual(['country', 'limit', 'user_id']);
  });

  test('when paging a filtered list by keyset, then Link keeps the filter and walks every match once', async () => {
    const seen: number[] = [];
    let next: string | undefined = `${path}?categories=games&limit=2`;
    let pages = 0;
    while (next) {
      const res = await t.http().get(next);
      expect(res.status).toBe(200);
      seen.push(...ids(res.body));
      next = nextPath(res.headers.link);
      if (next) expect(next).toMatch(new RegExp(`^${path}\\?categories=games&limit=2&after=\\d+$`));
      pages += 1;
    }
    expect(seen).toEqual(idsWhere((c) => same(c.categories, 'games')));
    expect(pages).toBe(Math.ceil(seen.length / 2));
  });

  test('when paging by page number, then pages follow each other and the last has no Link', async () => {
    const all = campaigns.map((c) => c.id);
    const first = await t.http().get(`${path}?limit=3&page=1`);
    expect(ids(first.body)).toEqual(all.slice(0, 3));
    expect(nextPath(first.headers.link)).toBe(`${path}?limit=3&page=2`);
    const last = await t.http().get(`${path}?limit=3&page=3`);
    expect(ids(last.body)).toEqual(all.slice(6));
    expect(last.headers.link).toBeUndefined();
    const beyond = await t.http().get(`${path}?limit=3&page=9`);
    expect(beyond.body).toEqual([]);
  });

  test('when the query is percent-encoded, then Link keeps the other parameters as written and replaces the paging one', async () => {
    const first = await t.http().get(`${path}?categories=%41rt&p%61ge=1&limit=1&&utm_source=a+b`);
    expect(first.status).toBe(200);
    expect(ids(first.body)).toEqual(idsWhere((c) => same(c.categories, 'Art')).slice(0, 1));
    expect(nextPath(first.headers.link)).toBe(`${path}?categories=%41rt&limit=1&utm_source=a+b&page=2`);
    const odd = await t.http().get(`${path}?%E0%A4%A=1&limit=1`);
    expect(odd.status).toBe(200);
    expect(nextPath(odd.headers.link)).toBe(`${path}?%E0%A4%A=1&limit=1&after=${campaigns[0]!.id}`);
  });

  test('when the request target holds bytes a URL may not, or names its own origin, then Link is still a valid URL of this server', async () => {
    const server = t.app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const linkOf = (target: string) =>
      new Promise<string | undefined>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: target, headers: { host: 'api.example' } }, (res) => {
          res.resume();
          resolve(res.headers.link as string | undefined);
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await linkOf(`${path}?limit=1&q=<b>"`)).toBe(`<http://api.example${path}?limit=1&q=%3Cb%3E%22&after=${campaigns[0]!.id}>; rel="next"`);
      expect(await linkOf(`http://elsewhere.example${path}?limit=1`)).toBe(`<http://api.example${path}?limit=1&after=${campaigns[0]!.id}>; rel="next"`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('when PUBLIC_URL is set, then Link is built on it, whatever Host the request names', async () => {
    const behindProxy = await startTestApp({ PUBLIC_URL: 'https://api.example.com' });
    try {
      const owner = await registerAndLogin(behindProxy);
      for (const name of ['one', 'two']) {
        await behindProxy.http().post('/api/kickstarter').set('Authorization', owner.token)
          .send({ campaignName: name, categories: 'Games', country: 'USA', monetaryGoal: 100, duration: 10 });
      }
      const res = await behindProxy.http().get(`${path}?limit=1`).set('Host', 'evil.example');
      expect(res.headers.link).toMatch(new RegExp(`^<https://api\\.example\\.com${path}\\?limit=1&after=\\d+>; rel="next"$`));
    } finally {
      await behindProxy.close();
    }
  });

  test('when after is given, then only campaigns with a greater id', async () => {
    const res = await t.http().get(`${path}?after=${campaigns[3]!.id}`);
    expect(ids(res.body)).toEqual(campaigns.slice(4).map((c) => c.id));
    expect((await t.http().get(`${path}?after=0`)).body).toHaveLength(campaigns.length);
  });
});

describe('GET /api/kickstarter/user/:id', () => {
  test('when a user\'s campaigns are listed, with or without a token, then theirs only, in ascending id', async () => {
    for (const header of [undefined, ada.token, '[object Object]']) {
      const req = t.http().get(`/api/kickstarter/user/${ada.id}`);
      const res = await (header === undefined ? req : req.set('Authorization', header));
      expect(res.status).toBe(200);
      expect(ids(res.body)).toEqual(idsWhere((c) => c.user === ada));
      expect(res.body.every((campaign: { user_id: number }) => campaign.user_id === ada.id)).toBe(true);
    }
  });

  test('when the user exists but has no campaigns, then an empty array', async () => {
    const res = await t.http().get(`/api/kickstarter/user/${idle.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  test('when the user exists and the page is past the end, then an empty array, not 404', async () => {
    const res = await t.http().get(`/api/kickstarter/user/${ada.id}?page=50`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  test.each(['2147483647', '0', '-1', 'abc', '99999999999999999999'])('when the user id is %s, then 404', async (id) => {
    const res = await t.http().get(`/api/kickstarter/user/${id}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ success: false, message: 'Not Found.' });
  });

  test('when paged, then Link rel=next walks the user\'s campaigns', async () => {
    const seen: number[] = [];
    let next: string | undefined = `/api/kickstarter/user/${bob.id}?limit=1`;
    while (next) {
      const res = await t.http().get(next);
      seen.push(...ids(res.body));
      next = nextPath(res.headers.link);
    }
    expect(seen).toEqual(idsWhere((c) => c.user === bob));
  });

  test('when the page query is invalid, then 422', async () => {
    const res = await t.http().get(`/api/kickstarter/user/${ada.id}?limit=abc`);
    expect(res.status).toBe(422);
    expect(res.body.errors.limit).toBeDefined();
  });
});
